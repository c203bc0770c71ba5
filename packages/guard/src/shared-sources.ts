import { createAsyncVerifier, createRemoteKeySet, type RemoteKeySet } from '@tessera/jose';
import { discoverIssuer } from './discovery.js';
import { startFeedStream, type FeedStream } from './feed-stream.js';
import type { PreparedGuardOptions } from './options.js';
import { REVOCATION_FEED_TYP, RevocationList } from './revocation-list.js';
import { startRevocationPolling, type RevocationPoller } from './revocation.js';

/** Refreshes of the keys and the feed are spread by ±20 %, so guards started together drift apart. */
export const REFRESH_JITTER = 0.2;

/** What every guard of one process with the same issuer settings shares once discovered. */
export interface SourceLink {
  readonly jwksUri: string;
  readonly keySet: RemoteKeySet;
  readonly poller: RevocationPoller | undefined;
  /** The push subscription, when the issuer advertises one (polling goes on beside it). */
  readonly stream: FeedStream | undefined;
}

/**
 * One issuer's keys and revocation feed, shared by every guard in the process configured alike:
 * one discovery, one key set and one feed poller per issuer instead of one per guard (a process
 * with 100 guards makes 3 requests at cold start, not 300). Reference-counted: the poller stops
 * when the last guard using it closes.
 */
export interface SharedSource {
  readonly link: SourceLink | undefined;
  readonly revocations: RevocationList | undefined;
  ready(): Promise<void>;
  release(onError: ((error: unknown) => void) | undefined): void;
}

interface Entry extends SharedSource {
  refs: number;
  /** Each guard's `onError` (a guard may share its function with another: one slot each). */
  readonly listeners: ((error: unknown) => void)[];
}

const sources = new Map<string, Entry>();

/** Everything that decides what is fetched and how it is checked (functions excluded). */
function sourceKey(c: PreparedGuardOptions): string {
  return JSON.stringify([
    c.issuer,
    c.jwksUri,
    c.allowHttpLoopback,
    c.discoveryTimeoutMs,
    c.cooldownMs,
    c.keys,
    c.revocation,
    c.algorithms,
    c.verify.clockTolerance,
  ]);
}

async function connect(
  c: PreparedGuardOptions,
  revocations: RevocationList | undefined,
  isClosed: () => boolean,
  onError: (error: unknown) => void,
  established: (link: SourceLink) => void,
): Promise<void> {
  let jwksUri = c.jwksUri;
  let feedUri = c.revocation?.url;
  let streamUri: string | undefined;
  if (jwksUri === undefined) {
    const meta = await discoverIssuer(c.issuer, {
      timeoutMs: c.discoveryTimeoutMs,
      allowHttpLoopback: c.allowHttpLoopback,
      maxResponseBytes: c.keys.maxResponseBytes,
    });
    jwksUri = meta.jwksUri;
    feedUri ??= meta.revocationFeedUri;
    streamUri = meta.revocationStreamUri;
  }
  const keySet = createRemoteKeySet(jwksUri, { jitter: REFRESH_JITTER, ...c.keys });
  let poller: RevocationPoller | undefined;
  let stream: FeedStream | undefined;
  const rev = c.revocation;
  if (revocations !== undefined && rev !== undefined && !isClosed()) {
    const feedVerify = createAsyncVerifier({
      key: keySet,
      algorithms: c.algorithms,
      issuer: c.issuer,
      typ: REVOCATION_FEED_TYP,
      requiredClaims: ['iat', 'exp', 'revoked'],
      clockTolerance: c.verify.clockTolerance,
      maxTokenLength: rev.maxResponseBytes,
    });
    if (streamUri !== undefined && rev.push)
      stream = startFeedStream({
        url: streamUri,
        allowHttpLoopback: c.allowHttpLoopback,
        maxEventBytes: rev.maxResponseBytes,
        authorization: rev.authorization,
        verify: feedVerify,
        list: revocations,
        onError,
      });
    poller = startRevocationPolling({
      url: new URL(feedUri ?? `${c.issuer.replace(/\/$/, '')}/revocations`),
      intervalMs: rev.intervalMs,
      jitter: REFRESH_JITTER,
      fetch: {
        allowHttpLoopback: c.allowHttpLoopback,
        maxResponseBytes: rev.maxResponseBytes,
        timeoutMs: c.keys.timeoutMs,
      },
      authorization: rev.authorization,
      verify: feedVerify,
      list: revocations,
      onError,
      ...rev.staleness,
    });
  }
  // Usable at once: a request arriving meanwhile waits on the same de-duplicated key load.
  established({ jwksUri, keySet, poller, stream });
  // The first feed poll waits for the keys itself and never rejects (a failure is reported).
  await Promise.all([keySet.ensureLoaded(), poller?.poll()]);
}

function createSource(c: PreparedGuardOptions, key: string): Entry {
  const revocations = c.revocation === undefined ? undefined : new RevocationList();
  let link: SourceLink | undefined;
  let initializing: Promise<void> | undefined;
  let failedAt = -Infinity;
  let failure: unknown;
  let closed = false;
  const listeners: ((error: unknown) => void)[] = [];
  const onError = (e: unknown) => {
    for (const l of listeners) l(e);
  };

  const start = (): Promise<void> =>
    connect(
      c,
      revocations,
      () => closed,
      onError,
      (l) => {
        link = l;
      },
    ).catch((e: unknown) => {
      // Discovery failed: ready() answers with this failure until the cooldown has passed. A
      // failed first key load (discovery done) is the key set's to retry, under its own cooldown.
      if (link === undefined) {
        failedAt = Date.now();
        failure = e;
      }
      throw e;
    });

  const entry: Entry = {
    refs: 0,
    listeners,
    get link() {
      return link;
    },
    revocations,
    ready() {
      if (initializing !== undefined) return initializing;
      // Ready means usable keys: after a failed first key load, wait for (or retry) the load.
      if (link !== undefined) return link.keySet.ensureLoaded() ?? Promise.resolve();
      // The issuer is down: answer fast, and retry discovery at most once per cooldown.
      if (Date.now() - failedAt < c.cooldownMs && failure !== undefined)
        return Promise.reject(failure);
      initializing = start().finally(() => {
        initializing = undefined;
      });
      return initializing;
    },
    release(l) {
      const i = l === undefined ? -1 : listeners.indexOf(l);
      if (i >= 0) listeners.splice(i, 1);
      if (--entry.refs > 0) return;
      closed = true;
      link?.poller?.stop();
      link?.stream?.stop();
      if (sources.get(key) === entry) sources.delete(key);
    },
  };
  return entry;
}

/** The shared source for `c` (created on first use); `release` it when the guard closes. */
export function acquireSource(c: PreparedGuardOptions): SharedSource {
  const key = sourceKey(c);
  let entry = sources.get(key);
  if (entry === undefined) {
    entry = createSource(c, key);
    sources.set(key, entry);
  }
  entry.refs++;
  if (c.onError !== undefined) entry.listeners.push(c.onError);
  return entry;
}
