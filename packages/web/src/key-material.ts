import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import {
  JoseError,
  createLocalKeySet,
  importJwk,
  importPem,
  isStrictBase64url,
  type Jwk,
  type JwkSet,
  type KeyInput,
  type KeySet,
} from '@tessera/jose';

/** How a typed secret is turned into bytes (the Verify pane's encoding selector; docs/cli.md#secret-sources names the same encodings). */
export const SECRET_ENCODINGS = ['utf8', 'base64', 'base64url', 'hex'] as const;
export type SecretEncoding = (typeof SECRET_ENCODINGS)[number];

/** A key as the page sends it: text plus what the user said it is. */
export type KeyMaterial =
  | { readonly kind: 'secret'; readonly value: string; readonly encoding?: SecretEncoding }
  | { readonly kind: 'public' | 'private'; readonly value: string; readonly kid?: string };

/** How the key text was read, for the status card. */
export type KeySource = 'secret' | 'pem' | 'jwk' | 'jwks';

/**
 * Decode a secret in the given encoding; undefined when the text is not valid in it.
 *
 * @example
 * decodeSecret('68656c6c6f', 'hex') // Uint8Array 'hello'
 */
export function decodeSecret(value: string, encoding: SecretEncoding): Uint8Array | undefined {
  switch (encoding) {
    case 'utf8':
      return new Uint8Array(Buffer.from(value, 'utf8'));
    case 'hex':
      return /^(?:[0-9a-fA-F]{2})*$/.test(value)
        ? new Uint8Array(Buffer.from(value, 'hex'))
        : undefined;
    case 'base64': {
      const v = value.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return undefined;
      return new Uint8Array(Buffer.from(v, 'base64'));
    }
    case 'base64url':
      return isStrictBase64url(value) ? new Uint8Array(Buffer.from(value, 'base64url')) : undefined;
  }
}

function parseJsonKey(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JoseError('ERR_JWK_INVALID', 'the key is neither PEM nor JSON (JWK or JWKS)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new JoseError('ERR_JWK_INVALID', 'a JWK or JWKS must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A verification key read from text, with its format; `kids` lists a JWKS's key ids. */
export interface VerificationKey {
  readonly key: KeyInput | KeySet;
  readonly source: KeySource;
  readonly kids: readonly string[];
}

/**
 * Read a public key from text: PEM (SPKI, PKCS#1, X.509 certificate — a private PEM is reduced
 * to its public half), a JWK, or a JWKS (optionally narrowed to one `kid`). PEM needs the
 * algorithm, since Tessera never guesses one (docs/security.md#key-confusion).
 *
 * @example
 * readVerificationKey(pemText, 'ES256').source // 'pem'
 */
export function readVerificationKey(text: string, alg: string, kid?: string): VerificationKey {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return { key: importPem(t, alg), source: 'pem', kids: [] };
  const json = parseJsonKey(t);
  if (Array.isArray(json['keys'])) {
    const keys = (json['keys'] as unknown[]).filter(
      (k): k is Jwk => typeof k === 'object' && k !== null,
    );
    const kids = keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string');
    if (kid !== undefined && kid !== '') {
      const chosen = keys.find((k) => k.kid === kid);
      if (chosen === undefined)
        throw new JoseError('ERR_KEY_NOT_FOUND', 'no key in the JWKS has the selected kid');
      return { key: chosen, source: 'jwks', kids };
    }
    return { key: createLocalKeySet(json as unknown as JwkSet), source: 'jwks', kids };
  }
  if (typeof json['kty'] !== 'string') throw new JoseError('ERR_JWK_INVALID', 'a JWK needs "kty"');
  if (json['kty'] === 'oct') {
    // docs/security.md#key-confusion: a public-key field never yields an HMAC secret; secrets go in the secret field.
    throw new JoseError('ERR_KEY_INVALID', 'an "oct" JWK is a secret: use the secret field');
  }
  return {
    key: json as Jwk,
    source: 'jwk',
    kids: typeof json['kid'] === 'string' ? [json['kid']] : [],
  };
}

/**
 * Read a private signing key from text: PEM (PKCS#8, PKCS#1, SEC1) or a private JWK.
 *
 * @example
 * readSigningKey(pkcs8Pem, 'EdDSA')
 */
export function readSigningKey(text: string, alg: string): { key: KeyObject; source: KeySource } {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) {
    const key = importPem(t, alg);
    if (key.type !== 'private')
      throw new JoseError('ERR_KEY_INVALID', 'signing needs a private key');
    return { key, source: 'pem' };
  }
  const json = parseJsonKey(t);
  if (json['kty'] === 'oct')
    throw new JoseError('ERR_KEY_INVALID', 'an "oct" JWK is a secret: use the secret field');
  const key = importJwk(json as Jwk, alg, undefined, 'sign');
  if (key.type !== 'private') throw new JoseError('ERR_KEY_INVALID', 'signing needs a private key');
  return { key, source: 'jwk' };
}
