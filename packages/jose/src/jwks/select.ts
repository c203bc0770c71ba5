/**
 * Key selection rules both cores share: which JWKs of a set may verify a token's `alg`/`kid`
 * (RFC 7517 §4), and the limits on candidates. No `node:` module, no key import.
 */
import { JoseError } from '../base/errors.js';
import { isJsonObject } from '../base/json.js';
import type { JwsAlgorithm } from '../base/algorithms.js';
import type { Jwk } from '../keys/jwk.js';

/** The header fields a key lookup may see: never the payload (docs/security.md#key-selection). */
export interface KeyLookup {
  readonly alg: string;
  readonly kid: string | undefined;
}

/** At most this many keys are tried for a token that names no `kid`. */
export const MAX_CANDIDATES = 8;

/**
 * Whether a JWK may verify `alg` for `kid`, by `kty`, `kid`, `alg`, `use`, `key_ops` and `crv`.
 * Secret (`oct`) keys match only with `secrets` (a set the caller built itself) and only an HS*
 * `alg`: a fetched key set never yields an HMAC secret, and an `oct` key never an asymmetric
 * algorithm (docs/security.md#key-confusion).
 */
export function jwkMatches(
  jwk: Jwk,
  alg: JwsAlgorithm,
  kid: string | undefined,
  secrets = false,
): boolean {
  if (jwk.kty !== alg.kty) return false;
  if (jwk.kty === 'oct' && (!secrets || alg.family !== 'hmac')) return false;
  if (kid !== undefined && jwk.kid !== kid) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg.alg) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return false;
  return !(alg.curves.length > 0 && !alg.curves.includes(jwk.crv as string));
}

/**
 * The usable candidates, or the failure: when every match was unusable the first reason is
 * thrown (so the failure says why), none at all is ERR_KEY_NOT_FOUND, and a header without `kid`
 * matching too many is ERR_KEY_AMBIGUOUS.
 */
export function checkCandidates<K>(out: K[], kid: string | undefined, firstError: unknown): K[] {
  if (out.length === 0) {
    if (firstError !== undefined) throw firstError;
    throw new JoseError('ERR_KEY_NOT_FOUND', 'no key in the key set matches the token header');
  }
  if (kid === undefined && out.length > MAX_CANDIDATES) {
    throw new JoseError('ERR_KEY_AMBIGUOUS', 'too many keys match a token without "kid"');
  }
  return out;
}

export interface LocalKeySetOptions {
  /**
   * Also yield secret (`oct`) keys, for HS* algorithms only: for a set you built yourself, so
   * HMAC secrets can be rotated by `kid`. Never for a key set that came from elsewhere. Default
   * false.
   */
  secrets?: boolean;
}

/** createLocalKeySet's options checked (both entries): whether the set yields secrets. */
export function localKeySetSecrets(options: unknown): boolean {
  if (typeof options !== 'object' || options === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'createLocalKeySet options must be an object');
  return (options as LocalKeySetOptions).secrets === true;
}

/** Validate a JWKS document's shape and return its keys (objects only). */
export function jwksKeys(jwks: unknown): Jwk[] {
  if (!isJsonObject(jwks) || !Array.isArray(jwks['keys'])) {
    throw new JoseError('ERR_JWKS_INVALID', 'a JWKS must be an object with a "keys" array');
  }
  return (jwks['keys'] as unknown[]).filter(isJsonObject) as Jwk[];
}
