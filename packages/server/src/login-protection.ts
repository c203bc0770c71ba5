import { createHash } from 'node:crypto';
import type { LoginProtectionConfig } from './config.js';
import type { Store } from './stores/store.js';

/**
 * Per-account and per-IP exponential back-off, kept in the store so every issuer node sees the
 * same counters. Back-off rather than lockout: a permanent lockout lets anyone lock a user out
 * (Keycloak documents that DoS). Unknown usernames are counted like known ones, so the answer
 * reveals nothing about which accounts exist.
 */
export interface LoginKeys {
  readonly account: string;
  readonly ip: string;
}

export function loginKeys(username: string, ip: string): LoginKeys {
  // Hashing bounds the key length (very long usernames) and keeps usernames out of this table.
  return {
    account: `acct:${createHash('sha256').update(username).digest('base64url')}`,
    ip: `ip:${ip}`,
  };
}

/** Seconds until a login may be tried again, or 0. */
export async function loginRetryAfter(store: Store, keys: LoginKeys, now: number): Promise<number> {
  const [a, i] = await Promise.all([
    store.getLoginFailure(keys.account),
    store.getLoginFailure(keys.ip),
  ]);
  return Math.max(0, (a?.blocked_until ?? 0) - now, (i?.blocked_until ?? 0) - now);
}

function delay(failures: number, threshold: number, c: LoginProtectionConfig): number {
  if (failures < threshold) return 0;
  return Math.min(c.maxDelaySeconds, c.baseDelaySeconds * 2 ** Math.min(30, failures - threshold));
}

/** Count a failed login against both keys and set their back-off. */
export async function recordLoginFailure(
  store: Store,
  keys: LoginKeys,
  now: number,
  c: LoginProtectionConfig,
): Promise<void> {
  const acct = await store.recordLoginFailure(keys.account, now, c.windowSeconds);
  const ip = await store.recordLoginFailure(keys.ip, now, c.windowSeconds);
  const da = delay(acct, c.accountThreshold, c);
  const di = delay(ip, c.ipThreshold, c);
  if (da > 0) await store.setLoginBlock(keys.account, now + da);
  if (di > 0) await store.setLoginBlock(keys.ip, now + di);
}

/** A successful login clears the account's counter (the IP's stays: one good password from an IP spraying others proves little). */
export async function recordLoginSuccess(store: Store, keys: LoginKeys): Promise<void> {
  await store.clearLoginFailures(keys.account);
}
