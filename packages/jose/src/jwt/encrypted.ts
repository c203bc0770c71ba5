import type { KeyObject } from 'node:crypto';
import { utf8Decode } from '../base/bytes.js';
import {
  checkClaims,
  nowSeconds,
  prepareClaimChecks,
  type ClaimOptions,
  type JwtPayload,
  type PreparedClaimChecks,
} from './claims.js';
import { buildClaimSet, prepareClaimSet, type ClaimSetOptions } from './claim-set.js';
import { JoseError, JwtClaimError } from '../base/errors.js';
import { normalizeTyp, type JoseHeader } from '../base/header.js';
import { isJsonObject, parseJsonObject } from '../base/json.js';
import type { KeyInput } from '../keys/keys.js';
import type { VerifyKey } from '../jws/compact.js';
import { createVerifier, verifyJwt, type JwtVerifyResult, type VerifyJwtOptions } from './jwt.js';
import { decryptCompactPrepared, encryptCompact } from '../jwe/compact.js';
import type { EncryptOptions } from '../jwe/encrypt.js';
import { prepareDecrypt, type DecryptOptions, type PreparedDecrypt } from '../jwe/header.js';
import type { DecryptKey } from '../jwe/key.js';

export interface EncryptJwtOptions extends EncryptOptions, ClaimSetOptions {
  /** Header `typ` (default `"JWT"`; `false` leaves it out). */
  typ?: string | false;
}

/** Options of the inner JWS of a nested JWT: its own keys and full verification policy. */
export interface NestedVerifyOptions extends VerifyJwtOptions {
  /** The key, key set or resolver that verifies the inner JWS. */
  key: VerifyKey;
}

export interface DecryptJwtOptions extends DecryptOptions, ClaimOptions {
  /**
   * Verify a nested (sign-then-encrypt, `cty: "JWT"`) token's inner JWS with these options.
   * When given, encrypted-only tokens are refused (ERR_JWT_NOT_NESTED); when absent, nested
   * tokens are refused (ERR_JWT_NESTED).
   */
  nested?: NestedVerifyOptions;
  /** Accept duplicate member names in the claims (last wins). Default false. */
  allowDuplicateClaims?: boolean;
}

export interface DecryptJwtResult<P = JwtPayload> {
  /** The claims: of the inner, verified JWS for a nested token. */
  payload: P;
  /** The JWE protected header. */
  protectedHeader: JoseHeader;
  /** The key that decrypted the JWE. */
  key: KeyObject;
  /**
   * True only when the claims come from an inner JWS whose signature verified. An
   * encrypted-only JWT is never authenticated: anyone with the public key can make one (docs/security.md#nested).
   */
  authenticated: boolean;
  /** For a nested token: the inner JWS header and the key that verified it. */
  nested?: { protectedHeader: JoseHeader; key: KeyObject };
}

function withTyp(o: EncryptOptions, typ: string | false | undefined, cty?: string): EncryptOptions {
  const t = typ === undefined ? 'JWT' : typ;
  if (t !== false && (typeof t !== 'string' || t.length === 0))
    throw new JoseError('ERR_OPTIONS_INVALID', 'typ must be a non-empty string or false');
  const header: Record<string, unknown> = { ...(o.header ?? {}) };
  if (t !== false) header['typ'] = t;
  if (cty !== undefined) header['cty'] = cty;
  return { ...o, header };
}

/**
 * Encrypt claims into a compact JWE (an encrypted, NOT signed, JWT). Anyone holding the
 * recipient's public key can make such a token; for authenticity sign first and use
 * {@link encryptNestedJwt}.
 *
 * @example
 * const token = encryptJwt({ email: 'a@example.com' }, publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', expiresIn: '10m' });
 */
export function encryptJwt(claims: JwtPayload, key: KeyInput, options: EncryptJwtOptions): string {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const payload = buildClaimSet(claims, prepareClaimSet(options));
  return encryptCompact(payload, key, withTyp(options, options.typ));
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
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  if (typeof jws !== 'string' || jws.split('.').length !== 3) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'the inner token must be a compact JWS (three segments)',
    );
  }
  return encryptCompact(jws, key, withTyp(options, options.typ, 'JWT'));
}

// Claim options that, for a nested token, belong in `nested` (the inner JWS is what is verified).
const CLAIM_OPTIONS = [
  'issuer',
  'audience',
  'subject',
  'clockTolerance',
  'maxTokenAge',
  'requiredClaims',
  'currentDate',
] as const;

function isNestedCty(cty: unknown): boolean {
  return typeof cty === 'string' && normalizeTyp(cty) === 'jwt';
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
  if (key === undefined || key === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'key is required');
  return (token) => decryptPrepared<P>(token, key, prepared);
}

interface PreparedDecryptJwt {
  readonly jwe: PreparedDecrypt;
  readonly claims: PreparedClaimChecks;
  readonly allowDuplicateClaims: boolean;
  readonly verifyInner: ((jws: string) => JwtVerifyResult<JwtPayload>) | undefined;
}

function prepareDecryptJwt(options: DecryptJwtOptions, factory: boolean): PreparedDecryptJwt {
  const jwe = prepareDecrypt(options);
  const claims = prepareClaimChecks(options);
  const nested = options.nested;
  let verifyInner: PreparedDecryptJwt['verifyInner'];
  if (nested !== undefined) {
    if (!isJsonObject(nested) || nested.key === undefined || nested.key === null) {
      throw new JoseError('ERR_OPTIONS_INVALID', 'nested must be verify options with a key');
    }
    for (const name of CLAIM_OPTIONS) {
      if (options[name] !== undefined) {
        throw new JoseError(
          'ERR_OPTIONS_INVALID',
          `with nested verification, "${name}" belongs in the nested options`,
        );
      }
    }
    if (factory) verifyInner = createVerifier<JwtPayload>(nested);
    else {
      const { key: verifyKey, ...verifyOptions } = nested;
      verifyInner = (jws) => verifyJwt<JwtPayload>(jws, verifyKey, verifyOptions);
    }
  }
  return { jwe, claims, allowDuplicateClaims: options.allowDuplicateClaims === true, verifyInner };
}

function decryptPrepared<P>(
  token: unknown,
  key: DecryptKey,
  d: PreparedDecryptJwt,
): DecryptJwtResult<P> {
  const r = decryptCompactPrepared(token, key, d.jwe);
  const header = r.protectedHeader;
  if (isNestedCty(header.cty)) {
    if (d.verifyInner === undefined) {
      throw new JoseError(
        'ERR_JWT_NESTED',
        'nested JWTs (cty: JWT) need `nested` verification options',
      );
    }
    const typ = d.claims.typ;
    if (typ !== undefined && (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== typ)) {
      throw new JwtClaimError(
        'ERR_JWT_CLAIM_INVALID',
        'typ',
        typeof header.typ === 'string' ? 'mismatch' : 'missing',
        'unexpected "typ" header value',
      );
    }
    const inner = d.verifyInner(utf8Decode(r.plaintext));
    return {
      payload: inner.payload as P,
      protectedHeader: header,
      key: r.key,
      authenticated: true,
      nested: { protectedHeader: inner.protectedHeader, key: inner.key },
    };
  }
  if (d.verifyInner !== undefined) {
    throw new JoseError(
      'ERR_JWT_NOT_NESTED',
      'a signed inner JWT was required, but the token is encrypted only',
    );
  }
  const payload = parseJsonObject(r.plaintext, 'JWT claims', {
    allowDuplicateMembers: d.allowDuplicateClaims,
  });
  checkClaims(payload, header.typ, d.claims, nowSeconds(d.claims));
  return { payload: payload as P, protectedHeader: header, key: r.key, authenticated: false };
}
