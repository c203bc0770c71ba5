/**
 * RFC 6750 bearer-token usage: where a token may come from, and how a failure is answered
 * (status, `WWW-Authenticate: Bearer …`, a small JSON body with no detail that helps an attacker).
 */

/**
 * RFC 6750 §3.1 error codes, RFC 9470 §3 `insufficient_user_authentication` (step-up), RFC 9449
 * §7.1 and §9 for DPoP, and `temporarily_unavailable` (the
 * RFC 6749 §4.1.2.1 code) for a guard that cannot check revocation: the answer is "retry later".
 */
export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** The request parts a guard reads: never a body, never anything else. */
export interface BearerInput {
  /** The `Authorization` header value, if any. */
  authorization: string | undefined;
  /** The `Cookie` header value, read only when a cookie name is configured. */
  cookie?: string | undefined;
  /** The request target (path and query), checked for a token in the query string. */
  url?: string | undefined;
  /** The HTTP method: a DPoP proof's `htm` must match it (RFC 9449 §4.3). */
  method?: string | undefined;
  /** The `DPoP` header value (several headers joined with commas, as node:http joins them). */
  dpop?: string | undefined;
  /** `scheme://host[:port]` of the request as received, for `htu` when no `dpop.origin` is set. */
  origin?: string | undefined;
}

/**
 * The one error type of @tessera/guard. A refused request: `status` is 400, 401, 403 or 503;
 * `error` is absent when the request carried no credentials (RFC 6750 §3.1) and for a 503 other
 * than a stale revocation feed. A configuration mistake: status 500, reason
 * `ERR_GUARD_OPTIONS_INVALID`. `reason` is for logs only (a code of `GUARD_ERROR_CODES`, a
 * JoseError code, or a short internal word): it is never sent to the client.
 */
export class GuardError extends Error {
  readonly status: 400 | 401 | 403 | 500 | 503;
  readonly error: BearerErrorCode | undefined;
  readonly description: string;
  /** Scopes to list in the `scope` attribute of an `insufficient_scope` answer. */
  readonly scope: readonly string[] | undefined;
  readonly reason: string;
  /** A DPoP answer (RFC 9449 §7.1): the `DPoP` challenge with `algs`, and a fresh nonce (§9). */
  readonly dpop: { readonly algs: readonly string[]; readonly nonce?: string } | undefined;
  /** A step-up answer (RFC 9470 §3): the `acr_values` and `max_age` the route demands. */
  readonly stepUp: { readonly acrValues?: readonly string[]; readonly maxAge?: number } | undefined;
  constructor(
    status: 400 | 401 | 403 | 500 | 503,
    error: BearerErrorCode | undefined,
    description: string,
    reason: string,
    options?: {
      cause?: unknown;
      scope?: readonly string[];
      dpop?: { algs: readonly string[]; nonce?: string };
      stepUp?: { acrValues?: readonly string[]; maxAge?: number };
    },
  ) {
    super(description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.error = error;
    this.description = description;
    this.reason = reason;
    this.scope = options?.scope;
    this.dpop = options?.dpop;
    this.stepUp = options?.stepUp;
  }
  override get name(): string {
    return 'GuardError';
  }
}

/** True when `e` is a {@link GuardError}. */
export function isGuardError(e: unknown): e is GuardError {
  return e instanceof GuardError;
}

// RFC 6750 §2.1: b68token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// A table scan instead of a regular expression: this runs on every request.
const B68 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/')
  B68[c.charCodeAt(0)] = 1;

/** True when `s` is a b68token (RFC 6750 §2.1). */
export function isB68token(s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || B68[c] === 0) break;
    i++;
  }
  if (i === 0) return false;
  while (i < n && s.charCodeAt(i) === 61 /* = */) i++;
  return i === n;
}

/** The 400 answer to an `Authorization` header that is not `Bearer <b68token>`. */
export const malformedHeader = (): GuardError =>
  new GuardError(
    400,
    'invalid_request',
    'The Authorization header is malformed',
    'malformed_header',
  );
const malformed = malformedHeader;

/**
 * `Authorization: Bearer <b68token>` (RFC 6750 §2.1; RFC 7235 §2.1: the scheme is
 * case-insensitive, 1*SP before the credentials). Another scheme gives `undefined`.
 */
function parseAuthorization(h: string, checkSyntax: boolean): string | undefined {
  const scheme = 'bearer';
  if (h.length < 6) return undefined;
  for (let i = 0; i < 6; i++)
    if ((h.charCodeAt(i) | 0x20) !== scheme.charCodeAt(i)) return undefined;
  if (h.length === 6) throw malformed();
  const sep = h.charCodeAt(6);
  if (sep !== 32) {
    if (sep === 9 || sep === 10 || sep === 13 || sep === 11 || sep === 12) throw malformed();
    return undefined; // "Bearerx…" is some other scheme
  }
  let start = 7;
  while (start < h.length && h.charCodeAt(start) === 32) start++;
  let end = h.length;
  while (end > start && h.charCodeAt(end - 1) === 32) end--;
  const token = h.slice(start, end);
  if (checkSyntax && !isB68token(token)) throw malformed();
  return token;
}

/** A token found in a request, or `undefined` when the request carries no bearer credentials. */
export function extractBearerToken(input: BearerInput, cookieName?: string): string | undefined {
  return extract(input, cookieName, true);
}

/**
 * {@link extractBearerToken} without the b68token scan of a header token, for the guard's hot
 * path: a token that verifies is a compact JWS, whose alphabet is within b68token, so the guard
 * checks the syntax only after a failed verification (to answer 400 instead of 401).
 */
export function extractBearerCandidate(
  input: BearerInput,
  cookieName?: string,
): string | undefined {
  return extract(input, cookieName, false);
}

function extract(
  input: BearerInput,
  cookieName: string | undefined,
  checkSyntax: boolean,
): string | undefined {
  const url = input.url;
  // RFC 6750 §2.3 is a SHOULD NOT; we refuse outright: URLs end up in logs, caches and Referer.
  // Any query is parsed: percent-encoding hides the name from a substring test.
  if (url !== undefined && url.includes('?') && hasQueryToken(url)) {
    throw new GuardError(
      400,
      'invalid_request',
      'The access token must be sent in the Authorization header',
      'token_in_query',
    );
  }
  const header = input.authorization;
  // Another scheme (Basic, DPoP…) is not a bearer credential: answered as "no credentials".
  const fromHeader =
    header === undefined || header === '' ? undefined : parseAuthorization(header, checkSyntax);
  if (cookieName === undefined) return fromHeader;
  const fromCookie = input.cookie === undefined ? undefined : readCookie(input.cookie, cookieName);
  if (fromCookie !== undefined && fromHeader !== undefined) {
    // RFC 6750 §3.1: more than one method of sending the token is an invalid_request.
    throw new GuardError(
      400,
      'invalid_request',
      'The access token was sent in more than one way',
      'two_methods',
    );
  }
  if (fromCookie !== undefined && !isB68token(fromCookie)) {
    throw new GuardError(401, 'invalid_token', 'The access token is invalid', 'malformed_cookie');
  }
  return fromHeader ?? fromCookie;
}

function hasQueryToken(url: string): boolean {
  const q = url.indexOf('?');
  if (q === -1) return false;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  try {
    return new URLSearchParams(query).has('access_token');
  } catch {
    return true;
  }
}

function readCookie(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return v === '' ? undefined : v;
  }
  return undefined;
}

/**
 * RFC 7230 §3.2.6 quoted-string: `"` and `\` are backslash-escaped; characters outside
 * visible ASCII and space (control characters, CR/LF, non-ASCII) become `?`, so no header
 * injection is possible whatever the configured realm or scope says.
 */
export function quoteString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The `WWW-Authenticate` value for a refused request (RFC 6750 §3; RFC 9449 §7.1 for DPoP). */
export function wwwAuthenticate(error: GuardError, realm?: string): string {
  if (error.dpop !== undefined) {
    const params: string[] = [];
    if (realm !== undefined) params.push(`realm=${quoteString(realm)}`);
    if (error.error !== undefined) {
      params.push(`error=${quoteString(error.error)}`);
      params.push(`error_description=${quoteString(error.description)}`);
    }
    params.push(`algs=${quoteString(error.dpop.algs.join(' '))}`);
    return `DPoP ${params.join(', ')}`;
  }
  const params: string[] = [];
  if (realm !== undefined) params.push(`realm=${quoteString(realm)}`);
  if (error.error !== undefined) {
    params.push(`error=${quoteString(error.error)}`);
    params.push(`error_description=${quoteString(error.description)}`);
  }
  if (error.scope !== undefined && error.scope.length > 0)
    params.push(`scope=${quoteString(error.scope.join(' '))}`);
  // RFC 9470 §3: what the client's next authorization request should ask for.
  const up = error.stepUp;
  if (up?.acrValues !== undefined && up.acrValues.length > 0)
    params.push(`acr_values=${quoteString(up.acrValues.join(' '))}`);
  if (up?.maxAge !== undefined) params.push(`max_age=${quoteString(String(up.maxAge))}`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/** A framework-neutral answer: adapters copy it onto their response. */
export interface GuardResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Turn a {@link GuardError} into the HTTP answer: the status, `WWW-Authenticate` (except for
 * 503 and 500), `Cache-Control: no-store`, and `{"error", "error_description"}` as JSON. A 500
 * (the guard is misconfigured) says only `server_error`: its message is for the logs.
 */
export function guardErrorResponse(error: GuardError, realm?: string): GuardResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  };
  if (error.status === 500)
    return { status: 500, headers, body: JSON.stringify({ error: 'server_error' }) };
  if (error.status !== 503 || error.error !== undefined)
    headers['www-authenticate'] = wwwAuthenticate(error, realm);
  if (error.status === 503) headers['retry-after'] = '5';
  // RFC 9449 §9: the nonce the client must put in its next proof.
  if (error.dpop?.nonce !== undefined) headers['dpop-nonce'] = error.dpop.nonce;
  const body = JSON.stringify({
    error: error.error ?? (error.status === 503 ? 'temporarily_unavailable' : 'unauthorized'),
    error_description: error.description,
  });
  return { status: error.status, headers, body };
}
