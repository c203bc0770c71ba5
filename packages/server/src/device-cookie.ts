import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kek } from './keys/kek.js';

/**
 * The device cookie: set on a successful password login, bound to the account, sealed with a KEK
 * subkey (AES-256-GCM, so it cannot be forged or moved to another account). A later login for the
 * same account that presents it is not counted against the account-wide ceiling: an attacker
 * guessing from many addresses cannot lock the owner out of a browser they used before.
 */
export const DEVICE_COOKIE = 'tessera_device';

const CONTEXT = 'device-cookie';
const MAX_COOKIE_LENGTH = 512;

interface DevicePayload {
  /** The account hash (see `loginKeys`). */
  readonly a: string;
  /** A random device id. */
  readonly d: string;
  readonly exp: number;
}

/** The value of a cookie named `name` in the request's Cookie header (RFC 6265 §5.4), if any. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when `value` is a device cookie this issuer made for `accountHash`, not expired at `now`. */
export function isTrustedDevice(
  kek: Kek,
  value: string | undefined,
  accountHash: string,
  now: number,
): boolean {
  if (value === undefined || value.length > MAX_COOKIE_LENGTH) return false;
  try {
    const p = JSON.parse(kek.open(value, CONTEXT).toString('utf8')) as Partial<DevicePayload>;
    return p.a === accountHash && typeof p.exp === 'number' && p.exp > now;
  } catch {
    return false;
  }
}

/** Set a fresh device cookie for `accountHash` on the reply. */
export function setDeviceCookie(
  reply: FastifyReply,
  kek: Kek,
  accountHash: string,
  now: number,
  maxAgeSeconds: number,
  secure: boolean,
): void {
  const payload: DevicePayload = {
    a: accountHash,
    d: randomBytes(12).toString('base64url'),
    exp: now + maxAgeSeconds,
  };
  const value = kek.seal(JSON.stringify(payload), CONTEXT);
  const attrs = [
    `${DEVICE_COOKIE}=${value}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ];
  // Appended: the hosted login form sets its session cookie on the same reply.
  const prev = reply.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
  reply.header('set-cookie', [...list, attrs.join('; ')]);
}
