import { JWS_ALGORITHM_NAMES, parseDuration, type Duration, type JwsAlg } from '@tessera/jose';

import { isMfaPolicy, MFA_POLICIES, type MfaPolicy } from './mfa/policy.js';
import { ServerError } from './errors.js';

/** Thrown at configuration time: the server refuses to start with a wrong setting. */
export class ConfigError extends ServerError {
  override readonly name: string = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIG', message, options);
  }
}

export const SIGNING_ALGS = ['EdDSA', 'ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number] & JwsAlg;

/** Argon2id cost. The default is the OWASP Password Storage Cheat Sheet baseline. */
export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}
export const OWASP_ARGON2: Readonly<Argon2Params> = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

export interface ServerOptions {
  /** Origin-only issuer URL, e.g. `https://auth.example.com` (no path, no trailing slash). */
  issuer: string;
  /** Signing algorithm for new keys (default `EdDSA`). */
  alg?: SigningAlg;
  /** Default `aud` of access tokens for clients that name none (default `"api"`). */
  audience?: string;
  /** Access-token lifetime (default 10 minutes). */
  accessTokenTtl?: Duration;
  /** Refresh-token idle lifetime: each rotation extends to this (default 14 days). */
  refreshTokenTtl?: Duration;
  /** Absolute session lifetime from login (default 30 days). */
  sessionMaxAge?: Duration;
  /** Concurrent-retry window in which a spent refresh token gets the identical response (default 10 s). */
  replayWindow?: Duration;
  /** Static claims added to every access token. */
  customClaims?: Record<string, unknown>;
  /** Byte budget of custom claims + roles in an access token (default 1024). */
  claimBudgetBytes?: number;
  /** How long an active key signs before rotation (default 30 days). */
  keyRotationInterval?: Duration;
  /** `Cache-Control: max-age` of /jwks; also how long a new key is published before use (default 5 min). */
  jwksMaxAge?: Duration;
  /** Clock tolerance allowed to verifiers, added to key retention (default 60 s). */
  clockTolerance?: Duration;
  /** @deprecated The former name of {@link clockTolerance}; giving both is an error. */
  clockSkew?: Duration;
  /**
   * How long audit events are kept: the periodic purge deletes older ones (default 90 days;
   * 1 day to 10 years).
   */
  auditRetention?: Duration;
  /** Argon2id parameters (default: OWASP baseline). Lower only in tests. */
  argon2?: Argon2Params;
  /**
   * Login back-off (defaults: 5 attempts per account and address, 30 per address, then 1 s
   * doubling to 15 min, counters reset after 1 h quiet; 100 attempts per account per hour from
   * browsers without the account's device cookie; device cookie kept 1 year).
   */
  loginProtection?: Partial<LoginProtectionConfig>;
  /** Largest accepted request body in bytes (default 8 KiB). */
  bodyLimit?: number;
  /** Browser session (single sign-on) idle lifetime (default 1 day). */
  browserSessionIdleTtl?: Duration;
  /** Browser session absolute lifetime from login (default 7 days). */
  browserSessionMaxAge?: Duration;
  /** ID-token lifetime (default 10 minutes). */
  idTokenTtl?: Duration;
  /** What the hosted pages show: the issuer's name and an optional logo URL (https or a path). */
  branding?: { name?: string; logoUrl?: string };
  /** DPoP (RFC 9449) at the token endpoint. */
  dpop?: DpopServerOptions;
  /** Who may read `/revocations` and its stream (default public). */
  feed?: FeedAccessOptions;
  /** Passkeys (WebAuthn Level 3) on the hosted login pages; off when absent. */
  passkeys?: PasskeyOptions;
  /**
   * Second factor for users who have none (default `off`): `optional` offers TOTP enrolment after
   * the password, `required` demands it before any code is issued. A client's own `mfa` wins. A
   * user with a factor enrolled is always asked for it.
   */
  mfa?: MfaPolicy;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export interface Branding {
  readonly name: string;
  readonly logoUrl: string | undefined;
}

export interface DpopServerOptions {
  /** Proof algorithms accepted and advertised (default EdDSA, Ed25519, ES256, ES384, PS256, RS256). */
  algorithms?: readonly JwsAlg[];
  /** Require server-provided nonces (RFC 9449 §8): `use_dpop_nonce` until a proof carries one. */
  nonce?: boolean;
  /** Length of a nonce time slot (default 5 min; a nonce is good for one to two slots). */
  noncePeriod?: Duration;
  /** Oldest accepted proof, from its `iat` (default 60 s); jtis are remembered this long. */
  proofMaxAge?: Duration;
  /** Clock skew allowed for a proof's `iat` (default 5 s). */
  clockTolerance?: Duration;
}

/** Who may read the revocation feed (docs/security.md#feed-access). */
export const FEED_ACCESS_MODES = ['public', 'clients', 'token'] as const;
export type FeedAccess = (typeof FEED_ACCESS_MODES)[number];

export interface FeedAccessOptions {
  /**
   * `public` (default): anyone; `clients`: resource-server clients (registered with an
   * introspection audience) authenticating with client_secret_basic; `token`: `Authorization:
   * Bearer <token>`.
   */
  access?: FeedAccess;
  /** The bearer credential of `access: 'token'` (at least 16 characters, no spaces). */
  token?: string;
}

export interface FeedAccessConfig {
  readonly access: FeedAccess;
  readonly token?: string;
}

export interface DpopServerConfig {
  readonly algorithms: readonly JwsAlg[];
  readonly nonce: boolean;
  readonly noncePeriod: number;
  readonly proofMaxAge: number;
  readonly clockTolerance: number;
}

export const DEFAULT_DPOP_ALGS: readonly JwsAlg[] = [
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'PS256',
  'RS256',
];

export interface LoginProtectionConfig {
  /** Attempts per (account, address) pair before its back-off starts. */
  pairThreshold: number;
  /** Attempts per address (any account) before its back-off starts. */
  ipThreshold: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** A pair or address quiet this long starts counting from zero. */
  windowSeconds: number;
  /** The account-wide ceiling: attempts per account per `accountWindowSeconds` without a device cookie. */
  accountThreshold: number;
  accountWindowSeconds: number;
  /** Lifetime of the device cookie set on a successful login. */
  deviceCookieMaxAgeSeconds: number;
}

export interface ServerConfig {
  readonly issuer: string;
  readonly alg: SigningAlg;
  readonly audience: string;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly sessionMaxAge: number;
  readonly replayWindowMs: number;
  readonly customClaims: Readonly<Record<string, unknown>>;
  readonly claimBudgetBytes: number;
  readonly keyRotationInterval: number;
  readonly jwksMaxAge: number;
  readonly clockTolerance: number;
  /** Seconds an audit event is kept. */
  readonly auditRetention: number;
  /** How long a key stays published after it stops signing. */
  readonly keyRetention: number;
  readonly argon2: Readonly<Argon2Params>;
  readonly loginProtection: Readonly<LoginProtectionConfig>;
  readonly bodyLimit: number;
  readonly browserSessionIdleTtl: number;
  readonly browserSessionMaxAge: number;
  readonly idTokenTtl: number;
  readonly branding: Branding;
  readonly dpop: DpopServerConfig;
  readonly feed: FeedAccessConfig;
  /** Passkeys; undefined when they are off. */
  readonly passkeys: PasskeyConfig | undefined;
  readonly mfa: MfaPolicy;
  readonly now: () => number;
}

/** Claims the issuer sets itself; custom claims may not override them. */
export const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'client_id',
  'scope',
  'sid',
  'roles',
  'auth_time',
  'cnf',
  // How the user signed in: a custom claim must not pass for a stronger login (issue 16).
  'acr',
  'amr',
]);

function feedAccessOf(f: FeedAccessOptions): FeedAccessConfig {
  const access = f.access ?? 'public';
  if (!(FEED_ACCESS_MODES as readonly string[]).includes(access))
    throw new ConfigError(`feed.access must be one of ${FEED_ACCESS_MODES.join(', ')}`);
  if (access !== 'token') {
    // A credential nobody checks would only look like protection.
    if (f.token !== undefined)
      throw new ConfigError('feed.token is used only with feed.access token');
    return Object.freeze({ access });
  }
  if (typeof f.token !== 'string' || !/^\S{16,}$/.test(f.token))
    throw new ConfigError('feed.access token needs feed.token: at least 16 characters, no spaces');
  return Object.freeze({ access, token: f.token });
}

function duration(v: Duration | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  try {
    return parseDuration(v, name);
  } catch (cause) {
    throw new ConfigError(`${name} must be seconds or a duration like "15m"`, { cause });
  }
}

/**
 * Validate options once, at start: a wrong setting refuses to start rather than misbehaving
 * under load.
 *
 * @example
 * const config = resolveConfig({ issuer: 'https://auth.example.com', accessTokenTtl: '10m' });
 */
export function resolveConfig(o: ServerOptions): ServerConfig {
  let url: URL;
  try {
    url = new URL(o.issuer);
  } catch (cause) {
    throw new ConfigError('issuer must be an absolute URL', { cause });
  }
  // An origin-only issuer makes the OIDC and RFC 8414 well-known URLs coincide (RFC 8414 §3.1,
  // OpenID Connect Discovery §4; docs/security.md#origin-issuer).
  if (url.origin !== o.issuer || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError(
      'issuer must be an origin only (scheme://host[:port], no path or trailing slash)',
    );
  }
  const alg = o.alg ?? 'EdDSA';
  if (!(SIGNING_ALGS as readonly string[]).includes(alg))
    throw new ConfigError(`alg must be one of ${SIGNING_ALGS.join(', ')}`);
  const accessTokenTtl = duration(o.accessTokenTtl, 600, 'accessTokenTtl');
  if (accessTokenTtl < 10 || accessTokenTtl > 86400)
    throw new ConfigError('accessTokenTtl must be between 10 s and 1 day');
  const refreshTokenTtl = duration(o.refreshTokenTtl, 14 * 86400, 'refreshTokenTtl');
  const sessionMaxAge = duration(o.sessionMaxAge, 30 * 86400, 'sessionMaxAge');
  const replayWindow = duration(o.replayWindow, 10, 'replayWindow');
  const auditRetention = duration(o.auditRetention, 90 * 86400, 'auditRetention');
  if (auditRetention < 86400 || auditRetention > 3650 * 86400)
    throw new ConfigError('auditRetention must be between 1 day and 10 years');
  if (replayWindow > 60) throw new ConfigError('replayWindow must be at most 60 s');
  const claimBudgetBytes = o.claimBudgetBytes ?? 1024;
  if (!Number.isSafeInteger(claimBudgetBytes) || claimBudgetBytes < 0 || claimBudgetBytes > 8192) {
    throw new ConfigError('claimBudgetBytes must be an integer between 0 and 8192');
  }
  const customClaims = o.customClaims ?? {};
  if (typeof customClaims !== 'object' || customClaims === null || Array.isArray(customClaims)) {
    throw new ConfigError('customClaims must be an object');
  }
  for (const k of Object.keys(customClaims)) {
    if (RESERVED_CLAIMS.has(k))
      throw new ConfigError(`customClaims may not set the reserved claim "${k}"`);
  }
  const customBytes = Buffer.byteLength(JSON.stringify(customClaims));
  if (Object.keys(customClaims).length > 0 && customBytes > claimBudgetBytes) {
    throw new ConfigError(
      `customClaims take ${customBytes} bytes, over the budget of ${claimBudgetBytes}`,
    );
  }
  const jwksMaxAge = duration(o.jwksMaxAge, 300, 'jwksMaxAge');
  if (o.clockSkew !== undefined && o.clockTolerance !== undefined)
    throw new ConfigError('give clockTolerance only (clockSkew is its former name)');
  const clockTolerance =
    o.clockTolerance !== undefined
      ? duration(o.clockTolerance, 60, 'clockTolerance')
      : duration(o.clockSkew, 60, 'clockSkew');
  const keyRotationInterval = duration(o.keyRotationInterval, 30 * 86400, 'keyRotationInterval');
  if (keyRotationInterval < jwksMaxAge)
    throw new ConfigError('keyRotationInterval must be at least jwksMaxAge');
  const argon2 = o.argon2 ?? OWASP_ARGON2;
  if (argon2.memoryCost < 1024 || argon2.timeCost < 1 || argon2.parallelism < 1)
    throw new ConfigError('argon2 parameters are too low');
  const lp: LoginProtectionConfig = {
    pairThreshold: 5,
    ipThreshold: 30,
    baseDelaySeconds: 1,
    maxDelaySeconds: 900,
    windowSeconds: 3600,
    accountThreshold: 100,
    accountWindowSeconds: 3600,
    deviceCookieMaxAgeSeconds: 365 * 86400,
    ...o.loginProtection,
  };
  for (const [k, v] of Object.entries(lp)) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new ConfigError(`loginProtection.${k} must be a positive integer`);
  }
  const bodyLimit = o.bodyLimit ?? 8192;
  const browserSessionIdleTtl = duration(o.browserSessionIdleTtl, 86400, 'browserSessionIdleTtl');
  const browserSessionMaxAge = duration(o.browserSessionMaxAge, 7 * 86400, 'browserSessionMaxAge');
  if (browserSessionIdleTtl < 60 || browserSessionIdleTtl > browserSessionMaxAge)
    throw new ConfigError(
      'browserSessionIdleTtl must be 60 s or more and at most browserSessionMaxAge',
    );
  const idTokenTtl = duration(o.idTokenTtl, 600, 'idTokenTtl');
  if (idTokenTtl < 10 || idTokenTtl > 86400)
    throw new ConfigError('idTokenTtl must be between 10 s and 1 day');
  const brandName = o.branding?.name ?? 'Tessera';
  if (typeof brandName !== 'string' || brandName.length === 0 || brandName.length > 100)
    throw new ConfigError('branding.name is 1-100 characters');
  const logoUrl = o.branding?.logoUrl;
  if (logoUrl !== undefined && !/^(https:\/\/|\/(?!\/))[^\s"'<>]+$/.test(logoUrl))
    throw new ConfigError('branding.logoUrl must be an https URL or a path on the issuer');
  const d = o.dpop ?? {};
  const dpopAlgs = d.algorithms ?? DEFAULT_DPOP_ALGS;
  if (
    !Array.isArray(dpopAlgs) ||
    dpopAlgs.length === 0 ||
    dpopAlgs.some(
      (a) => !(JWS_ALGORITHM_NAMES as readonly string[]).includes(a) || a.startsWith('HS'),
    )
  ) {
    throw new ConfigError('dpop.algorithms must list asymmetric JWS algorithms');
  }
  const dpop: DpopServerConfig = Object.freeze({
    algorithms: Object.freeze([...dpopAlgs]),
    nonce: d.nonce === true,
    noncePeriod: duration(d.noncePeriod, 300, 'dpop.noncePeriod'),
    proofMaxAge: duration(d.proofMaxAge, 60, 'dpop.proofMaxAge'),
    clockTolerance: duration(d.clockTolerance, 5, 'dpop.clockTolerance'),
  });
  if (dpop.noncePeriod < 10) throw new ConfigError('dpop.noncePeriod must be at least 10 s');
  if (dpop.proofMaxAge < 1 || dpop.proofMaxAge > 600)
    throw new ConfigError('dpop.proofMaxAge must be between 1 s and 10 min');
  const feed = feedAccessOf(o.feed ?? {});
  if (o.mfa !== undefined && !isMfaPolicy(o.mfa))
    throw new ConfigError(`mfa must be one of ${MFA_POLICIES.join(', ')}`);
  return Object.freeze({
    issuer: o.issuer,
    alg: alg as SigningAlg,
    audience: o.audience ?? 'api',
    accessTokenTtl,
    refreshTokenTtl,
    sessionMaxAge,
    replayWindowMs: replayWindow * 1000,
    customClaims: Object.freeze({ ...customClaims }),
    claimBudgetBytes,
    keyRotationInterval,
    jwksMaxAge,
    clockTolerance,
    auditRetention,
    // docs/security.md#key-publication: published ≥ max access-token lifetime + clock skew +
    // JWKS cache period after use.
    keyRetention: accessTokenTtl + clockTolerance + jwksMaxAge,
    argon2: Object.freeze({ ...argon2 }),
    loginProtection: Object.freeze(lp),
    bodyLimit,
    browserSessionIdleTtl,
    browserSessionMaxAge,
    idTokenTtl,
    branding: Object.freeze({ name: brandName, logoUrl }),
    dpop,
    feed,
    passkeys: o.passkeys === undefined ? undefined : passkeyConfigOf(o.passkeys, url, brandName),
    mfa: o.mfa ?? 'off',
    now: o.now ?? Date.now,
  });
}

/** Passkeys (WebAuthn Level 3, https://www.w3.org/TR/webauthn-3/) on the hosted pages. */
export interface PasskeyOptions {
  /**
   * The Relying Party ID (§5.1.2 `rp.id`): the issuer's host or a registrable suffix of it
   * (default the issuer's host). An IP address cannot be one (§7.1: a valid domain).
   */
  rpId?: string;
  /** The name authenticators show (default the branding name). */
  rpName?: string;
  /** Origins a ceremony may come from (default the issuer's origin only). */
  origins?: readonly string[];
  /** How long a ceremony's challenge may be answered (default 5 min; 30 s to 10 min). */
  ceremonyTtl?: Duration;
  /** After a password sign-in, offer a user without a passkey to add one (default true). */
  offerAfterPassword?: boolean;
}

export interface PasskeyConfig {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: readonly string[];
  readonly ceremonyTtl: number;
  readonly offerAfterPassword: boolean;
}

function passkeyConfigOf(o: PasskeyOptions, issuer: URL, brandName: string): PasskeyConfig {
  const rpId = (o.rpId ?? issuer.hostname).toLowerCase();
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(
      rpId,
    ) ||
    /^[0-9.]+$/.test(rpId)
  )
    throw new ConfigError('passkeys.rpId must be a domain name (not an IP address)');
  const origins = [...(o.origins ?? [issuer.origin])];
  if (origins.length === 0) throw new ConfigError('passkeys.origins must list at least one origin');
  for (const origin of origins) {
    let u: URL;
    try {
      u = new URL(origin);
    } catch (cause) {
      throw new ConfigError('passkeys.origins must be origins', { cause });
    }
    if (u.origin !== origin || (u.protocol !== 'https:' && u.hostname !== 'localhost'))
      throw new ConfigError('passkeys.origins must be https origins (or http://localhost)');
    // §5.1.2 / HTML "is a registrable domain suffix of or is equal to".
    if (u.hostname !== rpId && !u.hostname.endsWith(`.${rpId}`))
      throw new ConfigError(`passkeys.rpId ${rpId} is not the host of ${origin} or a suffix of it`);
  }
  const ceremonyTtl = duration(o.ceremonyTtl, 300, 'passkeys.ceremonyTtl');
  if (ceremonyTtl < 30 || ceremonyTtl > 600)
    throw new ConfigError('passkeys.ceremonyTtl must be between 30 s and 10 min');
  const rpName = o.rpName ?? brandName;
  if (typeof rpName !== 'string' || rpName.length === 0 || rpName.length > 100)
    throw new ConfigError('passkeys.rpName is 1-100 characters');
  return Object.freeze({
    rpId,
    rpName,
    origins: Object.freeze(origins),
    ceremonyTtl,
    offerAfterPassword: o.offerAfterPassword !== false,
  });
}
