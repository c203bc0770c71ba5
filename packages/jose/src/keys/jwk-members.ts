/** JWK member checks both cores make before importing a key (RFC 7517 §4, RFC 7518 §6). */
import { JoseError } from '../base/errors.js';
import { decodeBase64url, isStrictBase64url } from '../base/base64url.js';

/** A base64url member: present when required, non-empty, strict base64url; its bytes. */
export function b64Member(
  jwk: Record<string, unknown>,
  name: string,
  required: boolean,
): Uint8Array | undefined {
  const v = jwk[name];
  if (v === undefined) {
    if (required) throw new JoseError('ERR_JWK_INVALID', `JWK member "${name}" is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0 || !isStrictBase64url(v)) {
    throw new JoseError(
      'ERR_JWK_INVALID',
      `JWK member "${name}" must be non-empty strict base64url`,
    );
  }
  return decodeBase64url(v, `JWK member "${name}"`);
}

/** `kid`, `alg`, `use` are strings; `key_ops` distinct strings; `ext` a boolean. */
export function checkCommonMembers(jwk: Record<string, unknown>): void {
  for (const name of ['kid', 'alg', 'use'] as const) {
    if (jwk[name] !== undefined && typeof jwk[name] !== 'string') {
      throw new JoseError('ERR_JWK_INVALID', `JWK member "${name}" must be a string`);
    }
  }
  const ops = jwk['key_ops'];
  if (ops !== undefined) {
    if (
      !Array.isArray(ops) ||
      ops.some((o) => typeof o !== 'string') ||
      new Set(ops).size !== ops.length
    ) {
      throw new JoseError(
        'ERR_JWK_INVALID',
        'JWK member "key_ops" must be an array of distinct strings',
      );
    }
  }
  if (jwk['ext'] !== undefined && typeof jwk['ext'] !== 'boolean') {
    throw new JoseError('ERR_JWK_INVALID', 'JWK member "ext" must be a boolean');
  }
}
