/**
 * Remote key sets, for both cores: the cache of a JWKS document fetched with fetch.ts's bounded
 * GET (freshness, ETag, cooldown, stale-if-error). Selection of keys from the cached JWKs is left to each core
 * (KeyObjects on Node.js, CryptoKeys on Web Crypto). Uses `fetch` alone; no `node:` module.
 */
import { JoseError, isJoseError } from '../base/errors.js';
import { parseJsonObject } from '../base/json.js';
import type { JwsAlgorithm } from '../base/algorithms.js';
import type { Jwk } from '../keys/jwk.js';
import type { KeyPolicy } from '../keys/policy.js';
import {
  checkFetchUrl,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  describeUrl,
  fetchBounded,
  positiveInt,
  type BoundedFetchOptions,
} from './fetch.js';
import { jwksKeys } from './select.js';

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
  /**
   * Spread each freshness period by up to ± this fraction (0–0.5; default 0), so that many
   * processes started together do not all refetch in the same second.
   */
  jitter?: number;
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
  /** Fetches that failed (network, status, body), since creation. */
  readonly failures: number;
}

/**
 * A JWKS document behind a configured `jwks_uri`, cached, with selection by each core's
 * `choose` (synchronous from the cached keys, so it plugs into a verifier like a local set);
 * loading and refreshing are async.
 */
export interface JwksCache<R> {
  readonly url: string;
  /** Changes whenever the set's keys change (caches use it to flush). */
  readonly version: number;
  /** Candidates for a header, from the cached keys (ERR_KEY_NOT_FOUND when none is usable). */
  select(alg: JwsAlgorithm, kid: string | undefined, policy?: KeyPolicy): R;
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

/** How a core turns the cached JWKs into candidates for a header. */
export type JwksChooser<R> = (
  keys: readonly Jwk[],
  alg: JwsAlgorithm,
  kid: string | undefined,
  policy?: KeyPolicy,
) => R;

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
  failures: number;
  inflight: Promise<void> | undefined;
  selected: Map<string, unknown>;
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
 * The cache behind every remote key set: bounded requests (https only, http only for loopback
 * with `allowHttpLoopback`; no redirects; a timeout; a response cap), `Cache-Control: max-age`
 * and `ETag`/304 honoured, de-duplicated fetches, a cooldown on unknown `kid`, a maximum age,
 * and the last good keys served for `staleIfErrorMs` while the issuer is unreachable. Successful
 * default-policy selections are remembered per (alg, kid) until the keys change. `brand` marks
 * the result as one core's key set.
 */
export function createJwksCache<R>(
  url: string | URL,
  options: RemoteKeySetOptions,
  choose: JwksChooser<R>,
  brand: symbol,
): JwksCache<R> {
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
  const jitter = options.jitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 0.5))
    throw new JoseError('ERR_OPTIONS_INVALID', 'jitter must be a number from 0 to 0.5');
  const spread = (ms: number) =>
    jitter === 0 ? ms : Math.round(ms * (1 + (Math.random() * 2 - 1) * jitter));
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
    failures: 0,
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
        spread(Math.min(maxAgeMs, maxAgeOf(res.headers.get('cache-control')) ?? maxAgeMs)),
      );
      if (res.status === 304 && s.fetchedAt !== undefined) {
        s.fetchedAt = now;
        s.freshUntil = now + ttl;
        s.lastError = undefined;
        return;
      }
      if (res.status !== 200) {
        throw new JoseError(
          'ERR_JWKS_FETCH_FAILED',
          `the JWKS endpoint ${describeUrl(target)} answered ${res.status}`,
        );
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
      s.failures++;
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
    [brand]: true as const,
    url: target.href,
    get version() {
      return s.version;
    },
    select(alg: JwsAlgorithm, kid: string | undefined, policy?: KeyPolicy): R {
      const now = Date.now();
      if (!usable(now)) {
        refreshInBackground(now);
        throw new JoseError('ERR_KEY_NOT_FOUND', 'the remote key set has no usable keys');
      }
      if (now >= s.freshUntil) refreshInBackground(now);
      if (policy?.allowWeakSecret === true || policy?.allowInsecureKeySize === true) {
        return choose(s.keys, alg, kid, policy);
      }
      // Only successful selections are remembered, so the map holds at most one entry per
      // (published kid or none) × alg: unknown kids cannot grow it (docs/security.md#cost-limits). Flushed on change.
      const id = kid === undefined ? alg.alg : `${alg.alg} ${kid}`;
      let hit = s.selected.get(id) as R | undefined;
      if (hit === undefined) {
        hit = choose(s.keys, alg, kid, policy);
        s.selected.set(id, hit);
      }
      return hit;
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
      failures: s.failures,
    }),
  };
  return Object.freeze(set) as JwksCache<R>;
}
