import {
  createAsyncVerifier,
  createRemoteKeySet,
  createVerifier,
  type JwtVerifyResult,
  type RemoteKeySet,
} from '@tessera/jose';
import { discoverIssuer } from './discovery.js';
import type { PreparedGuardOptions } from './options.js';
import {
  REVOCATION_FEED_TYP,
  RevocationList,
  startRevocationPolling,
  type RevocationPoller,
} from './revocation.js';

/**
 * A token verifier over the issuer's keys. Synchronous on the Node.js core; on the Web Crypto
 * core (Bun, Deno, workers, browsers) it answers with a promise.
 */
export type TokenVerifier = (token: string) => JwtVerifyResult | Promise<JwtVerifyResult>;

/** The guard's link to its issuer once discovered: keys, verifier, revocation feed. */
export interface IssuerLink {
  readonly jwksUri: string;
  readonly keySet: RemoteKeySet;
  readonly verify: TokenVerifier;
  readonly poller: RevocationPoller | undefined;
}

/** Lazily discovers the issuer, at most once per cooldown while it is down. */
export interface IssuerConnection {
  /** The link, once established (the request path reads this and nothing else). */
  readonly link: IssuerLink | undefined;
  readonly revocations: RevocationList | undefined;
  ready(): Promise<void>;
  close(): void;
}

async function connect(
  c: PreparedGuardOptions,
  revocations: RevocationList | undefined,
  isClosed: () => boolean,
  established: (link: IssuerLink) => void,
): Promise<void> {
  let jwksUri = c.jwksUri;
  let feedUri = c.revocation?.url;
  if (jwksUri === undefined) {
    const meta = await discoverIssuer(c.issuer, {
      timeoutMs: c.discoveryTimeoutMs,
      allowHttpLoopback: c.allowHttpLoopback,
      maxResponseBytes: c.keys.maxResponseBytes,
    });
    jwksUri = meta.jwksUri;
    feedUri ??= meta.revocationFeedUri;
  }
  const keySet = createRemoteKeySet(jwksUri, c.keys);
  const verify = createVerifier({ ...c.verify, key: keySet }) as TokenVerifier;
  let poller: RevocationPoller | undefined;
  const rev = c.revocation;
  if (revocations !== undefined && rev !== undefined && !isClosed()) {
    poller = startRevocationPolling({
      url: new URL(feedUri ?? `${c.issuer.replace(/\/$/, '')}/revocations`),
      intervalMs: rev.intervalMs,
      fetch: {
        allowHttpLoopback: c.allowHttpLoopback,
        maxResponseBytes: rev.maxResponseBytes,
        timeoutMs: c.keys.timeoutMs,
      },
      verify: createAsyncVerifier({
        key: keySet,
        algorithms: c.algorithms,
        issuer: c.issuer,
        typ: REVOCATION_FEED_TYP,
        requiredClaims: ['iat', 'exp', 'revoked'],
        clockTolerance: c.verify.clockTolerance,
        maxTokenLength: rev.maxResponseBytes,
      }),
      list: revocations,
      onError: c.onError,
    });
  }
  // Usable at once: a request arriving meanwhile waits on the same de-duplicated key load.
  established({ jwksUri, keySet, verify, poller });
  // The first feed poll waits for the keys itself and never rejects (a failure is reported).
  await Promise.all([keySet.ensureLoaded(), poller?.poll()]);
}

/** The connection of one guard: discovery, keys and feed, started by the first `ready()`. */
export function createIssuerConnection(c: PreparedGuardOptions): IssuerConnection {
  const revocations = c.revocation === undefined ? undefined : new RevocationList();
  let link: IssuerLink | undefined;
  let initializing: Promise<void> | undefined;
  let failedAt = -Infinity;
  let failure: unknown;
  let closed = false;

  const start = (): Promise<void> =>
    connect(
      c,
      revocations,
      () => closed,
      (l) => {
        link = l;
      },
    ).catch((e: unknown) => {
      failedAt = Date.now();
      failure = e;
      // Discovery succeeded before (a later retry failed): keep serving with what we have.
      if (link === undefined) throw e;
    });

  return {
    get link() {
      return link;
    },
    revocations,
    ready() {
      if (link !== undefined && initializing === undefined) return Promise.resolve();
      if (initializing !== undefined) return initializing;
      // The issuer is down: answer fast, and retry discovery at most once per cooldown.
      if (Date.now() - failedAt < c.cooldownMs && failure !== undefined)
        return Promise.reject(failure);
      initializing = start().finally(() => {
        initializing = undefined;
      });
      return initializing;
    },
    close() {
      closed = true;
      link?.poller?.stop();
    },
  };
}
