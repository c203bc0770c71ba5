/**
 * The encrypted JWT rules both cores share (RFC 7519 §5.2, §11.2; the Node.js core's
 * jwt/encrypted.ts and the Web Crypto entry's webcrypto/jwt-encrypted.ts): `typ` and `cty`
 * on encryption, the inner token of a nested JWT, the decrypt options (claim options belong in
 * `nested` for nested tokens), and after decryption which path a token takes: a nested token
 * only with `nested` options, an encrypted-only one only without, and its claims checked.
 * Pure TypeScript: no `node:` module, no key handling (docs/security.md#nested).
 */
import { utf8Decode } from '../base/bytes.js';
import { JoseError, JwtClaimError } from '../base/errors.js';
import { normalizeTyp, type JoseHeader } from '../base/header.js';
import { isJsonObject, parseJsonObject } from '../base/json.js';
import {
  checkClaims,
  nowSeconds,
  prepareClaimChecks,
  type ClaimOptions,
  type JwtPayload,
  type PreparedClaimChecks,
} from './claims.js';
import { buildClaimSet, prepareClaimSet, type ClaimSetOptions } from './claim-set.js';
import type { VerifyJwtOptions } from './rules.js';
import { prepareDecrypt, type DecryptOptions, type PreparedDecrypt } from '../jwe/header.js';
import type { EncryptOptions } from '../jwe/rules.js';

export interface EncryptJwtOptions extends EncryptOptions, ClaimSetOptions {
  /** Header `typ` (default `"JWT"`; `false` leaves it out). */
  typ?: string | false;
}

/** Options of the inner JWS of a nested JWT: its own keys (of the entry's type) and policy. */
export interface NestedVerifyOptionsOf<V> extends VerifyJwtOptions {
  /** The key, key set or resolver that verifies the inner JWS. */
  key: V;
}

export interface DecryptJwtOptionsOf<V> extends DecryptOptions, ClaimOptions {
  /**
   * Verify a nested (sign-then-encrypt, `cty: "JWT"`) token's inner JWS with these options.
   * When given, encrypted-only tokens are refused (ERR_JWT_NOT_NESTED); when absent, nested
   * tokens are refused (ERR_JWT_NESTED).
   */
  nested?: NestedVerifyOptionsOf<V>;
  /** Accept duplicate member names in the claims (last wins). Default false. */
  allowDuplicateClaims?: boolean;
}

/** The result of a JWT decryption; `K` is the decryption key type, `VK` the verifying one's. */
export interface DecryptJwtResultOf<P, K, VK> {
  /** The claims: of the inner, verified JWS for a nested token. */
  payload: P;
  /** The JWE protected header. */
  protectedHeader: JoseHeader;
  /** The key that decrypted the JWE. */
  key: K;
  /**
   * True only when the claims come from an inner JWS whose signature verified. An
   * encrypted-only JWT is never authenticated: anyone with the public key can make one (docs/security.md#nested).
   */
  authenticated: boolean;
  /** For a nested token: the inner JWS header and the key that verified it. */
  nested?: { protectedHeader: JoseHeader; key: VK };
}

/** The encryption options with `typ` (default `JWT`) and, for a nested token, `cty: "JWT"`. */
export function withTyp(
  o: EncryptOptions,
  typ: string | false | undefined,
  cty?: string,
): EncryptOptions {
  const t = typ === undefined ? 'JWT' : typ;
  if (t !== false && (typeof t !== 'string' || t.length === 0))
    throw new JoseError('ERR_OPTIONS_INVALID', 'typ must be a non-empty string or false');
  const header: Record<string, unknown> = { ...(o.header ?? {}) };
  if (t !== false) header['typ'] = t;
  if (cty !== undefined) header['cty'] = cty;
  return { ...o, header };
}

/** encryptJwt before the encryption: the claim set bytes and the options with `typ`. */
export function encryptJwtInput(
  claims: JwtPayload,
  options: EncryptJwtOptions,
): { payload: string; options: EncryptOptions } {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const payload = buildClaimSet(claims, prepareClaimSet(options));
  return { payload, options: withTyp(options, options.typ) };
}

/** encryptNestedJwt before the encryption: the inner compact JWS checked, `cty: "JWT"` set. */
export function encryptNestedInput(
  jws: unknown,
  options: EncryptOptions & { typ?: string | false },
): EncryptOptions {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  if (typeof jws !== 'string' || jws.split('.').length !== 3) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'the inner token must be a compact JWS (three segments)',
    );
  }
  return withTyp(options, options.typ, 'JWT');
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

/** Decrypt options validated once; `nested` is checked here, its verifier made by the entry. */
export interface PreparedDecryptJwtRules<V> {
  readonly jwe: PreparedDecrypt;
  readonly claims: PreparedClaimChecks;
  readonly allowDuplicateClaims: boolean;
  readonly nested: NestedVerifyOptionsOf<V> | undefined;
}

/** Validate decryptJwt / createDecrypter options (ERR_OPTIONS_INVALID at configuration time). */
export function prepareDecryptJwtRules<V>(
  options: DecryptJwtOptionsOf<V>,
): PreparedDecryptJwtRules<V> {
  const jwe = prepareDecrypt(options);
  const claims = prepareClaimChecks(options);
  const nested = options.nested;
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
  }
  return { jwe, claims, allowDuplicateClaims: options.allowDuplicateClaims === true, nested };
}

/** createDecrypter's key check. */
export function requireDecrypterKey(key: unknown): void {
  if (key === undefined || key === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'key is required');
}

/**
 * After decryption: a nested token (`cty: JWT`) needs `nested` options (and the JWE's `typ`
 * passes the top-level `typ` check), and then its inner JWS is returned for verification; an
 * encrypted-only token with `nested` options is refused; otherwise `undefined` (claims follow).
 */
export function innerJwsOf(
  header: JoseHeader,
  plaintext: Uint8Array,
  d: PreparedDecryptJwtRules<unknown>,
): string | undefined {
  const cty = header.cty;
  if (typeof cty === 'string' && normalizeTyp(cty) === 'jwt') {
    if (d.nested === undefined) {
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
    return utf8Decode(plaintext);
  }
  if (d.nested !== undefined) {
    throw new JoseError(
      'ERR_JWT_NOT_NESTED',
      'a signed inner JWT was required, but the token is encrypted only',
    );
  }
  return undefined;
}

/** The claims of an encrypted-only JWT: strict JSON, then the claim checks. */
export function encryptedOnlyClaims(
  plaintext: Uint8Array,
  header: JoseHeader,
  d: PreparedDecryptJwtRules<unknown>,
): JwtPayload {
  const payload = parseJsonObject(plaintext, 'JWT claims', {
    allowDuplicateMembers: d.allowDuplicateClaims,
  });
  checkClaims(payload, header.typ, d.claims, nowSeconds(d.claims));
  return payload as JwtPayload;
}
