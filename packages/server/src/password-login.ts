import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IssuerContext } from './context.js';
import { DEVICE_COOKIE, isTrustedDevice, readCookie, setDeviceCookie } from './device-cookie.js';
import { loginKeys, reserveLogin } from './login-protection.js';
import { MAX_PASSWORD_BYTES } from './passwords.js';
import type { UserRow } from './stores/store.js';
import { isValidUsername } from './users.js';

export type PasswordLoginResult =
  | { readonly ok: true; readonly user: UserRow }
  | { readonly ok: false; readonly retryAfter: number };

/**
 * Check a username and password under the login protection: each attempt is reserved in the
 * store (per address+account pair, per address, and the account-wide ceiling unless the browser
 * presents this account's device cookie) *before* Argon2 runs, so concurrent guesses on any
 * number of nodes cannot all be evaluated. One answer and similar time for unknown users, wrong
 * passwords and disabled accounts; rehash on login; audit events. Both the password grant and the
 * hosted login form call this, so they share the same counters.
 */
export async function checkPasswordLogin(
  ctx: IssuerContext,
  input: {
    username: string;
    password: string;
    ip: string;
    clientId: string;
    request: FastifyRequest;
    reply: FastifyReply;
  },
): Promise<PasswordLoginResult> {
  const { username, password, ip, clientId, request, reply } = input;
  const now = ctx.nowSeconds();
  const lp = ctx.config.loginProtection;
  const keys = loginKeys(username, ip, now, lp);
  const trusted = isTrustedDevice(
    ctx.deviceKek,
    readCookie(request, DEVICE_COOKIE),
    keys.accountHash,
    now,
  );
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
    ok = (await ctx.hasher.verify(user.password_hash, password)) && user.disabled === 0;
  }
  if (!ok || user === undefined) {
    await ctx.audit.record({ type: 'login.failed', subject: user?.id, clientId, ip });
    return { ok: false, retryAfter: 0 };
  }
  await reservation.attempt.succeeded();
  setDeviceCookie(
    reply,
    ctx.deviceKek,
    keys.accountHash,
    now,
    lp.deviceCookieMaxAgeSeconds,
    ctx.config.issuer.startsWith('https:'),
  );
  if (ctx.hasher.needsRehash(user.password_hash)) {
    await ctx.store.updateUser(user.id, {
      password_hash: await ctx.hasher.hash(password),
      updated_at: now,
    });
  }
  return { ok: true, user };
}
