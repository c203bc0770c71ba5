import { parseDuration, type Duration, type JwtPayload, type JwtVerifyResult } from '@tessera/jose';
import { fetchBounded, type BoundedFetchOptions } from '@tessera/jose/internal';
import { GuardError } from './bearer.js';
import { feedError, optionsError } from './errors.js';
import type { RevocationList } from './revocation-list.js';

/** The longest a feed is trusted by default, whatever its `exp` says. */
export const MAX_DEFAULT_STALENESS_MS = 5 * 60_000;

/** What to do once the last good feed is older than the staleness limit. */
export type FeedUnavailablePolicy = 'refuse' | 'accept';

export interface RevocationPollerOptions {
  url: URL;
  intervalMs: number;
  fetch: BoundedFetchOptions;
  /** `Authorization` header sent with every poll (a feed behind credentials). */
  authorization?: string | undefined;
  /** Verifies the feed JWT (typ, iss, signature with the issuer's key set). */
  verify: (token: string) => Promise<JwtVerifyResult>;
  list: RevocationList;
  onError?: (error: unknown) => void;
  /** Spread each interval by up to ± this fraction (default 0). */
  jitter?: number;
  /**
   * How long the last good feed is trusted, in ms. Default: until the feed's own `exp`, at most
   * {@link MAX_DEFAULT_STALENESS_MS} after it was fetched.
   */
  maxStalenessMs?: number;
  /** `refuse` (default): 503 `temporarily_unavailable`; `accept`: accept and warn once per interval. */
  onFeedUnavailable?: FeedUnavailablePolicy;
  /** Called with the warning of an `accept` policy (default `console.warn`). */
  warn?: (message: string) => void;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** Whether revocation can be checked now. */
export type FeedState =
  /** The last good feed is within the staleness limit: check the list. */
  | 'fresh'
  /** No good feed yet and the first poll is in flight: wait for it. */
  | 'pending'
  /** Stale, and the policy refuses: answer 503. */
  | 'refuse'
  /** Stale, and the policy accepts (a warning was logged once per interval). */
  | 'accept';

/** A running poller: `poll()` fetches now; `stop()` ends the timer. */
export interface RevocationPoller {
  poll(): Promise<void>;
  stop(): void;
  readonly lastError: unknown;
  /** Epoch ms of the last good feed, if any. */
  readonly lastGoodAt: number | undefined;
  /**
   * Decide for one request. A stale list also starts a poll (at most one per
   * `min(intervalMs, 5 s)`), so the guard recovers as soon as the feed is back.
   */
  state(): FeedState;
  /** The first poll, while no feed has been fetched yet; otherwise undefined. */
  readonly first: Promise<void> | undefined;
}

/** One poll's answer: the feed is unchanged (a 304 to `If-None-Match`), or a verified feed. */
type FeedAnswer =
  | { readonly unchanged: true }
  | { readonly unchanged: false; readonly payload: JwtPayload; readonly etag: string | undefined };

/** Fetch and verify the feed; `etag` (of the last good feed) makes the request conditional. */
async function fetchFeed(
  o: RevocationPollerOptions,
  etag: string | undefined,
): Promise<FeedAnswer> {
  // A conditional request (RFC 9110 §13.1.2): an unchanged feed costs the issuer a 304.
  const headers: Record<string, string> = { accept: 'application/jwt' };
  if (o.authorization !== undefined) headers['authorization'] = o.authorization;
  if (etag !== undefined) headers['if-none-match'] = etag;
  const res = await fetchBounded(o.url, { ...o.fetch, headers });
  if (res.status === 304 && etag !== undefined) return { unchanged: true };
  if (res.status !== 200)
    throw feedError('ERR_FEED_FETCH_FAILED', `the revocation feed answered ${res.status}`);
  const token = new TextDecoder('utf-8', { fatal: true }).decode(res.body).trim();
  const { payload } = await o.verify(token);
  return { unchanged: false, payload, etag: res.headers.get('etag') ?? undefined };
}

/** The warning of the `accept` policy, given when the last good feed was fetched (if ever). */
function acceptWarning(lastGoodAt: number | undefined, t: number): string {
  return lastGoodAt === undefined
    ? 'tessera guard: no revocation feed could be fetched; accepting tokens unchecked (onFeedUnavailable: accept)'
    : `tessera guard: the revocation feed is ${Math.round((t - lastGoodAt) / 1000)} s old; accepting tokens unchecked against new revocations (onFeedUnavailable: accept)`;
}

/** Run `tick` every `intervalMs` spread by ± `jitter`, unref'd; the returned function stops it. */
function repeatJittered(intervalMs: number, jitter: number, tick: () => Promise<void>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        void tick().finally(schedule);
      },
      Math.round(intervalMs * (1 + (Math.random() * 2 - 1) * jitter)),
    );
    // Node.js, Bun, Deno: never keep a process alive; workers and browsers have no unref.
    (timer as { unref?: () => void }).unref?.();
  };
  schedule();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** One poll at a time: a call while one runs joins it; the first poll is kept until it settles. */
class SinglePoll {
  #inflight: Promise<void> | undefined;
  #first: Promise<void> | undefined;
  #attempted = false;
  readonly #once: () => Promise<void>;
  readonly #onError: ((error: unknown) => void) | undefined;
  lastError: unknown;
  constructor(once: () => Promise<void>, onError: ((error: unknown) => void) | undefined) {
    this.#once = once;
    this.#onError = onError;
  }

  get running(): boolean {
    return this.#inflight !== undefined;
  }

  /** The first poll, while no poll has settled yet. */
  get first(): Promise<void> | undefined {
    return this.#attempted ? undefined : this.#first;
  }

  run(): Promise<void> {
    this.#inflight ??= this.#once()
      .then(() => {
        this.lastError = undefined;
      })
      .catch((e: unknown) => {
        this.lastError = e;
        this.#onError?.(e);
      })
      .finally(() => {
        this.#attempted = true;
        this.#inflight = undefined;
      });
    if (!this.#attempted) this.#first ??= this.#inflight;
    return this.#inflight;
  }
}

/**
 * Poll the feed every `intervalMs` (the timer is unref'd, so it never keeps a process alive).
 * A failed poll keeps the current list and is reported; the next poll tries again. Once the last
 * good feed is older than the staleness limit, {@link RevocationPoller.state} stops answering
 * `fresh`: a guard that cannot see revocations must not silently accept revoked tokens.
 */
export function startRevocationPolling(o: RevocationPollerOptions): RevocationPoller {
  const now = o.now ?? Date.now;
  const policy = o.onFeedUnavailable ?? 'refuse';
  const warn = o.warn ?? ((m: string) => console.warn(m));
  const retryMs = Math.min(o.intervalMs, 5000);
  let stopped = false;
  let lastAttemptAt = -Infinity;
  let lastWarnAt = -Infinity;
  let freshUntil = -Infinity;
  let lastGoodAt: number | undefined;
  let lastExpMs = -Infinity;
  let etag: string | undefined;

  const markFresh = () => {
    const at = now();
    lastGoodAt = at;
    freshUntil =
      o.maxStalenessMs !== undefined
        ? at + o.maxStalenessMs
        : Math.min(lastExpMs, at + MAX_DEFAULT_STALENESS_MS);
  };

  async function once(): Promise<void> {
    const answer = await fetchFeed(o, lastGoodAt !== undefined ? etag : undefined);
    if (answer.unchanged) {
      // The issuer confirms the last good feed is current: as fresh as a new one (within its exp).
      o.list.touch();
      markFresh();
      return;
    }
    // A replayed older snapshot is not applied and does not count as fresh.
    if (!o.list.apply(answer.payload, now() / 1000)) return;
    etag = answer.etag;
    lastExpMs = (answer.payload.exp as number) * 1000;
    markFresh();
  }

  const runs = new SinglePoll(once, o.onError);
  const poll = (): Promise<void> => {
    lastAttemptAt = now();
    return runs.run();
  };

  const stopTimer = repeatJittered(o.intervalMs, o.jitter ?? 0, poll);
  return {
    poll,
    stop() {
      stopped = true;
      stopTimer();
    },
    get lastError() {
      return runs.lastError;
    },
    get lastGoodAt() {
      return lastGoodAt;
    },
    get first() {
      return runs.first;
    },
    state(): FeedState {
      const t = now();
      if (t < freshUntil) return 'fresh';
      if (runs.first !== undefined && runs.running) return 'pending';
      if (!runs.running && !stopped && t - lastAttemptAt >= retryMs) void poll();
      if (policy === 'refuse') return 'refuse';
      if (t - lastWarnAt >= o.intervalMs) {
        lastWarnAt = t;
        warn(acceptWarning(lastGoodAt, t));
      }
      return 'accept';
    },
  };
}

/** The staleness part of the guard's `revocation` option. */
export interface FeedStalenessOptions {
  /**
   * How long the last good feed is trusted: seconds or a duration ("2m"). Default: the feed's own
   * `exp`, at most 5 minutes. Must be longer than the poll interval.
   */
  maxStaleness?: Duration;
  /**
   * When the feed is older than that (or none could be fetched): `'refuse'` (default) answers
   * 503 with `WWW-Authenticate: Bearer error="temporarily_unavailable"`; `'accept'` accepts the
   * token and logs a warning once per poll interval.
   */
  onFeedUnavailable?: FeedUnavailablePolicy;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** The staleness options after validation, as the poller takes them. */
export type PreparedFeedStaleness = Pick<
  RevocationPollerOptions,
  'maxStalenessMs' | 'onFeedUnavailable' | 'now'
>;

/** Check the staleness options once, at configuration time. */
export function resolveFeedStaleness(
  o: FeedStalenessOptions | undefined,
  intervalMs: number,
): PreparedFeedStaleness {
  const policy = o?.onFeedUnavailable ?? 'refuse';
  if (policy !== 'refuse' && policy !== 'accept')
    throw optionsError('revocation.onFeedUnavailable must be "refuse" or "accept"');
  let maxStalenessMs: number | undefined;
  if (o?.maxStaleness !== undefined) {
    maxStalenessMs = parseDuration(o.maxStaleness, 'revocation.maxStaleness') * 1000;
    if (!(maxStalenessMs > intervalMs))
      throw optionsError('revocation.maxStaleness must be longer than the poll interval');
  }
  if (o?.now !== undefined && typeof o.now !== 'function')
    throw optionsError('revocation.now must be a function');
  return {
    ...(maxStalenessMs !== undefined ? { maxStalenessMs } : {}),
    onFeedUnavailable: policy,
    ...(o?.now !== undefined ? { now: o.now } : {}),
  };
}

const staleFeed = () =>
  new GuardError(
    503,
    'temporarily_unavailable',
    'Token revocation cannot be checked right now; retry shortly',
    'revocation_feed_stale',
  );

/**
 * The per-request revocation check: refused when revoked, 503 when the feed is stale and the
 * policy refuses, a promise while the very first poll is still in flight (bounded by its
 * timeout).
 */
export function checkRevocation(
  poller: RevocationPoller | undefined,
  list: RevocationList,
  claims: JwtPayload,
  revoked: () => GuardError,
): void | Promise<void> {
  const state = poller?.state() ?? 'fresh';
  if (state === 'pending') {
    return poller!.first!.then(() => checkRevocation(poller, list, claims, revoked));
  }
  if (state === 'refuse') throw staleFeed();
  if (list.isRevoked(claims)) throw revoked();
}
