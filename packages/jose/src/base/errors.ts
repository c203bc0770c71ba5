/**
 * Every failure in @tessera/jose is a {@link JoseError} with a stable `code`.
 *
 * Messages name the failure (and the claim, for claim failures) but never contain the token,
 * a key or a secret, so they are safe to log.
 */

/** All error codes, each with its one-line meaning. */
export const JOSE_ERROR_CODES = {
  ERR_OPTIONS_INVALID: 'an option given to a factory or function is invalid (configuration time)',
  ERR_TOKEN_TOO_LARGE: 'the token is longer than the configured maximum; nothing was parsed',
  ERR_JWS_MALFORMED: 'the input is not a JWS of the expected serialization (segments, members)',
  ERR_BASE64URL_INVALID: 'a segment is not strict base64url (alphabet, padding, trailing bits)',
  ERR_JSON_INVALID:
    'a segment is not strict UTF-8 JSON, or not a JSON object where one is required',
  ERR_JSON_DUPLICATE_MEMBER: 'a JSON object has the same member name twice',
  ERR_HEADER_INVALID: 'a JOSE header parameter has a wrong type or is in the wrong header',
  ERR_CRIT_UNSUPPORTED:
    'the header lists a critical extension the caller did not allow, or `crit` is malformed',
  ERR_ALG_NOT_ALLOWED: "the token's `alg` is not in the caller's allowlist (or is `none`)",
  ERR_ALG_UNSUPPORTED: 'the algorithm is not in the registry',
  ERR_KEY_INVALID: 'the key does not fit the algorithm (type, curve, hash) or is unusable',
  ERR_KEY_TOO_WEAK: 'the key is shorter than the algorithm requires (HMAC secret, RSA modulus)',
  ERR_KEY_NOT_FOUND: 'no key in the key set matches the token header',
  ERR_KEY_AMBIGUOUS: 'too many keys in the key set match a token that names no `kid`',
  ERR_JWK_INVALID: 'a JSON Web Key is malformed or inconsistent',
  ERR_PEM_INVALID: 'a PEM text could not be imported as the requested kind of key',
  ERR_SIGNATURE_INVALID: 'the signature does not verify, or is missing, or has the wrong length',
  ERR_JWT_CLAIM_INVALID:
    'a claim has the wrong type, is missing, or does not match what was required',
  ERR_JWT_EXPIRED: 'the token has expired (`exp`), or is older than `maxTokenAge`',
  ERR_JWT_NOT_YET_VALID: 'the token is not valid yet (`nbf`), or was issued in the future (`iat`)',
  ERR_JWT_NESTED: 'the token is a nested JWT (`cty: JWT`) where none was expected',
  ERR_JWT_NOT_NESTED: 'a signed inner JWT (`cty: JWT`) was required, but the JWE is encrypted only',
  ERR_JWE_MALFORMED: 'the input is not a JWE of the expected serialization (segments, members)',
  ERR_JWE_DECRYPTION_FAILED: 'the JWE could not be decrypted (one opaque failure for every cause)',
  ERR_JWE_PBES2_NOT_ALLOWED:
    'PBES2 key management was not enabled, or `p2c`/`p2s` is out of bounds',
  ERR_JWE_TOO_LARGE: 'the decompressed plaintext would exceed the configured maximum',
  ERR_JWKS_FETCH_FAILED: 'the remote key set could not be fetched (network, status, redirect)',
  ERR_JWKS_TIMEOUT: 'the remote key set did not answer within the timeout',
  ERR_JWKS_INVALID: 'the remote key set is not a valid JWKS, or is larger than allowed',
  ERR_JWKS_COOLDOWN: 'an unknown `kid` was seen again before the refetch cooldown ended',
  ERR_DPOP_PROOF_INVALID:
    'a DPoP proof is malformed or does not fit the request (`typ`, `jwk`, `jti`, `htm`, `htu`, `ath`)',
  ERR_DPOP_NONCE_INVALID:
    'a DPoP proof carries no nonce, or not one the server issued and still accepts',
  ERR_UNSECURED_JWT_INVALID:
    'an unsecured JWT (`alg: none`) given to the unsecured API is malformed',
} as const;

export type JoseErrorCode = keyof typeof JOSE_ERROR_CODES;

/** The one error type thrown by @tessera/jose. */
export class JoseError extends Error {
  readonly code: JoseErrorCode;
  constructor(code: JoseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return 'JoseError';
  }
}

/** Why a claim check failed. */
export type ClaimFailureReason =
  'missing' | 'type' | 'mismatch' | 'expired' | 'not_yet_valid' | 'too_old' | 'future';

/** A claim failure carries the claim name and the reason; never the claim's value. */
export class JwtClaimError extends JoseError {
  readonly claim: string;
  readonly reason: ClaimFailureReason;
  constructor(
    code: 'ERR_JWT_CLAIM_INVALID' | 'ERR_JWT_EXPIRED' | 'ERR_JWT_NOT_YET_VALID',
    claim: string,
    reason: ClaimFailureReason,
    message: string,
  ) {
    super(code, message);
    this.claim = claim;
    this.reason = reason;
  }
}

/** True when `e` is a JoseError (optionally with the given code). */
export function isJoseError(e: unknown, code?: JoseErrorCode): e is JoseError {
  return e instanceof JoseError && (code === undefined || e.code === code);
}
