import { FEED_ACCESS_MODES, SIGNING_ALGS } from '../config.js';
import { MFA_POLICIES } from '../mfa/policy.js';

/** The value kinds a setting may have; each maps to one JSON Schema fragment and one env parser. */
export type SettingKind =
  | { readonly type: 'string'; readonly pattern?: string; readonly patternHint?: string }
  | { readonly type: 'integer'; readonly minimum: number; readonly maximum: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'duration' }
  | { readonly type: 'list' };

/** One setting: its dotted path in the config file, its meaning and how it is given elsewhere. */
export interface SettingSpec {
  /** Dotted path in `tessera.config.json` (`metrics.port`). */
  readonly path: string;
  readonly kind: SettingKind;
  readonly description: string;
  /** Printed as `[redacted]` by `tessera config check`; may come from `<ENV>_FILE`. */
  readonly secret?: true;
  /** A URL whose password part is redacted (the database URL). */
  readonly urlWithCredentials?: true;
  /** Environment variable when it differs from `TESSERA_<PATH_IN_SNAKE_CASE>`. */
  readonly env?: string;
}

const duration = { type: 'duration' } as const;
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const count = (maximum: number) => ({ type: 'integer', minimum: 1, maximum }) as const;

/**
 * Every setting of `tessera serve`, once: the JSON Schema, the environment variables, the flags
 * and the redaction of `tessera config check` are all derived from this table. Adding a setting
 * is adding a row.
 */
export const SETTINGS: readonly SettingSpec[] = [
  {
    path: 'issuer',
    kind: { type: 'string', pattern: '^https?://[^/?#]+$', patternHint: 'scheme://host[:port]' },
    description: 'Origin-only issuer URL (default http://HOST:PORT).',
  },
  { path: 'host', kind: { type: 'string' }, description: 'Interface to bind (default 127.0.0.1).' },
  { path: 'port', kind: port, description: 'Port of the issuer (default 4000; 0 picks one).' },
  {
    path: 'database',
    kind: { type: 'string' },
    env: 'TESSERA_DATABASE_URL',
    urlWithCredentials: true,
    description: 'postgres://… for PostgreSQL, else a SQLite file (default DATA_DIR/tessera.db).',
  },
  {
    path: 'dataDir',
    kind: { type: 'string' },
    description: 'Data folder: the SQLite file and the generated KEK (default ./.tessera).',
  },
  {
    path: 'kek',
    kind: { type: 'string' },
    secret: true,
    description: 'Key-encryption key, 32 bytes as base64url or hex (required with PostgreSQL).',
  },
  {
    path: 'migrate',
    kind: { type: 'boolean' },
    description: 'Run pending migrations at start on PostgreSQL (default false: refuse to start).',
  },
  {
    path: 'alg',
    kind: { type: 'enum', values: SIGNING_ALGS },
    description: 'Signing algorithm of new keys (default EdDSA).',
  },
  { path: 'audience', kind: { type: 'string' }, description: 'Default aud (default "api").' },
  { path: 'accessTokenTtl', kind: duration, description: 'Access-token lifetime (default 10m).' },
  { path: 'refreshTokenTtl', kind: duration, description: 'Refresh idle lifetime (default 14d).' },
  {
    path: 'sessionMaxAge',
    kind: duration,
    description: 'Absolute session lifetime (default 30d).',
  },
  { path: 'replayWindow', kind: duration, description: 'Refresh retry window (default 10s).' },
  {
    path: 'keyRotationInterval',
    kind: duration,
    description: 'How long a key signs (default 30d).',
  },
  { path: 'jwksMaxAge', kind: duration, description: 'JWKS cache period (default 5m).' },
  {
    path: 'clockTolerance',
    kind: duration,
    description: 'Clock tolerance of verifiers (default 60s).',
  },
  {
    path: 'auditRetention',
    kind: duration,
    description: 'How long audit events are kept; older ones are purged (default 90d).',
  },
  {
    path: 'claimBudgetBytes',
    kind: { type: 'integer', minimum: 0, maximum: 8192 },
    description: 'Byte budget of custom claims and roles (default 1024).',
  },
  {
    path: 'bodyLimit',
    kind: { type: 'integer', minimum: 1024, maximum: 1048576 },
    description: 'Largest request body in bytes (default 8192).',
  },
  {
    path: 'trustProxy',
    kind: { type: 'list' },
    description:
      'Addresses or CIDR ranges of trusted reverse proxies: X-Forwarded-For and X-Request-Id are read only from them (default none).',
  },
  {
    path: 'shutdownTimeout',
    kind: duration,
    description: 'On SIGTERM, how long in-flight requests may take to finish (default 10s).',
  },
  {
    path: 'shutdownDrain',
    kind: duration,
    description:
      'On SIGTERM, how long to keep serving with /readyz at 503 and Connection: close on every response, so load balancers and keep-alive clients move away before the listener closes (default 1s).',
  },
  {
    path: 'dpop.nonce',
    kind: { type: 'boolean' },
    description:
      'The token endpoint requires server-provided DPoP nonces, RFC 9449 §8 (default false; flag --dpop-nonce).',
  },
  {
    path: 'log.level',
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] },
    description: 'Log level (default info: one JSON line per request).',
  },
  {
    path: 'log.ip',
    kind: { type: 'enum', values: ['full', 'truncate', 'omit'] },
    description: 'Client address in request logs: full, truncate (IPv4 /24, IPv6 /48) or omit.',
  },
  {
    path: 'metrics.enabled',
    kind: { type: 'boolean' },
    description: 'Serve Prometheus /metrics (default false).',
  },
  {
    path: 'metrics.host',
    kind: { type: 'string' },
    description: 'Metrics interface (default host).',
  },
  {
    path: 'metrics.port',
    kind: port,
    description: 'Serve /metrics on this separate port (else on the issuer port behind the token).',
  },
  {
    path: 'mfa',
    kind: { type: 'enum', values: MFA_POLICIES },
    description:
      'Second factor for users without one: off (default), optional (TOTP enrolment offered after the password) or required (enrolment before any code is issued). A client registered with its own mfa uses that; a user with a factor is always asked for it.',
  },
  {
    path: 'passkeys.enabled',
    kind: { type: 'boolean' },
    description:
      'Passkeys (WebAuthn) on the hosted login: add one after a password sign-in, sign in with one instead of a password, or use one as the second factor (default false). Needs an https issuer or http://localhost.',
  },
  {
    path: 'passkeys.rpId',
    kind: { type: 'string' },
    description:
      "WebAuthn RP ID: the issuer's host or a registrable suffix of it (default the host).",
  },
  {
    path: 'passkeys.origins',
    kind: { type: 'list' },
    description: "Origins a passkey ceremony may come from (default the issuer's origin).",
  },
  {
    path: 'passkeys.ceremonyTtl',
    kind: duration,
    description: 'How long a passkey challenge may be answered (default 5m; 30s to 10m).',
  },
  {
    path: 'passkeys.offerAfterPassword',
    kind: { type: 'boolean' },
    description:
      'Offer a user without a passkey to add one after a password sign-in (default true).',
  },
  {
    path: 'feed.access',
    kind: { type: 'enum', values: FEED_ACCESS_MODES },
    description:
      'Who may read /revocations and its stream: public (default), clients (resource-server clients, client_secret_basic) or token (Authorization: Bearer feed.token).',
  },
  {
    path: 'feed.token',
    kind: {
      type: 'string',
      pattern: '^\\S{16,}$',
      patternHint: 'at least 16 characters, no spaces',
    },
    secret: true,
    description: 'Bearer credential of the revocation feed with feed.access token.',
  },
  {
    path: 'metrics.token',
    kind: { type: 'string', pattern: '^.{16,}$', patternHint: 'at least 16 characters' },
    secret: true,
    description: 'Bearer credential required for /metrics on the issuer port.',
  },
  {
    path: 'loginProtection.pairThreshold',
    kind: count(1000),
    description: 'Attempts per (account, client address) pair before back-off (default 5).',
  },
  {
    path: 'loginProtection.accountThreshold',
    kind: count(1000000),
    description:
      'Attempts per account per accountWindowSeconds from browsers without its device cookie (default 100).',
  },
  {
    path: 'loginProtection.ipThreshold',
    kind: count(100000),
    description: 'Failures per client address before back-off (default 30).',
  },
  {
    path: 'loginProtection.baseDelaySeconds',
    kind: count(3600),
    description: 'First back-off delay in seconds, doubling (default 1).',
  },
  {
    path: 'loginProtection.maxDelaySeconds',
    kind: count(86400),
    description: 'Longest back-off delay in seconds (default 900).',
  },
  {
    path: 'loginProtection.windowSeconds',
    kind: count(604800),
    description: 'Quiet time after which failures start over (default 3600).',
  },
];

/** `metrics.port` → `TESSERA_METRICS_PORT`. */
export function envName(spec: SettingSpec): string {
  return (
    spec.env ??
    `TESSERA_${spec.path
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()}`
  );
}

/** `loginProtection.ipThreshold` → `login-protection-ip-threshold` (used as `--login-protection-ip-threshold`). */
export function flagName(spec: SettingSpec): string {
  return spec.path
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/\./g, '-')
    .toLowerCase();
}
