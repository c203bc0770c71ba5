import type { KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from '../base/algorithms.js';
import type { Jwk, JwkSet } from '../keys/jwk.js';
import { prepareKey, type KeyInput, type KeyPolicy } from '../keys/keys.js';
import {
  checkCandidates,
  jwkMatches,
  jwksKeys,
  localKeySetSecrets,
  type KeyLookup,
  type LocalKeySetOptions,
} from './select.js';

export { MAX_CANDIDATES, jwksKeys } from './select.js';
export type { KeyLookup, LocalKeySetOptions } from './select.js';

const KEY_SET = Symbol.for('tessera.keySet');

/** A synchronous source of verification keys, selected from the protected header alone. */
export interface KeySet {
  readonly [KEY_SET]: true;
  /**
   * Candidate public keys for this header, each already checked to fit `alg`. Throws
   * ERR_KEY_NOT_FOUND when none matches and ERR_KEY_AMBIGUOUS when a header without `kid`
   * matches too many.
   */
  select(alg: JwsAlgorithm, kid: string | undefined, policy?: KeyPolicy): KeyObject[];
  /** Changes whenever the set's keys change (caches use it to flush). */
  readonly version: number;
}

/** A function that picks a key from the header's `alg` and `kid` only. */
export type KeyResolver = (lookup: KeyLookup) => KeyInput | undefined | null;

export function isKeySet(v: unknown): v is KeySet {
  return typeof v === 'object' && v !== null && (v as Partial<KeySet>)[KEY_SET] === true;
}

/**
 * Select from a list of JWKs by `kid`, `kty`, `crv`, `alg`, `use` and `key_ops` (RFC 7517 §4).
 * Secret (`oct`) keys are returned only with `secrets`, for HS* algorithms (see `jwkMatches`).
 * Unusable keys (malformed, too weak, wrong curve) are skipped; when every
 * match was unusable the first reason is thrown, so the failure says why.
 */
export function selectFromJwks(
  keys: readonly Jwk[],
  alg: JwsAlgorithm,
  kid: string | undefined,
  policy?: KeyPolicy,
  secrets = false,
): KeyObject[] {
  const out: KeyObject[] = [];
  let firstError: unknown;
  for (const jwk of keys) {
    if (!jwkMatches(jwk, alg, kid, secrets)) continue;
    try {
      out.push(prepareKey(jwk, alg, 'verify', policy));
    } catch (e) {
      firstError ??= e;
    }
  }
  return checkCandidates(out, kid, firstError);
}

/**
 * A key set from a JWKS document held in memory.
 *
 * @example
 * const keys = createLocalKeySet(await (await fetch(jwksUri)).json());
 * verifyJwt(token, keys, { algorithms: ['EdDSA'], issuer });
 *
 * @example
 * // Your own HMAC secrets, rotated by kid:
 * const secrets = createLocalKeySet({ keys: [{ kty: 'oct', kid: '2026-12', k }] }, { secrets: true });
 * verifyJwt(token, secrets, { algorithms: ['HS256'] });
 */
export function createLocalKeySet(jwks: JwkSet, options: LocalKeySetOptions = {}): KeySet {
  const secrets = localKeySetSecrets(options);
  const keys = Object.freeze(jwksKeys(jwks).map((k) => Object.freeze({ ...k })));
  return Object.freeze({
    [KEY_SET]: true as const,
    version: 0,
    select: (alg: JwsAlgorithm, kid: string | undefined, policy?: KeyPolicy) =>
      selectFromJwks(keys, alg, kid, policy, secrets),
  });
}
