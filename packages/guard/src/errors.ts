import { GuardError } from './bearer.js';

/**
 * The guard's own codes (`GuardError.reason`), each with its one-line meaning. A refusal decided
 * by the core carries the core's code instead (a JoseError code such as `ERR_SIGNATURE_INVALID`,
 * see @tessera/jose's README) and, for a claim the guard reads, the claim's name. The README
 * lists this table (a test keeps the two equal, and every code the source uses in it).
 */
export const GUARD_ERROR_CODES = {
  ERR_GUARD_OPTIONS_INVALID:
    'an option of `createGuard`, `prepareGuardOptions`, a route or `createDpopFetch` is invalid (status 500; thrown at configuration)',
  ERR_METADATA_FETCH_FAILED:
    "the issuer's metadata could not be fetched (network, timeout, a status other than 200, or 404 at both well-known URLs)",
  ERR_METADATA_INVALID:
    'the issuer metadata is not a JSON object, has no `jwks_uri`, or names a key set or feed URL that is not allowed',
  ERR_METADATA_ISSUER_MISMATCH:
    'the metadata `issuer` is not the configured issuer byte for byte (RFC 8414 §3.3)',
  ERR_FEED_FETCH_FAILED:
    'the revocation feed or its push stream could not be read (network, a status other than 200, not an event stream, an event too large, the stream ended)',
  ERR_FEED_INVALID: 'a revocation feed that verified holds a malformed `revoked` list',
  ERR_DPOP_REPLAY_STORE_UNAVAILABLE:
    "the shared DPoP replay store (Redis) timed out or is not connected; the instance's own window decided",
} as const;

export type GuardErrorCode = keyof typeof GUARD_ERROR_CODES;

/**
 * A configuration mistake as a {@link GuardError}: status 500, reason `ERR_GUARD_OPTIONS_INVALID`,
 * the message naming the option (never its value when it is a credential).
 */
export function optionsError(message: string, cause?: unknown): GuardError {
  return new GuardError(500, undefined, message, 'ERR_GUARD_OPTIONS_INVALID', {
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** A failure of the revocation feed (status 503; reported through `onError`, never answered). */
export function feedError(
  code: 'ERR_FEED_FETCH_FAILED' | 'ERR_FEED_INVALID' | 'ERR_DPOP_REPLAY_STORE_UNAVAILABLE',
  message: string,
): GuardError {
  return new GuardError(503, undefined, message, code);
}
