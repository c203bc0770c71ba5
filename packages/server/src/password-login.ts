import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IssuerContext } from './context.js';
import {
  isTrustedDevice,
  readDeviceCookie,
  sealDeviceCookie,
  setDeviceCookie,
} from './device-cookie.js';
import { loginKeys, reserveLogin } from './login-protection.js';
import { hasSecondFactor } from './mfa/second-factor.js';
import { MAX_PASSWORD_BYTES } from './passwords.js';
import type { UserRow } from './stores/store.js';
import { isValidUsername } from './users.js';

export type PasswordLoginResult =
  | { readonly ok: true; readonly user: UserRow }
  | { readonly ok: false; readonly retryAfter: number };

/** What one login attempt brings: the credentials, where it comes from, the device cookie. */
export interface PasswordLoginInput {
  readonly username: string;
  readonly password: string;
  readonly ip: string;
  readonly clientId: string;
  /** The device cookie the browser presented, if any (checked here). */
  readonly deviceCookie: string | undefined;
  /**
   * Set by a channel that cannot ask for a second factor (the password grant): a right password
   * of a user with a factor enrolled is then refused exactly like a wrong one.
   */
  readonly noSecondStep?: boolean;
}

/** A login's outcome at the login layer; on success, the device cookie to set. */
export type PasswordCheck =
  | { readonly ok: true; readonly user: UserRow; readonly deviceCookie: string }
  | { readonly ok: false; readonly retryAfter: number };

/**
 * Check a username and password under the login protection, without HTTP: each attempt is
 * reserved in the store (per address+account pair, per address, and the account-wide ceiling
 * unless `deviceCookie` is this account's) *before* Argon2 runs, so concurrent guesses on any
 * number of nodes cannot all be evaluated. One answer and similar time for unknown users, wrong
 * passwords and disabled accounts; rehash on login; audit events. `retryAfter` 0 means the
 * password was evaluated and wrong (or, with `noSecondStep`, right for a user with a second
 * factor: same answer, same counters, the real reason in the audit only); above 0, it was not
 * evaluated.
 */
export async function evaluatePasswordLogin(
  ctx: IssuerContext,
  input: PasswordLoginInput,
): Promise<PasswordCheck> {
  const { username, password, ip, clientId } = input;
  const now = ctx.nowSeconds();
  const lp = ctx.config.loginProtection;
  const keys = loginKeys(username, ip, now, lp);
  const trusted = isTrustedDevice(ctx.deviceKek, input.deviceCookie, keys.accountHash, now);
  // Reserved before Argon2 runs: concurrent guesses cannot all slip in under the threshold.
  const reservation = await reserveLogin(ctx.store, keys, now, lp, trusted);
  if (!reservation.ok) {
    await ctx.audit.record({
      type: 'login.blocked',
      clientId,
      ip,
      detail: { retryAfter: reservation.retryAfter },
    });
    return { ok: false, retryAfter: reservation.retryAfter };
  }
  const user = isValidUsername(username) ? await ctx.store.findUserByUsername(username) : undefined;
  let ok = false;
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    await ctx.hasher.burn('x');
  } else if (user === undefined) {
    await ctx.hasher.burn(password);
  } else {
    // The factor lookup runs for every attempt on a known account, right password or not, so the
    // refusal below takes the wrong password's path in work and time.
    const [verified, factor] = await Promise.all([
      ctx.hasher.verify(user.password_hash, password),
      input.noSecondStep === true ? hasSecondFactor(ctx, user.id) : false,
    ]);
    ok = verified && user.disabled === 0;
    if (ok && factor) {
      // Not a success: no counter reset, no rehash, no device cookie — nothing to tell it apart.
      await ctx.audit.record({
        type: 'login.refused',
        subject: user.id,
        clientId,
        ip,
        detail: { why: 'second_factor_required' },
      });
      return { ok: false, retryAfter: 0 };
    }
  }
  if (!ok || user === undefined) {
    await ctx.audit.record({ type: 'login.failed', subject: user?.id, clientId, ip });
    return { ok: false, retryAfter: 0 };
  }
  await reservation.attempt.succeeded();
  if (ctx.hasher.needsRehash(user.password_hash)) {
    await ctx.store.updateUser(user.id, {
      password_hash: await ctx.hasher.hash(password),
      updated_at: now,
    });
  }
  const deviceCookie = sealDeviceCookie(
    ctx.deviceKek,
    keys.accountHash,
    now,
    lp.deviceCookieMaxAgeSeconds,
  );
  return { ok: true, user, deviceCookie };
}

/**
 * {@link evaluatePasswordLogin} for an HTTP request: reads the device cookie from the request and
 * sets a fresh one on the reply after a successful login. Both the password grant and the hosted
 * login form call this, so they share the same counters.
 */
export async function checkPasswordLogin(
  ctx: IssuerContext,
  input: {
    username: string;
    password: string;
    ip: string;
    clientId: string;
    noSecondStep?: boolean;
    request: FastifyRequest;
    reply: FastifyReply;
  },
): Promise<PasswordLoginResult> {
  const { request, reply, ...credentials } = input;
  const r = await evaluatePasswordLogin(ctx, {
    ...credentials,
    deviceCookie: readDeviceCookie(request, ctx.config),
  });
  if (!r.ok) return r;
  setDeviceCookie(reply, ctx.config, r.deviceCookie);
  return { ok: true, user: r.user };
}
