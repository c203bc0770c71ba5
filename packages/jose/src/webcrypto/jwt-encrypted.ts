/**
 * Encrypted JWTs on Web Crypto (RFC 7519 §5.2, §11.2), async: the rules are
 * jwt/encrypted-rules.ts, the Node.js core's own; this file adds the JWE and JWS calls.
 */
import type { JwtPayload } from '../jwt/claims.js';
import type { EncryptOptions } from '../jwe/rules.js';
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
} from '../jwt/encrypted-rules.js';
import {
  decryptCompactPrepared,
  encryptCompact,
  type WebDecryptKey,
  type WebJweKey,
} from './jwe.js';
import type { WebVerifyKey } from './jws.js';
import { createVerifier, verifyJwt, type WebJwtVerifyResult } from './jwt.js';

/** Options of the inner JWS of a nested JWT: its own keys and full verification policy. */
export type WebNestedVerifyOptions = NestedVerifyOptionsOf<WebVerifyKey>;

export type WebDecryptJwtOptions = DecryptJwtOptionsOf<WebVerifyKey>;

export type WebDecryptJwtResult<P = JwtPayload> = DecryptJwtResultOf<P, WebJweKey, CryptoKey>;

/**
 * Encrypt claims into a compact JWE (an encrypted, NOT signed, JWT). Anyone holding the
 * recipient's public key can make such a token; for authenticity use {@link encryptNestedJwt}.
 *
 * @example
 * const token = await encryptJwt({ email: 'a@example.com' }, publicJwk, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', expiresIn: '10m' });
 */
export async function encryptJwt(
  claims: JwtPayload,
  key: WebJweKey,
  options: EncryptJwtOptions,
): Promise<string> {
  const input = encryptJwtInput(claims, options);
  return encryptCompact(input.payload, key, input.options);
}

/**
 * Encrypt a signed compact JWT (sign-then-encrypt, RFC 7519 §5.2): the JWE gets `cty: "JWT"`.
 *
 * @example
 * const token = await encryptNestedJwt(await signJwt({ sub: 'u1' }, signingKey, { alg: 'ES256' }), recipientJwk, { alg: 'RSA-OAEP-256', enc: 'A256GCM' });
 */
export async function encryptNestedJwt(
  jws: string,
  key: WebJweKey,
  options: EncryptOptions & { typ?: string | false },
): Promise<string> {
  return encryptCompact(jws, key, encryptNestedInput(jws, options));
}

interface PreparedWebDecryptJwt extends PreparedDecryptJwtRules<WebVerifyKey> {
  readonly verifyInner: ((jws: string) => Promise<WebJwtVerifyResult<JwtPayload>>) | undefined;
}

function prepareDecryptJwt(options: WebDecryptJwtOptions, factory: boolean): PreparedWebDecryptJwt {
  const rules = prepareDecryptJwtRules(options);
  const nested = rules.nested;
  let verifyInner: PreparedWebDecryptJwt['verifyInner'];
  if (nested !== undefined) {
    if (factory) verifyInner = createVerifier<JwtPayload>(nested);
    else {
      const { key: verifyKey, ...verifyOptions } = nested;
      verifyInner = (jws) => verifyJwt<JwtPayload>(jws, verifyKey, verifyOptions);
    }
  }
  return { ...rules, verifyInner };
}

async function decryptPrepared<P>(
  token: unknown,
  key: WebDecryptKey,
  d: PreparedWebDecryptJwt,
): Promise<WebDecryptJwtResult<P>> {
  const r = await decryptCompactPrepared(token, key, d.jwe);
  const header = r.protectedHeader;
  const jws = innerJwsOf(header, r.plaintext, d);
  if (jws !== undefined) {
    const inner = await d.verifyInner!(jws);
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

/**
 * Decrypt a JWT. Encrypted-only tokens return their claims with `authenticated: false`. A nested
 * token (`cty: "JWT"`) is refused unless `nested` options are given; then the inner JWS is
 * verified with its own full options and only its claims are returned, never unverified.
 *
 * @example
 * const { payload } = await decryptJwt(token, privateJwk, {
 *   keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A256GCM'],
 *   nested: { key: issuerJwk, algorithms: ['ES256'], issuer: 'https://auth.example', audience: 'api' },
 * });
 */
export async function decryptJwt<P = JwtPayload>(
  token: string,
  key: WebDecryptKey,
  options: WebDecryptJwtOptions,
): Promise<WebDecryptJwtResult<P>> {
  return decryptPrepared<P>(token, key, prepareDecryptJwt(options, false));
}

/**
 * A JWT decrypter with options validated once (ERR_OPTIONS_INVALID at once) and, for nested
 * tokens, the inner verifier prepared once. Same rules as {@link decryptJwt}.
 *
 * @example
 * const decrypt = createDecrypter({ key: privateJwk, keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
 * const { payload } = await decrypt(token);
 */
export function createDecrypter<P = JwtPayload>(
  options: WebDecryptJwtOptions & { key: WebDecryptKey },
): (token: string) => Promise<WebDecryptJwtResult<P>> {
  const prepared = prepareDecryptJwt(options, true);
  const key = options?.key;
  requireDecrypterKey(key);
  return (token) => decryptPrepared<P>(token, key, prepared);
}
