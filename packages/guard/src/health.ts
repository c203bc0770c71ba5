import type { Guard } from './guard.js';

/** The guard's part of a resource server's own health or readiness answer. */
export interface GuardHealth {
  /** `ok`: keys loaded and fresh; `degraded`: serving stale keys or a stale feed; `unavailable`: no keys. */
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly keys: {
    readonly loaded: number;
    /** Seconds since the last successful JWKS fetch, or null before the first. */
    readonly ageSeconds: number | null;
    readonly fresh: boolean;
    /** The error code of the last failed fetch since the last success. */
    readonly lastError: string | null;
  };
  /** The revocation feed (null when the guard polls none). */
  readonly revocations: {
    readonly entries: number;
    readonly stalenessSeconds: number | null;
  } | null;
}

/**
 * A health fragment for the resource server's `/readyz`: whether the guard has the issuer's
 * keys (and how old they are) and how stale its revocation feed is. Reads the guard's state
 * only; it never fetches. A feed is stale past `maxFeedStalenessSeconds` (default 5 min, the
 * issuer's feed lifetime).
 *
 * @example
 * app.get('/readyz', async () => {
 *   const h = guardHealth(guard);
 *   return new Response(JSON.stringify(h), { status: h.status === 'unavailable' ? 503 : 200 });
 * });
 */
export function guardHealth(
  guard: Guard,
  {
    now = Date.now(),
    maxFeedStalenessSeconds = 300,
  }: { now?: number; maxFeedStalenessSeconds?: number } = {},
): GuardHealth {
  const st = guard.status();
  const k = st.keys;
  const age =
    k?.fetchedAt === undefined ? null : Math.max(0, Math.round((now - k.fetchedAt) / 1000));
  const fresh = k?.freshUntil !== undefined && now < k.freshUntil;
  const loaded = k?.keys ?? 0;
  const feed =
    st.revocations === undefined
      ? null
      : {
          entries: st.revocations.entries,
          stalenessSeconds:
            st.revocations.updatedAt === undefined
              ? null
              : Math.max(0, Math.round((now - st.revocations.updatedAt) / 1000)),
        };
  const feedStale =
    feed !== null &&
    (feed.stalenessSeconds === null || feed.stalenessSeconds > maxFeedStalenessSeconds);
  return {
    status: loaded === 0 ? 'unavailable' : !fresh || feedStale ? 'degraded' : 'ok',
    keys: { loaded, ageSeconds: age, fresh, lastError: k?.lastError ?? null },
    revocations: feed,
  };
}
