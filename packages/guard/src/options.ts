import {
  checkVerifierOptions,
  isJoseError,
  parseDuration,
  type Duration,
  type JwsAlg,
  type RemoteKeySetOptions,
  type VerifierOptions,
} from '@tessera/jose';
import { checkFetchUrl } from '@tessera/jose/internal';
import { prepareDpopOptions, type GuardDpopOptions, type PreparedGuardDpop } from './dpop.js';
import {
  resolveFeedStaleness,
  type FeedStalenessOptions,
  type PreparedFeedStaleness,
} from './revocation.js';
import { optionsError } from './errors.js';

export interface RevocationOptions extends FeedStalenessOptions {
  /** Feed URL; default: the metadata's `revocation_feed_uri`, else `<issuer>/revocations`. */
  url?: string;
  /** Poll interval in ms. Default 30 000. */
  intervalMs?: number;
  /** Largest feed accepted, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /**
   * Subscribe to the issuer's push (`revocation_stream_uri`, Server-Sent Events) when its
   * metadata advertises one; polling goes on beside it as the fallback. Default true.
   */
  push?: boolean;
  /**
   * What the guard presents to fetch the feed and its stream when the issuer does not serve them
   * publicly (`tessera serve --feed-access clients|token`): `{ clientId, clientSecret }` of a
   * resource-server client (sent as `client_secret_basic`, RFC 6749 §2.3.1), or `{ token }` (the
   * issuer's `feed.token`, sent as `Authorization: Bearer`). Default: none (a public feed).
   */
  credentials?: FeedCredentials;
}

/** A credential for the issuer's revocation feed (see {@link RevocationOptions.credentials}). */
export type FeedCredentials =
  { readonly clientId: string; readonly clientSecret: string } | { readonly token: string };

/** The `cache` option of the core's `createVerifier`. */
export type VerifierCacheOption = NonNullable<VerifierOptions['cache']>;

export interface GuardOptions {
  /** The issuer, exactly as in its metadata and in every token's `iss` (origin-only recommended). */
  issuer: string;
  /** This resource server's audience: a token's `aud` must contain one of these. */
  audience: string | readonly string[];
  /** Accepted `alg`s. Default `['EdDSA', 'ES256', 'RS256']`. HS* is refused (RFC 9068 §4). */
  algorithms?: readonly JwsAlg[];
  /** Scopes every request must carry (routes may require more). */
  requiredScopes?: readonly string[];
  /** Clock skew allowed for `exp`, `nbf`, `iat` and a route's `maxAge`: seconds or "30s". Default 5. */
  clockTolerance?: Duration;
  /**
   * The time verification runs at (the core's `currentDate`): `exp`, `nbf`, `iat` and a route's
   * `maxAge` are all checked against it. For tests and replays; default: the system clock.
   */
  currentDate?: Date;
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
  cache?: VerifierCacheOption | false;
  /** Also accept the token from this cookie (never together with the header). */
  cookie?: string;
  /** `realm` attribute of `WWW-Authenticate`. */
  realm?: string;
  /** Called with errors of background work (feed polls), for logging. */
  onError?: (error: unknown) => void;
  /**
   * DPoP (RFC 9449): `Authorization: DPoP` with a proof is accepted (default on; `false` turns it
   * off); the options set the proof algorithms, replay window, external origin, Redis replay
   * store and nonces. A DPoP-bound token sent as `Bearer` is refused either way.
   */
  dpop?: boolean | GuardDpopOptions;
}

/** The revocation feed settings after validation. */
export interface PreparedRevocation {
  readonly url: string | undefined;
  readonly intervalMs: number;
  readonly maxResponseBytes: number;
  readonly push: boolean;
  /** The `Authorization` header for the feed and its stream, when credentials are configured. */
  readonly authorization: string | undefined;
  /** What to do once the last good feed is too old. */
  readonly staleness: PreparedFeedStaleness;
}

/** The core verifier options a guard uses, without the key (known after discovery). */
export type GuardVerifyOptions = Readonly<Omit<VerifierOptions, 'key'>>;

/**
 * A guard's configuration, validated once and frozen ({@link prepareGuardOptions}): the request
 * path reads it and never parses an option again.
 */
export interface PreparedGuardOptions {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly JwsAlg[];
  readonly requiredScopes: readonly string[];
  readonly realm: string | undefined;
  readonly cookie: string | undefined;
  readonly allowHttpLoopback: boolean;
  readonly jwksUri: string | undefined;
  readonly discoveryTimeoutMs: number;
  readonly keys: Readonly<RemoteKeySetOptions>;
  /** Retry discovery at most once per this many ms while the issuer is down. */
  readonly cooldownMs: number;
  readonly revocation: PreparedRevocation | undefined;
  /** Options of the core verifier for access tokens (RFC 9068 profile). */
  readonly verify: GuardVerifyOptions;
  /** `clockTolerance` in seconds, for the checks the guard makes itself (a route's `maxAge`). */
  readonly clockToleranceSeconds: number;
  /** Whether verified results (and their auth contexts) are reused. */
  readonly cached: boolean;
  readonly onError: ((error: unknown) => void) | undefined;
  /** DPoP settings; undefined when DPoP is off. */
  readonly dpop: PreparedGuardDpop | undefined;
}

const DEFAULT_ALGORITHMS: readonly JwsAlg[] = ['EdDSA', 'ES256', 'RS256'];
// RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti are REQUIRED.
const REQUIRED_CLAIMS = Object.freeze(['iss', 'exp', 'aud', 'sub', 'iat', 'jti', 'client_id']);
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const invalid = (message: string) => optionsError(message);

const prepared = new WeakSet<object>();

/** True when `v` came from {@link prepareGuardOptions}. */
export function isPreparedGuardOptions(v: unknown): v is PreparedGuardOptions {
  return typeof v === 'object' && v !== null && prepared.has(v);
}

function stringList(v: unknown, name: string, allowEmpty = false): readonly string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (
    !Array.isArray(list) ||
    (!allowEmpty && list.length === 0) ||
    list.some((s) => typeof s !== 'string' || s.length === 0 || /[\s"\\]/.test(s))
  ) {
    throw invalid(`${name} must be a list of non-empty strings without spaces or quotes`);
  }
  return Object.freeze([...list]);
}

function positiveInt(v: unknown, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw invalid(`${name} must be a positive integer`);
  }
  return v;
}

function algorithmsOf(v: unknown): readonly JwsAlg[] {
  const algorithms = v ?? DEFAULT_ALGORITHMS;
  // RFC 9068 §4: access tokens are signed asymmetrically; a shared secret would let any
  // resource server mint tokens for all the others.
  if (
    !Array.isArray(algorithms) ||
    algorithms.some((a) => typeof a !== 'string' || a.startsWith('HS'))
  ) {
    throw invalid('algorithms must list asymmetric JWS algorithms only');
  }
  return Object.freeze([...(algorithms as JwsAlg[])]);
}

function revocationOf(
  v: GuardOptions['revocation'],
  loopback: boolean,
): PreparedRevocation | undefined {
  if (v === undefined || v === false) return undefined;
  const r: RevocationOptions = v === true ? {} : v;
  if (typeof r !== 'object' || r === null)
    throw invalid('revocation must be a boolean or an object');
  if (r.url !== undefined) checkFetchUrl(r.url, loopback, 'revocation.url');
  const intervalMs = positiveInt(r.intervalMs, 30_000, 'revocation.intervalMs');
  return Object.freeze({
    url: r.url,
    intervalMs,
    maxResponseBytes: positiveInt(r.maxResponseBytes, 1024 * 1024, 'revocation.maxResponseBytes'),
    push: boolOption(r.push, true, 'revocation.push'),
    authorization: feedAuthorization(r.credentials),
    staleness: Object.freeze(resolveFeedStaleness(r, intervalMs)),
  });
}

/** Printable ASCII without spaces or controls: what fits a header without any escaping. */
const CREDENTIAL = /^[\x21-\x7e]{1,4096}$/;

function feedAuthorization(c: FeedCredentials | undefined): string | undefined {
  if (c === undefined) return undefined;
  if (typeof c !== 'object' || c === null)
    throw invalid('revocation.credentials must be { clientId, clientSecret } or { token }');
  if ('token' in c) {
    if (typeof c.token !== 'string' || !CREDENTIAL.test(c.token) || 'clientId' in c)
      throw invalid('revocation.credentials.token must be a printable string without spaces');
    return `Bearer ${c.token}`;
  }
  const { clientId, clientSecret } = c;
  if (
    typeof clientId !== 'string' ||
    typeof clientSecret !== 'string' ||
    clientId.length === 0 ||
    clientSecret.length === 0 ||
    clientId.length > 4096 ||
    clientSecret.length > 4096
  )
    throw invalid('revocation.credentials needs a clientId and a clientSecret');
  // RFC 6749 Appendix B / §2.3.1: each part form-urlencoded before the Basic encoding.
  const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${btoa(`${form(clientId)}:${form(clientSecret)}`)}`;
}

function boolOption(v: unknown, fallback: boolean, name: string): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalid(`${name} must be a boolean`);
  return v;
}

function headerValues(o: GuardOptions): { realm: string | undefined; cookie: string | undefined } {
  const { realm, cookie } = o;
  if (realm !== undefined && (typeof realm !== 'string' || /[^\x20-\x7e]/.test(realm))) {
    throw invalid('realm must be printable ASCII');
  }
  if (cookie !== undefined && (typeof cookie !== 'string' || !COOKIE_NAME.test(cookie))) {
    throw invalid('cookie must be a cookie name');
  }
  return { realm, cookie };
}

/**
 * Validate a guard's options and freeze them: every mistake is a `GuardError` with reason `ERR_GUARD_OPTIONS_INVALID` thrown here, at
 * configuration time, with the verifier options checked by the core's own validation
 * (`checkVerifierOptions`). `createGuard` calls it; call it yourself to check a configuration
 * early or to share one between guards.
 *
 * @example
 * const config = prepareGuardOptions({ issuer: 'https://auth.example', audience: 'https://api.example' });
 * const guard = createGuard(config);
 */
export function prepareGuardOptions(
  options: GuardOptions | PreparedGuardOptions,
): PreparedGuardOptions {
  if (isPreparedGuardOptions(options)) return options;
  try {
    return validateGuardOptions(options);
  } catch (e) {
    // The core's checks (URLs, durations, algorithms, verifier options) speak with the guard's
    // code; the core's own code stays on `cause`.
    if (isJoseError(e)) throw optionsError(e.message, e);
    throw e;
  }
}

function validateGuardOptions(options: GuardOptions): PreparedGuardOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options are required');
  const loopback = options.allowHttpLoopback === true;
  const issuer = options.issuer;
  if (typeof issuer !== 'string') throw invalid('issuer is required');
  checkFetchUrl(issuer, loopback, 'issuer');
  if (options.jwksUri !== undefined) checkFetchUrl(options.jwksUri, loopback, 'jwksUri');
  const audience = stringList(options.audience, 'audience');
  const algorithms = algorithmsOf(options.algorithms);
  const cache = options.cache ?? true;
  const verify: GuardVerifyOptions = Object.freeze({
    algorithms,
    issuer,
    audience,
    typ: 'at+jwt',
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: options.clockTolerance ?? 5,
    ...(options.currentDate !== undefined ? { currentDate: options.currentDate } : {}),
    cache,
  });
  checkVerifierOptions(verify);
  const keys: RemoteKeySetOptions = Object.freeze({ ...options.keys, allowHttpLoopback: loopback });
  const result: PreparedGuardOptions = Object.freeze({
    issuer,
    audience,
    algorithms,
    requiredScopes:
      options.requiredScopes === undefined
        ? Object.freeze([])
        : stringList(options.requiredScopes, 'requiredScopes', true),
    ...headerValues(options),
    allowHttpLoopback: loopback,
    jwksUri: options.jwksUri,
    discoveryTimeoutMs: positiveInt(options.discoveryTimeoutMs, 5000, 'discoveryTimeoutMs'),
    keys,
    cooldownMs: keys.cooldownMs ?? 30_000,
    revocation: revocationOf(options.revocation, loopback),
    verify,
    clockToleranceSeconds: parseDuration(verify.clockTolerance ?? 5, 'clockTolerance'),
    cached: cache !== false,
    onError: options.onError,
    dpop: prepareDpopOptions(options.dpop, options.clockTolerance ?? 5),
  });
  prepared.add(result);
  return result;
}
