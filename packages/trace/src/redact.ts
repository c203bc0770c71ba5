/**
 * Redaction: what may be stored of a secret. Passwords are never stored (`•••`); tokens are
 * stored as `eyJhbGci…sw5c` plus a fingerprint, or in full only with `reveal`.
 */
import { createHash } from 'node:crypto';

export const MASK = '•••';

/**
 * Fingerprint of a token: the first 8 hex characters of its SHA-256. Short enough to read in a
 * diagram, long enough to link "issued in #2" with "presented in #3" within one trace.
 *
 * @example
 * fingerprint('eyJhbGciOiJIUzI1NiJ9.e30.sig') // → '3f1c…' (8 hex characters)
 */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 8);
}

/**
 * The display form of a token: first 8 and last 4 characters around an ellipsis
 * (`eyJhbGci…sw5c`). Tokens shorter than 16 characters show only a mask.
 *
 * @example
 * displayToken(jwt) // → 'eyJhbGci…sw5c'
 */
export function displayToken(token: string): string {
  if (token.length < 16) return MASK;
  return `${token.slice(0, 8)}…${token.slice(-4)}`;
}

const JWT_SHAPE =
  /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?$/;

/** True for a compact JWS/JWE-shaped string (`eyJ….….…`); says nothing about validity. */
export function isJwtShaped(value: string): boolean {
  return value.length <= 16384 && JWT_SHAPE.test(value);
}

/** Field names treated as passwords or secrets in forms, JSON bodies and query strings. */
export const PASSWORD_FIELD =
  /^(password|passwd|pwd|pass|secret|client_secret|otp|pin|passcode|new_password|current_password)$/i;

/**
 * Redact a URL: every query value becomes `•••`, except JWT-shaped values, shown in their
 * display form (or in full with `reveal`) so the leak stays visible and linkable.
 */
export function redactUrl(raw: string, reveal: boolean): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return MASK;
  }
  u.username = '';
  u.password = '';
  if (u.search === '') return u.href;
  const parts: string[] = [];
  for (const [k, v] of u.searchParams) {
    const shown = isJwtShaped(v) && !PASSWORD_FIELD.test(k) ? (reveal ? v : displayToken(v)) : MASK;
    parts.push(`${encodeURIComponent(k)}=${shown}`);
  }
  return `${u.origin}${u.pathname}?${parts.join('&')}`;
}

/** Request headers kept in a trace; anything else is left out. */
export const REQUEST_HEADER_ALLOWLIST = [
  'accept',
  'authorization',
  'content-type',
  'cookie',
  'origin',
  'user-agent',
] as const;
/** Response headers kept in a trace. */
export const RESPONSE_HEADER_ALLOWLIST = [
  'cache-control',
  'content-type',
  'location',
  'set-cookie',
  'www-authenticate',
] as const;

function redactAuthorization(value: string, reveal: boolean): string {
  const m = /^(\S+)\s+(.+)$/.exec(value.trim());
  if (!m) return MASK;
  const scheme = m[1]!;
  const cred = m[2]!;
  if (/^bearer$/i.test(scheme) && isJwtShaped(cred))
    return `${scheme} ${reveal ? cred : displayToken(cred)}`;
  return `${scheme} ${MASK}`;
}

function redactCookieHeader(value: string, reveal: boolean): string {
  return value
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((c) => {
      const eq = c.indexOf('=');
      const name = eq < 0 ? c : c.slice(0, eq);
      const v = eq < 0 ? '' : c.slice(eq + 1);
      return `${name}=${isJwtShaped(v) ? (reveal ? v : displayToken(v)) : MASK}`;
    })
    .join('; ');
}

function redactSetCookie(value: string, reveal: boolean): string {
  const [first = '', ...attrs] = value.split(';');
  const eq = first.indexOf('=');
  const name = eq < 0 ? first.trim() : first.slice(0, eq).trim();
  const v = eq < 0 ? '' : first.slice(eq + 1).trim();
  const shown = isJwtShaped(v) ? (reveal ? v : displayToken(v)) : MASK;
  return [`${name}=${shown}`, ...attrs.map((a) => a.trim())].join('; ');
}

/**
 * Keep the allow-listed headers, with secret-bearing values redacted. Several values of one
 * header are joined with `\n` (Set-Cookie cannot be joined with commas).
 */
export function redactHeaders(
  headers: readonly (readonly [string, string])[],
  allow: readonly string[],
  reveal: boolean,
): Record<string, string> {
  const out: Record<string, string[]> = {};
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (!allow.includes(name)) continue;
    let v = value;
    if (name === 'authorization') v = redactAuthorization(value, reveal);
    else if (name === 'cookie') v = redactCookieHeader(value, reveal);
    else if (name === 'set-cookie') v = redactSetCookie(value, reveal);
    else if (name === 'location')
      v = redactUrl(new URL(value, 'http://relative.invalid').href, reveal).replace(
        'http://relative.invalid',
        '',
      );
    (out[name] ??= []).push(v);
  }
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k]!.join('\n');
  return sorted;
}
