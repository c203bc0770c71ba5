import type { KeyObject } from 'node:crypto';
import { JoseError, isJoseError } from '../base/errors.js';
import { parseJsonObject } from '../base/json.js';
import type { JwsAlgorithm } from '../base/algorithms.js';
import type { Jwk } from '../keys/jwk.js';
import type { KeyPolicy } from '../keys/keys.js';
import {
  checkFetchUrl,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  fetchBounded,
  positiveInt,
  type BoundedFetchOptions,
} from './fetch.js';
import { jwksKeys, selectFromJwks, type KeySet } from './local.js';

/** Options of {@link createRemoteKeySet}. All durations are milliseconds. */
export interface RemoteKeySetOptions extends BoundedFetchOptions {
  /**
   * Minimum time between two fetches caused by an unknown `kid` (or a failed load). Default
   * 30 000. Random `kid`s therefore cost at most one fetch per cooldown (docs/security.md#kid, #cost-limits).
   */
  cooldownMs?: number;
  /**
   * Longest time fetched keys count as fresh. `Cache-Control: max-age` may shorten it (never
   * below `cooldownMs`). Default 600 000 (10 min).
   */
  maxAgeMs?: number;
  /**
   * How long past freshness the last good keys keep serving while refreshes fail (the issuer is
   * unreachable). Default 3 600 000 (1 h). After that, nothing verifies until a fetch succeeds.
   */
  staleIfErrorMs?: number;
}

/** What a remote key set knows about itself (for health checks and logs; no key material). */
export interface RemoteKeySetStatus {
  readonly url: string;
  readonly version: number;
  readonly keys: number;
  /** Epoch ms of the last successful fetch (200 or 304), or undefined. */
  readonly fetchedAt: number | undefined;
  readonly freshUntil: number | undefined;
  /** The code of the last failed fetch since the last success, or undefined. */
  readonly lastError: string | undefined;
  readonly fetches: number;
}

/**
 * A key set behind a configured `jwks_uri`. Selection is synchronous from the cached keys (so it
 * plugs into {@link createVerifier} like any {@link KeySet}); loading and refreshing are async.
 */
export interface RemoteKeySet extends KeySet {
  readonly url: string;
  /**
   * Resolve once usable keys are cached: returns `undefined` when they already are (starting a
   * background refresh when they are stale), or a promise of the (de-duplicated) load.
   */
  ensureLoaded(): Promise<void> | undefined;
  /**
   * After a selection found no key: refetch once, unless the set changed since `seenVersion`, a
   * fetch is already running (then wait for it), or the cooldown has not passed (then throw
   * ERR_JWKS_COOLDOWN). Fetch failures are recorded, not thrown: the caller's retry fails.
   */
  refreshForUnknownKey(seenVersion: number): Promise<void>;
  /** Fetch now (de-duplicated), ignoring freshness but not a running fetch. */
  reload(): Promise<void>;
  status(): RemoteKeySetStatus;
}

interface CacheState {
  keys: readonly Jwk[];
  keysText: string;
  etag: string | undefined;
  fetchedAt: number | undefined;
  freshUntil: number;
  lastAttemptAt: number;
  lastError: JoseError | undefined;
  version: number;
  fetches: number;
  inflight: Promise<void> | undefined;
  selected: Map<string, readonly KeyObject[]>;
}

function maxAgeOf(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  let maxAge: number | undefined;
  for (const part of cacheControl.toLowerCase().split(',')) {
    const d = part.trim();
    if (d === 'no-store' || d === 'no-cache') return 0;
    const m = /^max-age\s*=\s*"?(\d{1,10})"?$/.exec(d);
    if (m !== null) maxAge = Number(m[1]) * 1000;
  }
  return maxAge;
}

// A JWKS that carries private members is a leak at the issuer; such keys are never used.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

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
  const allowHttpLoopback = options.allowHttpLoopback === true;
  const target = checkFetchUrl(url, allowHttpLoopback, 'the JWKS url');
  const fetchOptions: BoundedFetchOptions = {
    timeoutMs: positiveInt(options.timeoutMs, DEFAULT_FETCH_TIMEOUT_MS, 'timeoutMs'),
    maxResponseBytes: positiveInt(
      options.maxResponseBytes,
      DEFAULT_MAX_RESPONSE_BYTES,
      'maxResponseBytes',
    ),
    allowHttpLoopback,
    headers: { accept: 'application/jwk-set+json, application/json', ...options.headers },
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
  };
  const cooldownMs = positiveInt(options.cooldownMs, 30_000, 'cooldownMs', true);
  const maxAgeMs = positiveInt(options.maxAgeMs, 600_000, 'maxAgeMs');
  const staleIfErrorMs = positiveInt(options.staleIfErrorMs, 3_600_000, 'staleIfErrorMs', true);
  const s: CacheState = {
    keys: [],
    keysText: '',
    etag: undefined,
    fetchedAt: undefined,
    freshUntil: 0,
    lastAttemptAt: -Infinity,
    lastError: undefined,
    version: 0,
    fetches: 0,
    inflight: undefined,
    selected: new Map(),
  };

  const usable = (now: number) => s.fetchedAt !== undefined && now < s.freshUntil + staleIfErrorMs;
  const coolingDown = (now: number) => now - s.lastAttemptAt < cooldownMs;

  async function load(): Promise<void> {
    s.lastAttemptAt = Date.now();
    s.fetches++;
    try {
      const headers: Record<string, string> = {};
      if (s.etag !== undefined && s.fetchedAt !== undefined) headers['if-none-match'] = s.etag;
      const res = await fetchBounded(target, {
        ...fetchOptions,
        headers: { ...fetchOptions.headers, ...headers },
      });
      const now = Date.now();
      const ttl = Math.max(
        cooldownMs,
        Math.min(maxAgeMs, maxAgeOf(res.headers.get('cache-control')) ?? maxAgeMs),
      );
      if (res.status === 304 && s.fetchedAt !== undefined) {
        s.fetchedAt = now;
        s.freshUntil = now + ttl;
        s.lastError = undefined;
        return;
      }
      if (res.status !== 200) {
        throw new JoseError('ERR_JWKS_FETCH_FAILED', `the JWKS endpoint answered ${res.status}`);
      }
      const keys = jwksKeys(parseJsonObject(res.body, 'JWKS')).filter(
        (k) => k.kty !== 'oct' && PRIVATE_MEMBERS.every((m) => k[m] === undefined),
      );
      const frozen = Object.freeze(keys.map((k) => Object.freeze({ ...k })));
      const text = JSON.stringify(frozen);
      if (text !== s.keysText) {
        s.keys = frozen;
        s.keysText = text;
        s.selected = new Map();
        s.version++;
      }
      s.etag = res.headers.get('etag') ?? undefined;
      s.fetchedAt = now;
      s.freshUntil = now + ttl;
      s.lastError = undefined;
    } catch (e) {
      s.lastError = isJoseError(e)
        ? e
        : new JoseError('ERR_JWKS_FETCH_FAILED', 'the JWKS could not be loaded', { cause: e });
      throw s.lastError;
    }
  }

  function start(): Promise<void> {
    if (s.inflight !== undefined) return s.inflight;
    const p = load().finally(() => {
      s.inflight = undefined;
    });
    s.inflight = p;
    return p;
  }

  function refreshInBackground(now: number): void {
    if (s.inflight === undefined && !coolingDown(now)) start().catch(() => undefined);
  }

  const set = {
    [Symbol.for('tessera.keySet')]: true as const,
    url: target.href,
    get version() {
      return s.version;
    },
    select(alg: JwsAlgorithm, kid: string | undefined, policy?: KeyPolicy): KeyObject[] {
      const now = Date.now();
      if (!usable(now)) {
        refreshInBackground(now);
        throw new JoseError('ERR_KEY_NOT_FOUND', 'the remote key set has no usable keys');
      }
      if (now >= s.freshUntil) refreshInBackground(now);
      if (policy?.allowWeakSecret === true || policy?.allowInsecureKeySize === true) {
        return selectFromJwks(s.keys, alg, kid, policy);
      }
      // Only successful selections are remembered, so the map holds at most one entry per
      // (published kid or none) × alg: unknown kids cannot grow it (docs/security.md#cost-limits). Flushed on change.
      const id = kid === undefined ? alg.alg : `${alg.alg} ${kid}`;
      let hit = s.selected.get(id);
      if (hit === undefined) {
        hit = Object.freeze(selectFromJwks(s.keys, alg, kid, policy));
        s.selected.set(id, hit);
      }
      return hit as KeyObject[];
    },
    ensureLoaded(): Promise<void> | undefined {
      const now = Date.now();
      if (usable(now)) {
        if (now >= s.freshUntil) refreshInBackground(now);
        return undefined;
      }
      if (s.inflight !== undefined) return s.inflight;
      // Fail fast while the issuer is down: no more than one attempt per cooldown.
      if (s.lastError !== undefined && coolingDown(now)) return Promise.reject(s.lastError);
      return start();
    },
    async refreshForUnknownKey(seenVersion: number): Promise<void> {
      if (s.version !== seenVersion) return;
      if (s.inflight === undefined) {
        if (coolingDown(Date.now())) {
          throw new JoseError(
            'ERR_JWKS_COOLDOWN',
            'no key matches and the JWKS refetch cooldown has not ended',
          );
        }
        start().catch(() => undefined);
      }
      await s.inflight?.catch(() => undefined);
    },
    reload: () => start(),
    status: (): RemoteKeySetStatus => ({
      url: target.href,
      version: s.version,
      keys: s.keys.length,
      fetchedAt: s.fetchedAt,
      freshUntil: s.fetchedAt === undefined ? undefined : s.freshUntil,
      lastError: s.lastError?.code,
      fetches: s.fetches,
    }),
  };
  // The KeySet brand is Symbol.for('tessera.keySet') (jwks.ts); TypeScript cannot see that the
  // registry symbol is the same unique symbol, hence the cast.
  return Object.freeze(set) as unknown as RemoteKeySet;
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
