import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The Content-Security-Policy of every response (docs/security.md#page-csp): only this origin, no inline script or
 * style (so no 'unsafe-inline'), images only from here or `data:` (the trace diagram), never
 * framed, no form posts elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers set on every response, pages, assets, API answers and errors alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), clipboard-read=()',
});

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/**
 * The Host values accepted for a request that arrived on `port`: `127.0.0.1:<port>` and
 * `localhost:<port>`. Anything else is refused, which defeats DNS rebinding: a page on
 * attacker.example that re-resolves to 127.0.0.1 still sends `Host: attacker.example`.
 */
export function allowedHostsFor(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** True when the request's Host header is one of `allowed` (case-insensitive). */
export function hostAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const host = req.headers.host;
  if (typeof host !== 'string') return false;
  const h = host.toLowerCase();
  return allowed.some((a) => a.toLowerCase() === h);
}

/**
 * For state-changing API calls: an `Origin` header, when the browser sends one, must be this
 * server's own origin (cross-site requests are refused even before the cookie check).
 */
export function originAllowed(req: IncomingMessage, allowedHosts: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return allowedHosts.some((h) => origin.toLowerCase() === `http://${h.toLowerCase()}`);
}
