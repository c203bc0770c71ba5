/**
 * The trace model: what `trace.json` holds. Versioned; a loaded file is validated strictly
 * (unknown members, wrong types and other versions are refused with a typed error).
 */

export const TRACE_FORMAT = 'tessera-trace' as const;
export const TRACE_VERSION = 1 as const;

export type TraceSource = 'run' | 'proxy' | 'har';

export type ParticipantKind = 'actor' | 'client' | 'service';

export interface Participant {
  /** A short identifier, safe for Mermaid (`client`, `svc1`, …). */
  id: string;
  label: string;
  kind: ParticipantKind;
  /** `host[:port]` the participant stands for (services only). */
  origin?: string;
  /** Path prefix when a `--name host/prefix=…` rule split an origin. */
  pathPrefix?: string;
}

export type CredentialKind = 'basic' | 'password-field' | 'grant' | 'opaque-bearer';

export interface Credential {
  kind: CredentialKind;
  /** Where it was found: `authorization`, `form`, `json`, `query`. */
  location: 'authorization' | 'form' | 'json' | 'query';
  /** Field name (`password`, `client_secret`), grant type, or the Basic user-id. Never a secret. */
  name?: string;
  /** Fingerprint of an opaque bearer key, so repeated use of one key can be linked. */
  fingerprint?: string;
}

export type TokenKind = 'jwt' | 'jwe' | 'opaque';

export interface CookieFlags {
  httpOnly: boolean;
  secure: boolean;
  sameSite?: string;
  path?: string;
  maxAge?: number;
}

export interface TokenPresented {
  fingerprint: string;
  location: 'authorization' | 'cookie' | 'query' | 'form';
  /** Cookie, query parameter or form field name. */
  name?: string;
}

export interface TokenIssued {
  fingerprint: string;
  location: 'json' | 'set-cookie';
  /** JSON member or cookie name (`access_token`, `session`). */
  name: string;
  cookie?: CookieFlags;
}

export interface BodySummary {
  type: 'form' | 'json' | 'text' | 'binary';
  /** Field names only (values are never kept), dotted for nested JSON. */
  fields: string[];
  bytes: number;
}

export interface Exchange {
  seq: number;
  /** Milliseconds since `startedAt`. */
  t: number;
  from: string;
  to: string;
  method: string;
  /** The URL with query values redacted. */
  url: string;
  /** Allow-listed request headers, values redacted. */
  requestHeaders: Record<string, string>;
  requestBody?: BodySummary;
  /** 0 when no response arrived (see `error`). */
  status: number;
  durationMs: number;
  responseHeaders: Record<string, string>;
  responseBody?: BodySummary;
  /** Set by the driver on its login step; otherwise inferred from a token being issued. */
  role?: 'login';
  credentials: Credential[];
  tokensPresented: TokenPresented[];
  tokensIssued: TokenIssued[];
  /** A transport failure, e.g. `ECONNREFUSED`. */
  error?: string;
}

export interface TokenSummary {
  /** 1-based number in order of first appearance ("token #1"). */
  n: number;
  fingerprint: string;
  /** `eyJhbGci…sw5c`: the first 8 and last 4 characters. */
  display: string;
  /** The full token, only with `--reveal`. */
  value?: string;
  kind: TokenKind;
  alg?: string;
  kid?: string;
  typ?: string;
  iat?: number;
  exp?: number;
  /** `exp - iat` in seconds, when both are numbers. */
  lifetimeSec?: number;
  /**
   * Signature check against the keys given at capture (`--jwks`): `valid`, or `invalid` with
   * `verifyError` (a JoseError code). Absent when no keys were given.
   */
  verified?: 'valid' | 'invalid';
  verifyError?: string;
  /** The exchange whose response issued it. */
  issuedIn?: number;
  issuedAs?: string;
  presentedIn: number[];
}

export type AssertionName =
  | 'credentials-once'
  | 'token-only-after-login'
  | 'no-token-in-url'
  | 'token-used-before-expiry'
  | 'cookie-flags'
  | 'https-only';

export interface AssertionResult {
  name: AssertionName;
  status: 'pass' | 'fail';
  message: string;
  /** The offending exchanges (`seq`). */
  exchanges: number[];
}

export interface Finding {
  code: string;
  severity: 'info' | 'warning';
  message: string;
  exchanges: number[];
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  source: TraceSource;
  /** ISO 8601 time of the first exchange (or of `--now`). */
  startedAt: string;
  /** True when tokens are stored in full (`--reveal`). Passwords never are. */
  revealed: boolean;
  participants: Participant[];
  exchanges: Exchange[];
  tokens: TokenSummary[];
  assertions: AssertionResult[];
  findings: Finding[];
}

export const ASSERTION_NAMES: readonly AssertionName[] = [
  'credentials-once',
  'token-only-after-login',
  'no-token-in-url',
  'token-used-before-expiry',
  'cookie-flags',
  'https-only',
];

/** The assertions checked when none are named. `cookie-flags` and `https-only` are opt-in. */
export const DEFAULT_ASSERTIONS: readonly AssertionName[] = [
  'credentials-once',
  'token-only-after-login',
  'no-token-in-url',
  'token-used-before-expiry',
];
