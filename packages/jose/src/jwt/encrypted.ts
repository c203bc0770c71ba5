/**
 * Encrypted JWTs on the Node.js core (RFC 7519 §5.2, §11.2): the rules are
 * jwt/encrypted-rules.ts, shared with the Web Crypto entry; this file adds the JWE and JWS calls.
 */
import type { KeyObject } from 'node:crypto';
import type { JwtPayload } from './claims.js';
import type { KeyInput } from '../keys/keys.js';
import type { VerifyKey } from '../jws/compact.js';
import { createVerifier, verifyJwt, type JwtVerifyResult } from './jwt.js';
import { decryptCompactPrepared, encryptCompact } from '../jwe/compact.js';
import type { EncryptOptions } from '../jwe/encrypt.js';
import type { DecryptKey } from '../jwe/key.js';
import {
  encryptedOnlyClaims,
  encryptJwtInput,
  encryptNestedInput,
  innerJwsOf,
  prepareDecryptJwtRules,
  requireDecrypterKey,
  type DecryptJwtOptionsOf,
  type DecryptJwtResultOf,
  type EncryptJwtOptions,
  type NestedVerifyOptionsOf,
  type PreparedDecryptJwtRules,
} from './encrypted-rules.js';

export type { EncryptJwtOptions } from './encrypted-rules.js';

/** Options of the inner JWS of a nested JWT: its own keys and full verification policy. */
export type NestedVerifyOptions = NestedVerifyOptionsOf<VerifyKey>;

export type DecryptJwtOptions = DecryptJwtOptionsOf<VerifyKey>;

export type DecryptJwtResult<P = JwtPayload> = DecryptJwtResultOf<P, KeyObject, KeyObject>;

/**
 * Encrypt claims into a compact JWE (an encrypted, NOT signed, JWT). Anyone holding the
 * recipient's public key can make such a token; for authenticity sign first and use
 * {@link encryptNestedJwt}.
 *
 * @example
 * const token = encryptJwt({ email: 'a@example.com' }, publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', expiresIn: '10m' });
 */
export function encryptJwt(claims: JwtPayload, key: KeyInput, options: EncryptJwtOptions): string {
  const input = encryptJwtInput(claims, options);
  return encryptCompact(input.payload, key, input.options);
}

/**
 * Encrypt a signed compact JWT (sign-then-encrypt, RFC 7519 §5.2): the JWE gets `cty: "JWT"`.
 *
 * @example
 * const jws = signJwt({ sub: 'u1' }, signingKey, { alg: 'ES256', expiresIn: '5m' });
 * const token = encryptNestedJwt(jws, recipientPublicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' });
 */
export function encryptNestedJwt(
  jws: string,
  key: KeyInput,
  options: EncryptOptions & { typ?: string | false },
): string {
  return encryptCompact(jws, key, encryptNestedInput(jws, options));
}

/**
 * Decrypt a JWT. Encrypted-only tokens return their claims with `authenticated: false`. A
 * nested token (`cty: "JWT"`) is refused unless `nested` options are given; then the inner
 * JWS is verified with its own full options (keys, algorithms, claims) and only its claims are
 * returned — never unverified (docs/security.md#nested; CVE-2023-51774). With `nested`, claim
 * options go in `nested` (top-level ones are refused); the top-level `typ` checks the JWE header.
 *
 * @example
 * const { payload } = decryptJwt(token, encryptionPrivateKey, {
 *   keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A256GCM'],
 *   nested: { key: issuerPublicKey, algorithms: ['ES256'], issuer: 'https://auth.example', audience: 'api' },
 * });
 */
export function decryptJwt<P = JwtPayload>(
  token: string,
  key: DecryptKey,
  options: DecryptJwtOptions,
): DecryptJwtResult<P> {
  return decryptPrepared<P>(token, key, prepareDecryptJwt(options, false));
}

/**
 * A JWT decrypter with options validated once (and, for nested tokens, the inner verifier
 * prepared once): the fast path. Same rules as {@link decryptJwt}.
 *
 * @example
 * const decrypt = createDecrypter({ key: privateKey, keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
 * const { payload } = decrypt(token);
 */
export function createDecrypter<P = JwtPayload>(
  options: DecryptJwtOptions & { key: DecryptKey },
): (token: string) => DecryptJwtResult<P> {
  const prepared = prepareDecryptJwt(options, true);
  const key = options?.key;
  requireDecrypterKey(key);
  return (token) => decryptPrepared<P>(token, key, prepared);
}

interface PreparedDecryptJwt extends PreparedDecryptJwtRules<VerifyKey> {
  readonly verifyInner: ((jws: string) => JwtVerifyResult<JwtPayload>) | undefined;
}

function prepareDecryptJwt(options: DecryptJwtOptions, factory: boolean): PreparedDecryptJwt {
  const rules = prepareDecryptJwtRules(options);
  const nested = rules.nested;
  let verifyInner: PreparedDecryptJwt['verifyInner'];
  if (nested !== undefined) {
    if (factory) verifyInner = createVerifier<JwtPayload>(nested);
    else {
      const { key: verifyKey, ...verifyOptions } = nested;
      verifyInner = (jws) => verifyJwt<JwtPayload>(jws, verifyKey, verifyOptions);
    }
  }
  return { ...rules, verifyInner };
}

function decryptPrepared<P>(
  token: unknown,
  key: DecryptKey,
  d: PreparedDecryptJwt,
): DecryptJwtResult<P> {
  const r = decryptCompactPrepared(token, key, d.jwe);
  const header = r.protectedHeader;
  const jws = innerJwsOf(header, r.plaintext, d);
  if (jws !== undefined) {
    const inner = d.verifyInner!(jws);
    return {
      payload: inner.payload as P,
      protectedHeader: header,
      key: r.key,
      authenticated: true,
      nested: { protectedHeader: inner.protectedHeader, key: inner.key },
    };
  }
  const payload = encryptedOnlyClaims(r.plaintext, header, d);
  return { payload: payload as P, protectedHeader: header, key: r.key, authenticated: false };
}
