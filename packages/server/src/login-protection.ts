import { createHash } from 'node:crypto';
import type { LoginProtectionConfig } from './config.js';
import type { BackoffRule, Store } from './stores/store.js';

/**
 * Login back-off, kept in the store so every issuer node sees the same counters. Three keys:
 *
 * - the (account, address) pair: the tight back-off — one address guessing one account;
 * - the address: one address spraying many accounts;
 * - the account, counted per fixed window: a much higher ceiling against guesses spread over
 *   many addresses. A login that presents this account's device cookie (an earlier successful
 *   login on that browser) is not counted against it, so an attacker cannot lock the owner out.
 *
 * Each attempt is reserved in the store *before* its password is checked (RFC 6819 §4.4.3.6,
 * online guessing): however many guesses arrive at once, on however many nodes, only the allowed
 * number are evaluated. Back-off rather than lockout: a permanent lockout lets anyone lock a user
 * out. Unknown usernames are counted like known ones, so the answer reveals nothing about which
 * accounts exist.
 */
export interface LoginKeys {
  /** The account's hash: what a device cookie is bound to. */
  readonly accountHash: string;
  readonly pair: string;
  readonly ip: string;
  readonly account: string;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}

/** The store keys of one login attempt for `username` from `ip` at `now` (seconds). */
export function loginKeys(
  username: string,
  ip: string,
  now: number,
  c: LoginProtectionConfig,
): LoginKeys {
  // Hashing bounds the key length (very long usernames) and keeps usernames out of this table.
  const accountHash = sha256(username);
  const windowIndex = Math.floor(now / c.accountWindowSeconds);
  return {
    accountHash,
    pair: `pair:${sha256(`${username}\u0000${ip}`)}`,
    ip: `ip:${ip}`,
    account: `acct:${accountHash}:${windowIndex}`,
  };
}

interface Step {
  readonly key: string;
  readonly rule: BackoffRule;
}

function steps(
  keys: LoginKeys,
  now: number,
  c: LoginProtectionConfig,
  trustedDevice: boolean,
): Step[] {
  const backoff = {
    baseDelaySeconds: c.baseDelaySeconds,
    maxDelaySeconds: c.maxDelaySeconds,
    windowSeconds: c.windowSeconds,
  };
  const out: Step[] = [
    { key: keys.ip, rule: { ...backoff, threshold: c.ipThreshold } },
    { key: keys.pair, rule: { ...backoff, threshold: c.pairThreshold } },
  ];
  if (!trustedDevice) {
    // The ceiling is a budget per fixed window (the key names the window): once spent, untrusted
    // logins for this account wait for the next window.
    const w = c.accountWindowSeconds;
    const untilNextWindow = (Math.floor(now / w) + 1) * w - now;
    out.push({
      key: keys.account,
      rule: {
        threshold: c.accountThreshold,
        baseDelaySeconds: untilNextWindow,
        maxDelaySeconds: untilNextWindow,
        windowSeconds: w,
      },
    });
  }
  return out;
}

/** A reserved attempt: settle it once the password has been checked. */
export interface LoginAttempt {
  /** The password was right: give the counted attempt back. */
  succeeded(): Promise<void>;
}

/** The outcome of {@link reserveLogin}: an attempt to evaluate, or seconds to wait. */
export type LoginReservation =
  | { readonly ok: true; readonly attempt: LoginAttempt }
  | { readonly ok: false; readonly retryAfter: number };

/**
 * Reserve one login attempt against every key that applies, before the password is checked. A
 * refused attempt gives back what it had reserved on the other keys.
 */
export async function reserveLogin(
  store: Store,
  keys: LoginKeys,
  now: number,
  c: LoginProtectionConfig,
  trustedDevice: boolean,
): Promise<LoginReservation> {
  const plan = steps(keys, now, c, trustedDevice);
  const taken: Step[] = [];
  for (const step of plan) {
    const r = await store.reserveLoginAttempt(step.key, now, step.rule);
    if (!r.reserved) {
      await Promise.all(taken.map((s) => store.releaseLoginAttempt(s.key)));
      return { ok: false, retryAfter: r.retryAfter };
    }
    taken.push(step);
  }
  return {
    ok: true,
    attempt: {
      async succeeded() {
        // Each key gets this attempt back, nothing more: a success does not wipe earlier
        // failures (a burst holding the right password stays bounded), and the owner's login
        // does not reset an attacker's budget on the address or the account.
        await Promise.all(taken.map((s) => store.releaseLoginAttempt(s.key)));
      },
    },
  };
}

/**
 * The back-off of second-factor guesses, per user (issue 16; RFC 6238 §5.2, RFC 4226 §7.3): five
 * free guesses, then one a minute doubling to one an hour; a user quiet for a day starts from zero.
 * At most six guesses reach the check while a code can be valid (90 s with ±1 step), so the
 * chance of guessing a 6-digit code there is below 2 in 100 000 — after the password was right.
 */
export const SECOND_FACTOR_BACKOFF: BackoffRule = {
  threshold: 5,
  baseDelaySeconds: 60,
  maxDelaySeconds: 3600,
  windowSeconds: 86400,
};

/**
 * Reserve one second-factor guess for a user before the code is checked, with the same store
 * counters as the password (shared by every node, atomic).
 */
export async function reserveSecondFactor(
  store: Store,
  userId: string,
  now: number,
  rule: BackoffRule = SECOND_FACTOR_BACKOFF,
): Promise<LoginReservation> {
  const key = `mfa:${sha256(userId)}`;
  const r = await store.reserveLoginAttempt(key, now, rule);
  if (!r.reserved) return { ok: false, retryAfter: r.retryAfter };
  return { ok: true, attempt: { succeeded: () => store.releaseLoginAttempt(key) } };
}
