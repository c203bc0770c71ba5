import { isJoseError, withRemoteKeys, type JwtPayload, type RemoteKeySet } from '@tessera/jose';
import {
  GuardError,
  extractBearerCandidate,
  isB68token,
  isGuardError,
  malformedHeader,
  type BearerInput,
} from './bearer.js';
import { createIssuerConnection, type IssuerConnection } from './connection.js';
import { checkRevocation } from './revocation.js';
import {
  checkRequirement,
  contextOf,
  invalidToken,
  toGuardError,
  unavailable,
  type AuthContext,
  type Requirement,
} from './context.js';
import { createGuardDpop, isDpopBound, type GuardDpop } from './dpop.js';
import { bearerInputOfRequest, guardErrorToResponse } from './fetch.js';
import { prepareGuardOptions, type GuardOptions, type PreparedGuardOptions } from './options.js';

/** A configured guard. */
export interface Guard {
  readonly issuer: string;
  readonly realm: string | undefined;
  /**
   * Discover the issuer, load its keys and the first revocation feed. Optional: done on first use.
   * Rejects until keys are loaded (a 503 GuardError for discovery, the key set's JoseError for
   * the keys); within the cooldown, from the last failure without a fetch.
   */
  ready(): Promise<void>;
  /** Verify an access token and return its auth context, or throw a {@link GuardError}. */
  verify(token: string): Promise<AuthContext>;
  /** Extract the token from request parts (RFC 6750), verify it, check the requirement. */
  authenticate(input: BearerInput, requirement?: Requirement): Promise<AuthContext>;
  /**
   * {@link Guard.authenticate} without a promise when none is needed: returns the auth context
   * synchronously when the keys are cached (the common case), a promise when a fetch is needed,
   * and throws a {@link GuardError} synchronously for a request refused at once. For adapters.
   */
  authenticateFast(
    input: BearerInput,
    requirement?: Requirement,
  ): AuthContext | Promise<AuthContext>;
  /**
   * The fetch-standard entry: the auth context of a `Request`, or the RFC 6750 answer to send
   * as a `Response` (400/401/403, or 503 when the issuer cannot be reached). Works wherever
   * `fetch` does: Node.js, Bun, Deno, Cloudflare Workers.
   */
  verifyRequest(request: Request, requirement?: Requirement): Promise<AuthContext | Response>;
  /** Throw a 403 `insufficient_scope` GuardError unless `auth` meets `requirement`. */
  check(auth: AuthContext, requirement?: Requirement): void;
  /** Poll the revocation feed now (tests, admin hooks). */
  pollRevocations(): Promise<void>;
  /** Stop background polling. */
  close(): void;
  status(): GuardStatus;
}

export interface GuardStatus {
  readonly jwksUri: string | undefined;
  readonly keys: ReturnType<RemoteKeySet['status']> | undefined;
  readonly revocations:
    { readonly entries: number; readonly updatedAt: number | undefined } | undefined;
}

/** What the request path works over: the frozen configuration and the issuer connection. */
interface GuardCore {
  readonly config: PreparedGuardOptions;
  readonly conn: IssuerConnection;
  /** A cached verification returns the same frozen payload: its context is built once. */
  readonly contexts: WeakMap<object, AuthContext> | undefined;
  /** DPoP proof checks; undefined when DPoP is off. */
  readonly dpop: GuardDpop | undefined;
}

function finish(g: GuardCore, payload: JwtPayload): AuthContext | Promise<AuthContext> {
  let auth = g.contexts?.get(payload);
  if (auth === undefined) {
    auth = contextOf(payload);
    g.contexts?.set(payload, auth);
  }
  const revocations = g.conn.revocations;
  if (revocations !== undefined) {
    // Revoked, or the feed too stale to tell (503), or the first poll still in flight (wait).
    const a = auth;
    const pending = checkRevocation(g.conn.link?.poller, revocations, a.claims, () =>
      invalidToken('revoked'),
    );
    if (pending !== undefined) return pending.then(() => a);
  }
  return auth;
}

/** The path that may fetch: discovery on first use, keys loaded or refreshed for a new `kid`. */
async function verifySlow(g: GuardCore, token: string): Promise<AuthContext> {
  let link = g.conn.link;
  if (link === undefined) {
    try {
      await g.conn.ready();
    } catch (e) {
      // Discovery failed (down, mismatched issuer, bad jwks_uri): not the client's fault. The
      // metadata failures are the guard's own 503s (ERR_METADATA_*, errors.ts).
      if (e instanceof GuardError) throw e;
      if (!isJoseError(e)) throw e;
      throw unavailable(e.code, e);
    }
    link = g.conn.link!;
  }
  let payload: JwtPayload;
  try {
    payload = (await withRemoteKeys(link.keySet, () => link.verify(token))).payload;
  } catch (e) {
    throw toGuardError(e);
  }
  return finish(g, payload);
}

/** Synchronous when the keys are cached and match (Node.js core); otherwise the slow path. */
function verifyFast(g: GuardCore, token: string): AuthContext | Promise<AuthContext> {
  const link = g.conn.link;
  if (link === undefined) return verifySlow(g, token);
  const pending = link.keySet.ensureLoaded();
  if (pending !== undefined) {
    pending.catch(() => undefined); // verifySlow waits on the same de-duplicated load
    return verifySlow(g, token);
  }
  const retry = (e: unknown): AuthContext | Promise<AuthContext> => {
    if (isJoseError(e, 'ERR_KEY_NOT_FOUND')) return verifySlow(g, token);
    throw toGuardError(e);
  };
  let result;
  try {
    result = link.verify(token);
  } catch (e) {
    return retry(e);
  }
  // The Web Crypto core verifies asynchronously.
  if (result instanceof Promise) return result.then((r) => finish(g, r.payload), retry);
  return finish(g, result.payload);
}

// RFC 6750 §2.1 syntax, checked lazily (see extractBearerCandidate): only a refused token is
// scanned, and a malformed one is answered 400 invalid_request rather than 401.
const relabel = (token: string, e: unknown): unknown =>
  e instanceof GuardError && e.status === 401 && !isB68token(token) ? malformedHeader() : e;

// A token sent with the DPoP scheme is answered with a DPoP challenge (RFC 9449 §7.1).
const asDpop = (e: unknown, algs: readonly string[]): unknown =>
  e instanceof GuardError && e.status === 401 && e.dpop === undefined
    ? new GuardError(401, e.error, e.description, e.reason, { cause: e, dpop: { algs } })
    : e;

/**
 * RFC 9449 §7.1: a bound token only with a proof by its key; a bound token as `Bearer` never.
 * Returns a promise only when a shared replay store is consulted.
 */
function checkBinding(
  g: GuardCore,
  auth: AuthContext,
  dpopToken: string | undefined,
  input: BearerInput,
): void | Promise<void> {
  const dp = g.dpop;
  if (dpopToken !== undefined) return dp!.checkProof(auth.claims, dpopToken, input);
  if (dp !== undefined) dp.refuseBoundBearer(auth.claims);
  else if (isDpopBound(auth.claims)) throw invalidToken('dpop_bound_as_bearer');
}

function authenticateFast(
  g: GuardCore,
  input: BearerInput,
  requirement?: Requirement,
): AuthContext | Promise<AuthContext> {
  const bearer = extractBearerCandidate(input, g.config.cookie);
  const dpopToken = bearer === undefined ? g.dpop?.tokenOf(input.authorization) : undefined;
  const token = bearer ?? dpopToken;
  if (token === undefined)
    throw new GuardError(401, undefined, 'Authentication required', 'no_token');
  const fail = (e: unknown): unknown => {
    const r = relabel(token, e);
    return dpopToken === undefined ? r : asDpop(r, g.config.dpop!.algorithms);
  };
  let auth: AuthContext | Promise<AuthContext>;
  try {
    auth = verifyFast(g, token);
  } catch (e) {
    throw fail(e);
  }
  const complete = (a: AuthContext): AuthContext | Promise<AuthContext> => {
    const bound = checkBinding(g, a, dpopToken, input);
    if (bound instanceof Promise)
      return bound.then(() => {
        checkRequirement(a, g.config, requirement);
        return a;
      });
    checkRequirement(a, g.config, requirement);
    return a;
  };
  if (auth instanceof Promise) {
    return auth.then(complete, (e: unknown) => {
      throw fail(e);
    });
  }
  return complete(auth);
}

async function verifyRequest(
  g: GuardCore,
  request: Request,
  requirement?: Requirement,
): Promise<AuthContext | Response> {
  try {
    return await authenticateFast(
      g,
      bearerInputOfRequest(request, g.config.cookie !== undefined),
      requirement,
    );
  } catch (e) {
    if (!isGuardError(e)) throw e;
    return guardErrorToResponse(e, g.config.realm);
  }
}

function statusOf(g: GuardCore): GuardStatus {
  const { link } = g.conn;
  const revocations = g.conn.revocations;
  return {
    jwksUri: link?.jwksUri,
    keys: link?.keySet.status(),
    revocations:
      revocations === undefined
        ? undefined
        : { entries: revocations.size, updatedAt: revocations.updatedAt },
  };
}

/**
 * A resource-server guard: discovers the issuer's `jwks_uri` (RFC 8414, exact `issuer` match),
 * verifies RFC 9068 access tokens locally (`typ: at+jwt`; `iss exp aud sub iat jti client_id`)
 * with the keys cached from that URL, refuses revoked `jti`/`sid` from the issuer's signed feed,
 * and answers failures per RFC 6750. No database, no call per request. The options are
 * validated once ({@link prepareGuardOptions}); a prepared configuration is accepted as is.
 *
 * @example
 * const guard = createGuard({ issuer: 'https://auth.example', audience: 'https://api.example' });
 * const auth = await guard.authenticate({ authorization: req.headers.authorization, url: req.url }, { scopes: ['orders:read'] });
 * auth.subject; auth.scopes;
 */
export function createGuard(options: GuardOptions | PreparedGuardOptions): Guard {
  const config = prepareGuardOptions(options);
  const g: GuardCore = {
    config,
    conn: createIssuerConnection(config),
    contexts: config.cached ? new WeakMap() : undefined,
    dpop: config.dpop === undefined ? undefined : createGuardDpop(config.dpop),
  };
  return Object.freeze({
    issuer: config.issuer,
    realm: config.realm,
    ready: () => g.conn.ready(),
    verify: (token: string) => verifySlow(g, token),
    async authenticate(input: BearerInput, requirement?: Requirement): Promise<AuthContext> {
      return authenticateFast(g, input, requirement);
    },
    authenticateFast: (input: BearerInput, requirement?: Requirement) =>
      authenticateFast(g, input, requirement),
    verifyRequest: (request: Request, requirement?: Requirement) =>
      verifyRequest(g, request, requirement),
    check(auth: AuthContext, requirement?: Requirement) {
      checkRequirement(auth, config, requirement);
    },
    async pollRevocations() {
      await g.conn.ready();
      await g.conn.link?.poller?.poll();
    },
    close: () => {
      g.conn.close();
      void g.dpop?.close();
    },
    status: () => statusOf(g),
  });
}

export type { AuthContext, Requirement } from './context.js';
export type { GuardOptions, RevocationOptions, VerifierCacheOption } from './options.js';
