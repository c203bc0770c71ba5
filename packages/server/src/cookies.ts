import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from './config.js';

/** Cookie names: `__Host-` prefixed on https (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain). */
export function cookieName(config: ServerConfig, base: string): string {
  return config.issuer.startsWith('https:') ? `__Host-${base}` : base;
}

/** The named cookie of a request, or undefined (first occurrence; values are never decoded). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{1,128}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/**
 * Set an issuer cookie: HttpOnly, SameSite=Lax (the redirect back from a relying party is a
 * top-level GET), Path=/, and Secure on https. `maxAge` undefined makes a browser-session cookie.
 */
export function setCookie(
  reply: FastifyReply,
  config: ServerConfig,
  base: string,
  value: string,
  maxAge?: number,
): void {
  const secure = config.issuer.startsWith('https:');
  const parts = [
    `${cookieName(config, base)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
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
