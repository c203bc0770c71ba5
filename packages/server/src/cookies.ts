import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from './config.js';

/** Cookie names: `__Host-` prefixed on https (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain). */
export function cookieName(config: ServerConfig, base: string): string {
  return config.issuer.startsWith('https:') ? `__Host-${base}` : base;
}

/** The longest cookie value {@link readCookie} accepts unless told otherwise. */
export const MAX_COOKIE_VALUE = 128;

/**
 * The named cookie of a request (RFC 6265 §5.4), or undefined: the first occurrence, never
 * decoded, and only when it is base64url segments joined by dots and at most `maxLength`
 * characters — our cookies are random tokens (128 is plenty) or a sealed value (the device
 * cookie passes its own, larger cap). Anything else reads as absent, before any parsing.
 */
export function readCookie(
  request: FastifyRequest,
  name: string,
  maxLength: number = MAX_COOKIE_VALUE,
): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return v.length <= maxLength && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/**
 * Set an issuer cookie: HttpOnly, Path=/, Secure on https, and SameSite=Lax unless told `Strict`
 * (Lax: the redirect back from a relying party is a top-level GET). `maxAge` undefined makes a
 * browser-session cookie. Appended, so several cookies can be set on one reply.
 */
export function setCookie(
  reply: FastifyReply,
  config: ServerConfig,
  base: string,
  value: string,
  maxAge?: number,
  sameSite: 'Lax' | 'Strict' = 'Lax',
): void {
  const secure = config.issuer.startsWith('https:');
  const parts = [
    `${cookieName(config, base)}=${value}`,
    'Path=/',
    'HttpOnly',
    `SameSite=${sameSite}`,
    ...(secure ? ['Secure'] : []),
    ...(maxAge !== undefined ? [`Max-Age=${maxAge}`] : []),
  ];
  const prev = reply.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}

/** Remove an issuer cookie. */
export function clearCookie(reply: FastifyReply, config: ServerConfig, base: string): void {
  setCookie(reply, config, base, '', 0);
}
