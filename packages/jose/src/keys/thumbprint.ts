import { JoseError } from '../base/errors.js';
import { isJsonObject } from '../base/json.js';

const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  // RFC 7638 §3.2, members in lexicographic order; RFC 8037 §2 for OKP.
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
};

export type ThumbprintHash = 'sha256' | 'sha384' | 'sha512';
const HASHES: readonly ThumbprintHash[] = ['sha256', 'sha384', 'sha512'];

/**
 * The RFC 7638 §3 hash input of a JWK: its required members only, in lexicographic order, as
 * JSON. Both cores hash it (node:crypto, Web Crypto `digest`).
 */
export function thumbprintInput(jwk: unknown, hash: ThumbprintHash): string {
  if (!HASHES.includes(hash))
    throw new JoseError('ERR_OPTIONS_INVALID', 'unsupported thumbprint hash');
  if (!isJsonObject(jwk)) throw new JoseError('ERR_JWK_INVALID', 'a JWK must be a JSON object');
  const members = typeof jwk['kty'] === 'string' ? THUMBPRINT_MEMBERS[jwk['kty']] : undefined;
  if (members === undefined)
    throw new JoseError('ERR_JWK_INVALID', 'unsupported or missing JWK "kty"');
  const canonical: Record<string, string> = {};
  for (const m of members) {
    const v = jwk[m];
    if (typeof v !== 'string' || v.length === 0) {
      throw new JoseError('ERR_JWK_INVALID', `JWK member "${m}" is required for a thumbprint`);
    }
    canonical[m] = v;
  }
  return JSON.stringify(canonical);
}

/** RFC 9278 hash names used in thumbprint URIs. */
export const THUMBPRINT_URI_HASH: Readonly<Record<ThumbprintHash, string>> = {
  sha256: 'sha-256',
  sha384: 'sha-384',
  sha512: 'sha-512',
};
