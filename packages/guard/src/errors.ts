/**
 * The codes the guard itself gives a refusal (`GuardError.reason`), each with its one-line
 * meaning. A refusal decided by the core carries the core's code instead (a JoseError code such
 * as `ERR_SIGNATURE_INVALID`, see @tessera/jose's README) and, for a claim the guard reads, the
 * claim's name. The README lists this table (a test keeps the two equal).
 */
export const GUARD_ERROR_CODES = {
  ERR_METADATA_FETCH_FAILED:
    "the issuer's metadata could not be fetched (network, timeout, a status other than 200, or 404 at both well-known URLs)",
  ERR_METADATA_INVALID:
    'the issuer metadata is not a JSON object, has no `jwks_uri`, or names a key set or feed URL that is not allowed',
  ERR_METADATA_ISSUER_MISMATCH:
    'the metadata `issuer` is not the configured issuer byte for byte (RFC 8414 §3.3)',
} as const;

export type GuardErrorCode = keyof typeof GUARD_ERROR_CODES;
