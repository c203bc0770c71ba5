import type { KeyObject } from 'node:crypto';
import type { KeySet } from './local.js';
import { selectFromJwks } from './local.js';
import { createJwksCache, type JwksCache, type RemoteKeySetOptions } from './remote-cache.js';

export type { RemoteKeySetOptions, RemoteKeySetStatus } from './remote-cache.js';

/**
 * A key set behind a configured `jwks_uri`. Selection is synchronous from the cached keys (so it
 * plugs into {@link createVerifier} like any {@link KeySet}); loading and refreshing are async.
 */
export interface RemoteKeySet extends KeySet, Omit<JwksCache<KeyObject[]>, 'select' | 'version'> {}

/**
 * A remote JSON Web Key Set, fetched from a configured URL with bounded requests: https only
 * (http only for loopback with `allowHttpLoopback`), no redirects, a timeout (5 s), a response cap
 * (512 KiB), `Cache-Control: max-age` and `ETag`/304 honoured, de-duplicated fetches, a cooldown
 * (30 s) on unknown `kid`, a maximum age (10 min), and the last good keys served for
 * `staleIfErrorMs` (1 h) while the issuer is unreachable. Nothing in a token (`jku`, `x5u`,
 * `iss`, `kid`) ever chooses a URL (docs/security.md#key-urls, #kid, #key-selection). `version` changes whenever the
 * keys' content changes.
 *
 * @example
 * const keys = createRemoteKeySet('https://auth.example/jwks', { cooldownMs: 30_000 });
 * const { payload } = await verifyJwtAsync(token, keys, { algorithms: ['EdDSA'], issuer: 'https://auth.example', audience: 'api' });
 */
export function createRemoteKeySet(
  url: string | URL,
  options: RemoteKeySetOptions = {},
): RemoteKeySet {
  // Successful selections are frozen, so the remembered lists cannot be changed by a caller.
  const choose: typeof selectFromJwks = (keys, alg, kid, policy) =>
    Object.freeze(selectFromJwks(keys, alg, kid, policy)) as KeyObject[];
  // The KeySet brand is Symbol.for('tessera.keySet') (local.ts); TypeScript cannot see that the
  // registry symbol is the same unique symbol, hence the cast.
  return createJwksCache(
    url,
    options,
    choose,
    Symbol.for('tessera.keySet'),
  ) as unknown as RemoteKeySet;
}

/** True when `v` is a key set made by {@link createRemoteKeySet}. */
export function isRemoteKeySet(v: unknown): v is RemoteKeySet {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Partial<RemoteKeySet>).ensureLoaded === 'function' &&
    typeof (v as Partial<RemoteKeySet>).refreshForUnknownKey === 'function'
  );
}
