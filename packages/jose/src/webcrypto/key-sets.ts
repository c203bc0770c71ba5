/**
 * Key sets on the Web Crypto entry: the same selection rules (jwks/select.ts) and the same remote
 * cache (jwks/remote-cache.ts) as the Node.js core, with keys imported as CryptoKeys once per
 * (JWK, alg) and selected asynchronously.
 */
import { JoseError, isJoseError } from '../base/errors.js';
import type { JwsAlgorithm } from '../base/algorithms.js';
import type { Jwk, JwkSet } from '../keys/jwk.js';
import type { KeyPolicy } from '../keys/policy.js';
import {
  checkCandidates,
  jwkMatches,
  jwksKeys,
  localKeySetSecrets,
  type KeyLookup,
  type LocalKeySetOptions,
} from '../jwks/select.js';
import { createJwksCache, type JwksCache, type RemoteKeySetOptions } from '../jwks/remote-cache.js';
import { prepareWebKey, type WebKeyInput } from './keys.js';

const WEB_KEY_SET = Symbol.for('tessera.webKeySet');

/** A source of CryptoKeys selected from a token's protected header alone. */
export interface WebKeySet {
  readonly [WEB_KEY_SET]: true;
  /** Candidate public keys for this header (ERR_KEY_NOT_FOUND, ERR_KEY_AMBIGUOUS as on Node.js). */
  select(alg: JwsAlgorithm, kid: string | undefined, policy?: KeyPolicy): Promise<CryptoKey[]>;
  /** Changes whenever the set's keys change. */
  readonly version: number;
}

/** A remote key set of the Web Crypto entry (`fetch` only). */
export interface WebRemoteKeySet
  extends WebKeySet, Omit<JwksCache<Promise<CryptoKey[]>>, 'select' | 'version'> {}

/** A function that picks a key from the header's `alg` and `kid` only. */
export type WebKeyResolver = (
  lookup: KeyLookup,
) => WebKeyInput | undefined | null | Promise<WebKeyInput | undefined | null>;

/** True for a key set of the Web Crypto entry. */
export function isWebKeySet(v: unknown): v is WebKeySet {
  return typeof v === 'object' && v !== null && (v as Partial<WebKeySet>)[WEB_KEY_SET] === true;
}

// CryptoKeys imported from a (frozen) JWK, per alg and policy: JWK objects of key sets are
// private frozen copies, so their content never changes under the cache.
function importOnce(jwk: Jwk, alg: JwsAlgorithm, policy?: KeyPolicy): Promise<CryptoKey> {
  // prepareWebKey imports each JWK object once per alg and policy (webcrypto/key-cache.ts).
  return prepareWebKey(jwk, alg, 'verify', policy);
}

/**
 * Select from JWKs: matching is synchronous (ERR_KEY_NOT_FOUND at once, so a remote set can
 * refetch for an unknown `kid`); the imports are awaited, and unusable keys skipped with the
 * first reason kept, as on Node.js.
 */
export function selectWebKeys(
  keys: readonly Jwk[],
  alg: JwsAlgorithm,
  kid: string | undefined,
  policy?: KeyPolicy,
  secrets = false,
): Promise<CryptoKey[]> {
  const matches = keys.filter((jwk) => jwkMatches(jwk, alg, kid, secrets));
  if (matches.length === 0) checkCandidates([], kid, undefined);
  return Promise.allSettled(matches.map((jwk) => importOnce(jwk, alg, policy))).then((rs) => {
    const out: CryptoKey[] = [];
    let firstError: unknown;
    for (const r of rs) {
      if (r.status === 'fulfilled') out.push(r.value);
      else firstError ??= r.reason;
    }
    return checkCandidates(out, kid, firstError);
  });
}

/**
 * A key set from a JWKS document held in memory; `{ secrets: true }` also yields your own `oct`
 * keys for HS* algorithms (never for a set that came from elsewhere).
 *
 * @example
 * const keys = createLocalKeySet(jwks);
 * await verifyJwt(token, keys, { algorithms: ['EdDSA'], issuer });
 */
export function createLocalKeySet(jwks: JwkSet, options: LocalKeySetOptions = {}): WebKeySet {
  const secrets = localKeySetSecrets(options);
  const keys = Object.freeze(jwksKeys(jwks).map((k) => Object.freeze({ ...k })));
  return Object.freeze({
    [WEB_KEY_SET]: true as const,
    version: 0,
    select: (alg: JwsAlgorithm, kid: string | undefined, policy?: KeyPolicy) =>
      selectWebKeys(keys, alg, kid, policy, secrets),
  });
}

/**
 * A remote key set over `fetch`: the Node.js core's cache (https only, no redirects, timeout,
 * size cap, Cache-Control/ETag, cooldown on unknown `kid`, stale-if-error), with CryptoKeys.
 *
 * @example
 * const keys = createRemoteKeySet('https://auth.example/jwks');
 * const verify = createVerifier({ key: keys, algorithms: ['EdDSA'], issuer });
 */
export function createRemoteKeySet(
  url: string | URL,
  options: RemoteKeySetOptions = {},
): WebRemoteKeySet {
  return createJwksCache(url, options, selectWebKeys, WEB_KEY_SET) as unknown as WebRemoteKeySet;
}

/** True when `v` is a remote key set of the Web Crypto entry. */
export function isRemoteKeySet(v: unknown): v is WebRemoteKeySet {
  return isWebKeySet(v) && typeof (v as Partial<WebRemoteKeySet>).ensureLoaded === 'function';
}

/**
 * Run a verification against a remote key set: load the keys first when none are usable, and
 * when no key matches the token's header (a rotated-in `kid`), refetch once (under the cooldown,
 * de-duplicated) and verify again.
 *
 * @example
 * const result = await withRemoteKeys(keys, () => verify(token));
 */
export async function withRemoteKeys<R>(
  keySet: WebRemoteKeySet,
  verify: () => R | Promise<R>,
): Promise<R> {
  const pending = keySet.ensureLoaded();
  if (pending !== undefined) await pending;
  const seen = keySet.version;
  try {
    return await verify();
  } catch (e) {
    if (!isJoseError(e, 'ERR_KEY_NOT_FOUND')) throw e;
    await keySet.refreshForUnknownKey(seen);
    return await verify();
  }
}

/** ERR_OPTIONS_INVALID unless `v` is a remote key set of this entry. */
export function requireRemote(v: unknown): WebRemoteKeySet {
  if (!isRemoteKeySet(v))
    throw new JoseError('ERR_OPTIONS_INVALID', 'a remote key set (createRemoteKeySet) is required');
  return v;
}
