import {
  JoseError,
  checkFetchUrl,
  createAsyncVerifier,
  createLocalKeySet,
  createRemoteKeySet,
  createVerifier,
  isJoseError,
  withRemoteKeys,
  type Duration,
  type JwsAlg,
  type JwtPayload,
  type RemoteKeySet,
  type RemoteKeySetOptions,
} from '@tessera/jose';
import {
  GuardError,
  extractBearerCandidate,
  isB68token,
  malformedHeader,
  type BearerInput,
} from './bearer.js';
import { discoverIssuer } from './discovery.js';
import {
  REVOCATION_FEED_TYP,
  RevocationList,
  startRevocationPolling,
  type RevocationPoller,
} from './revocation.js';

/** Who called: the verified access token, reduced to what routes need. */
export interface AuthContext {
  /** `sub`: the resource owner (or the client itself for client_credentials). */
  readonly subject: string;
  /** `client_id`: the OAuth client the token was issued to. */
  readonly clientId: string;
  /** The `scope` claim, split on spaces. */
  readonly scopes: readonly string[];
  /** The `roles` claim (an array of strings), or empty. */
  readonly roles: readonly string[];
  /** Every verified claim (frozen). */
  readonly claims: Readonly<JwtPayload>;
}

/** What a route requires beyond a valid token: every listed scope, and at least one listed role. */
export interface Requirement {
  scopes?: readonly string[];
  roles?: readonly string[];
}

export interface RevocationOptions {
  /** Feed URL; default: the metadata's `revocation_feed_uri`, else `<issuer>/revocations`. */
  url?: string;
  /** Poll interval in ms. Default 30 000. */
  intervalMs?: number;
  /** Largest feed accepted, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
}

export interface GuardOptions {
  /** The issuer, exactly as in its metadata and in every token's `iss` (origin-only recommended). */
  issuer: string;
  /** This resource server's audience: a token's `aud` must contain one of these. */
  audience: string | readonly string[];
  /** Accepted `alg`s. Default `['EdDSA', 'ES256', 'RS256']`. HS* is refused (RFC 9068 §4). */
  algorithms?: readonly JwsAlg[];
  /** Scopes every request must carry (routes may require more). */
  requiredScopes?: readonly string[];
  /** Clock skew allowed for `exp`, `nbf`, `iat`: seconds or "30s". Default 5. */
  clockTolerance?: Duration;
  /** Poll the issuer's signed revocation feed (`true` for the defaults). Default off. */
  revocation?: boolean | RevocationOptions;
  /** Skip discovery and use this `jwks_uri` (it must still be https). */
  jwksUri?: string;
  /** Remote key set limits (timeout, cooldown, max age, stale-if-error…). */
  keys?: Omit<RemoteKeySetOptions, 'allowHttpLoopback'>;
  /** Allow `http:` to loopback hosts for discovery, keys and feed (tests, sidecars). Default false. */
  allowHttpLoopback?: boolean;
  /** Timeout of the discovery request in ms. Default 5000. */
  discoveryTimeoutMs?: number;
  /**
   * Reuse verification results for a token seen before: the core's verified-token cache
   * (bounded LRU keyed by the full token; every claim and `exp` re-checked at each hit; flushed
   * when the key set's content changes). `true` (default), `false`, or its options
   * (`{ max, ttl, maxBytes }`). Revocation is checked at every request either way.
   */
  cache?: VerifierCacheOption;
  /** Also accept the token from this cookie (never together with the header). */
  cookie?: string;
  /** `realm` attribute of `WWW-Authenticate`. */
  realm?: string;
  /** Called with errors of background work (feed polls), for logging. */
  onError?: (error: unknown) => void;
}

/** A configured guard. */
export interface Guard {
  readonly issuer: string;
  readonly realm: string | undefined;
  /** Discover the issuer, load its keys and the first revocation feed. Optional: done on first use. */
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

/** The `cache` option of the core's `createVerifier`. */
export type VerifierCacheOption = NonNullable<Parameters<typeof createVerifier>[0]['cache']>;

const DEFAULT_ALGORITHMS: readonly JwsAlg[] = ['EdDSA', 'ES256', 'RS256'];
// RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti are REQUIRED.
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'iat', 'jti', 'client_id'] as const;

const invalidToken = (reason: string, cause?: unknown) =>
  new GuardError(401, 'invalid_token', 'The access token is invalid', reason, { cause });

/** Map a verification failure to an RFC 6750 answer, keeping the cause for logs only. */
function toGuardError(e: unknown): GuardError {
  if (e instanceof GuardError) return e;
  if (!isJoseError(e)) throw e;
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new GuardError(401, 'invalid_token', 'The access token expired', e.code, { cause: e });
    case 'ERR_JWKS_FETCH_FAILED':
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      // No usable keys at all: the guard cannot decide, which is not the client's fault.
      return new GuardError(503, undefined, 'The authorization service is unavailable', e.code, {
        cause: e,
      });
    default:
      return invalidToken(e.code, e);
  }
}

function stringList(v: unknown, name: string, allowEmpty = false): readonly string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (
    !Array.isArray(list) ||
    (!allowEmpty && list.length === 0) ||
    list.some((s) => typeof s !== 'string' || s.length === 0 || /[\s"\\]/.test(s))
  ) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      `${name} must be a list of non-empty strings without spaces or quotes`,
    );
  }
  return Object.freeze([...list]);
}

function positiveMs(v: unknown, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new JoseError('ERR_OPTIONS_INVALID', `${name} must be a positive integer (ms)`);
  }
  return v;
}

function contextOf(payload: JwtPayload): AuthContext {
  const clientId = payload['client_id'];
  const scope = payload['scope'];
  const roles = payload['roles'];
  if (typeof clientId !== 'string' || clientId.length === 0) throw invalidToken('client_id');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw invalidToken('sub');
  if (scope !== undefined && typeof scope !== 'string') throw invalidToken('scope');
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))) {
    throw invalidToken('roles');
  }
  return Object.freeze({
    subject: payload.sub,
    clientId,
    // RFC 9068 §2.2.3 / RFC 6749 §3.3: space-delimited scope tokens.
    scopes: Object.freeze(scope === undefined ? [] : scope.split(' ').filter((s) => s.length > 0)),
    roles: Object.freeze(roles === undefined ? [] : [...(roles as string[])]),
    // The payload is this verification's own object (or the cache's frozen one): freeze in place.
    claims: Object.freeze(payload),
  });
}

/**
 * A resource-server guard: discovers the issuer's `jwks_uri` (RFC 8414, exact `issuer` match),
 * verifies RFC 9068 access tokens locally (`typ: at+jwt`; `iss exp aud sub iat jti client_id`)
 * with the keys cached from that URL, refuses revoked `jti`/`sid` from the issuer's signed feed,
 * and answers failures per RFC 6750. No database, no call per request.
 *
 * @example
 * const guard = createGuard({ issuer: 'https://auth.example', audience: 'https://api.example' });
 * const auth = await guard.authenticate({ authorization: req.headers.authorization, url: req.url }, { scopes: ['orders:read'] });
 * auth.subject; auth.scopes;
 */
export function createGuard(options: GuardOptions): Guard {
  if (typeof options !== 'object' || options === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const allowHttpLoopback = options.allowHttpLoopback === true;
  const issuer = options.issuer;
  if (typeof issuer !== 'string') throw new JoseError('ERR_OPTIONS_INVALID', 'issuer is required');
  checkFetchUrl(issuer, allowHttpLoopback, 'issuer');
  const audience = stringList(options.audience, 'audience');
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
  if (
    !Array.isArray(algorithms) ||
    algorithms.some((a) => typeof a !== 'string' || a.startsWith('HS'))
  ) {
    // RFC 9068 §4: access tokens are signed asymmetrically; a shared secret would let any
    // resource server mint tokens for all the others.
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'algorithms must list asymmetric JWS algorithms only',
    );
  }
  const requiredScopes =
    options.requiredScopes === undefined
      ? []
      : stringList(options.requiredScopes, 'requiredScopes', true);
  const clockTolerance = options.clockTolerance ?? 5;
  const realm = options.realm;
  if (realm !== undefined && (typeof realm !== 'string' || /[^\x20-\x7e]/.test(realm))) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'realm must be printable ASCII');
  }
  const cookie = options.cookie;
  if (
    cookie !== undefined &&
    (typeof cookie !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookie))
  ) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'cookie must be a cookie name');
  }
  const rev =
    options.revocation === true
      ? {}
      : options.revocation === false || options.revocation === undefined
        ? undefined
        : options.revocation;
  const revIntervalMs = positiveMs(rev?.intervalMs, 30_000, 'revocation.intervalMs');
  const revMaxBytes = positiveMs(rev?.maxResponseBytes, 1024 * 1024, 'revocation.maxResponseBytes');
  if (rev?.url !== undefined) checkFetchUrl(rev.url, allowHttpLoopback, 'revocation.url');
  if (options.jwksUri !== undefined) checkFetchUrl(options.jwksUri, allowHttpLoopback, 'jwksUri');
  const discoveryTimeoutMs = positiveMs(options.discoveryTimeoutMs, 5000, 'discoveryTimeoutMs');
  const keyOptions: RemoteKeySetOptions = { ...options.keys, allowHttpLoopback };
  const cooldownMs = keyOptions.cooldownMs ?? 30_000;
  // Fail at configuration time on bad verification options (algorithms, tolerance…).
  const verifyOptions = {
    algorithms,
    issuer,
    audience,
    typ: 'at+jwt',
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance,
  } as const;
  createVerifier({
    ...verifyOptions,
    key: createLocalKeySet({ keys: [] }),
    cache: options.cache ?? true,
  });

  let keySet: RemoteKeySet | undefined;
  let verifier: ((token: string) => { payload: JwtPayload }) | undefined;
  let jwksUri: string | undefined;
  let initializing: Promise<void> | undefined;
  let initFailedAt = -Infinity;
  let initError: unknown;
  let poller: RevocationPoller | undefined;
  let closed = false;
  const revocations = rev === undefined ? undefined : new RevocationList();
  const contexts = options.cache === false ? undefined : new WeakMap<object, AuthContext>();

  async function init(): Promise<void> {
    let feedUri = rev?.url;
    if (options.jwksUri !== undefined) {
      jwksUri = options.jwksUri;
    } else {
      const meta = await discoverIssuer(issuer, {
        timeoutMs: discoveryTimeoutMs,
        allowHttpLoopback,
        maxResponseBytes: keyOptions.maxResponseBytes,
      });
      jwksUri = meta.jwksUri;
      feedUri ??= meta.revocationFeedUri;
    }
    const ks = createRemoteKeySet(jwksUri, keyOptions);
    const verifyOpts = { ...verifyOptions, key: ks };
    verifier = createVerifier({ ...verifyOpts, cache: options.cache ?? true });
    keySet = ks;
    if (revocations !== undefined && !closed) {
      const feedVerify = createAsyncVerifier({
        key: ks,
        algorithms,
        issuer,
        typ: REVOCATION_FEED_TYP,
        requiredClaims: ['iat', 'exp', 'revoked'],
        clockTolerance,
        maxTokenLength: revMaxBytes,
      });
      poller = startRevocationPolling({
        url: new URL(feedUri ?? `${issuer.replace(/\/$/, '')}/revocations`),
        intervalMs: revIntervalMs,
        fetch: {
          allowHttpLoopback,
          maxResponseBytes: revMaxBytes,
          timeoutMs: keyOptions.timeoutMs,
        },
        verify: feedVerify,
        list: revocations,
        onError: options.onError,
      });
    }
    // The first feed poll waits for the keys itself and never rejects (a failure is reported).
    await Promise.all([ks.ensureLoaded(), poller?.poll()]);
  }

  function ready(): Promise<void> {
    if (keySet !== undefined && initializing === undefined) return Promise.resolve();
    if (initializing !== undefined) return initializing;
    // The issuer is down: answer fast, and retry discovery at most once per cooldown.
    if (Date.now() - initFailedAt < cooldownMs && initError !== undefined)
      return Promise.reject(initError);
    initializing = init()
      .catch((e: unknown) => {
        initFailedAt = Date.now();
        initError = e;
        if (keySet === undefined) throw e;
      })
      .finally(() => {
        initializing = undefined;
      });
    return initializing;
  }

  function check(auth: AuthContext, requirement?: Requirement): void {
    const scopes = requirement?.scopes;
    const granted = auth.scopes;
    let ok = true;
    for (const s of requiredScopes) if (!granted.includes(s)) ok = false;
    if (scopes !== undefined) for (const s of scopes) if (!granted.includes(s)) ok = false;
    if (!ok) {
      throw new GuardError(
        403,
        'insufficient_scope',
        'The access token does not grant the required scope',
        'scope',
        {
          scope: [...new Set([...requiredScopes, ...(scopes ?? [])])],
        },
      );
    }
    const roles = requirement?.roles;
    if (roles !== undefined && roles.length > 0 && !roles.some((r) => auth.roles.includes(r))) {
      throw new GuardError(
        403,
        'insufficient_scope',
        'The access token does not grant the required role',
        'role',
      );
    }
  }

  async function verify(token: string): Promise<AuthContext> {
    if (keySet === undefined) {
      try {
        await ready();
      } catch (e) {
        // Discovery failed (down, mismatched issuer, bad jwks_uri): not the client's fault.
        if (!isJoseError(e)) throw e;
        throw new GuardError(503, undefined, 'The authorization service is unavailable', e.code, {
          cause: e,
        });
      }
    }
    let payload: JwtPayload;
    try {
      payload = (await withRemoteKeys(keySet!, () => verifier!(token))).payload;
    } catch (e) {
      throw toGuardError(e);
    }
    return finish(payload);
  }

  function finish(payload: JwtPayload): AuthContext {
    // A cached verification returns the same frozen payload: its context is built once.
    let auth = contexts?.get(payload);
    if (auth === undefined) {
      auth = contextOf(payload);
      contexts?.set(payload, auth);
    }
    if (revocations !== undefined && revocations.isRevoked(auth.claims))
      throw invalidToken('revoked');
    return auth;
  }

  /** Synchronous when the keys are cached and match; otherwise the async path (fetches). */
  function verifyFast(token: string): AuthContext | Promise<AuthContext> {
    const ks = keySet;
    if (ks === undefined) return verify(token);
    const pending = ks.ensureLoaded();
    if (pending !== undefined) {
      pending.catch(() => undefined); // verify() waits on the same de-duplicated load
      return verify(token);
    }
    let payload: JwtPayload;
    try {
      payload = verifier!(token).payload;
    } catch (e) {
      if (isJoseError(e, 'ERR_KEY_NOT_FOUND')) return verify(token);
      throw toGuardError(e);
    }
    return finish(payload);
  }

  // RFC 6750 §2.1 syntax, checked lazily (see extractBearerCandidate): only a refused token is
  // scanned, and a malformed one is answered 400 invalid_request rather than 401.
  const relabel = (token: string, e: unknown): unknown =>
    e instanceof GuardError && e.status === 401 && !isB68token(token) ? malformedHeader() : e;

  function authenticateFast(
    input: BearerInput,
    requirement?: Requirement,
  ): AuthContext | Promise<AuthContext> {
    const token = extractBearerCandidate(input, cookie);
    if (token === undefined)
      throw new GuardError(401, undefined, 'Authentication required', 'no_token');
    let auth: AuthContext | Promise<AuthContext>;
    try {
      auth = verifyFast(token);
    } catch (e) {
      throw relabel(token, e);
    }
    if (auth instanceof Promise) {
      return auth.then(
        (a) => {
          check(a, requirement);
          return a;
        },
        (e: unknown) => {
          throw relabel(token, e);
        },
      );
    }
    check(auth, requirement);
    return auth;
  }

  return Object.freeze({
    issuer,
    realm,
    ready,
    verify,
    async authenticate(input: BearerInput, requirement?: Requirement): Promise<AuthContext> {
      return authenticateFast(input, requirement);
    },
    authenticateFast,
    check(auth: AuthContext, requirement?: Requirement) {
      check(auth, requirement);
    },
    async pollRevocations() {
      await ready();
      await poller?.poll();
    },
    close() {
      closed = true;
      poller?.stop();
    },
    status: (): GuardStatus => ({
      jwksUri,
      keys: keySet?.status(),
      revocations:
        revocations === undefined
          ? undefined
          : { entries: revocations.size, updatedAt: revocations.updatedAt },
    }),
  });
}
