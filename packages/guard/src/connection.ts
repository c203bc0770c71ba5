import { createVerifier, type JwtVerifyResult, type RemoteKeySet } from '@tessera/jose';
import type { PreparedGuardOptions } from './options.js';
import type { RevocationList } from './revocation-list.js';
import type { RevocationPoller } from './revocation.js';
import { acquireSource, type SourceLink } from './shared-sources.js';

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

/**
 * The connection of one guard: its own verifier (audience, scopes, cache are per guard) over the
 * process-wide shared discovery, keys and feed of its issuer (`shared-sources.ts`).
 */
export function createIssuerConnection(c: PreparedGuardOptions): IssuerConnection {
  const source = acquireSource(c);
  let closed = false;
  let from: SourceLink | undefined;
  let link: IssuerLink | undefined;
  return {
    get link() {
      const s = source.link;
      if (s === undefined) return undefined;
      if (s !== from) {
        from = s;
        const verify = createVerifier({ ...c.verify, key: s.keySet }) as TokenVerifier;
        link = { jwksUri: s.jwksUri, keySet: s.keySet, verify, poller: s.poller };
      }
      return link;
    },
    revocations: source.revocations,
    ready: () => source.ready(),
    close() {
      if (closed) return;
      closed = true;
      source.release(c.onError);
    },
  };
}
