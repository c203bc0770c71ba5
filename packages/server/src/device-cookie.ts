import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from './config.js';
import { cookieName, readCookie, setCookie } from './cookies.js';
import type { Kek } from './keys/kek.js';

/**
 * The device cookie: set on a successful password login, bound to the account, sealed with a KEK
 * subkey (AES-256-GCM, so it cannot be forged or moved to another account). A later login for the
 * same account that presents it is not counted against the account-wide ceiling: an attacker
 * guessing from many addresses cannot lock the owner out of a browser they used before.
 * `__Host-` prefixed on https, like every issuer cookie.
 */
export const DEVICE_COOKIE = 'tessera_device';

const CONTEXT = 'device-cookie';
/** A sealed payload of three short fields is about 150 characters; anything far longer is not ours. */
const MAX_COOKIE_LENGTH = 512;

interface DevicePayload {
  /** The account hash (see `loginKeys`). */
  readonly a: string;
  /** A random device id. */
  readonly d: string;
  readonly exp: number;
}

/** The device cookie the request presents, if any (unchecked: see {@link isTrustedDevice}). */
export function readDeviceCookie(
  request: FastifyRequest,
  config: ServerConfig,
): string | undefined {
  return readCookie(request, cookieName(config, DEVICE_COOKIE), MAX_COOKIE_LENGTH);
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

/** A fresh sealed device cookie value for `accountHash`, valid `maxAgeSeconds` from `now`. */
export function sealDeviceCookie(
  kek: Kek,
  accountHash: string,
  now: number,
  maxAgeSeconds: number,
): string {
  const payload: DevicePayload = {
    a: accountHash,
    d: randomBytes(12).toString('base64url'),
    exp: now + maxAgeSeconds,
  };
  return kek.seal(JSON.stringify(payload), CONTEXT);
}

/** Set the device cookie on the reply (SameSite=Strict: only the issuer's own pages send it). */
export function setDeviceCookie(reply: FastifyReply, config: ServerConfig, value: string): void {
  setCookie(
    reply,
    config,
    DEVICE_COOKIE,
    value,
    config.loginProtection.deviceCookieMaxAgeSeconds,
    'Strict',
  );
}
