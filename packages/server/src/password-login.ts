import type { IssuerContext } from './context.js';
import {
  loginKeys,
  loginRetryAfter,
  recordLoginFailure,
  recordLoginSuccess,
} from './login-protection.js';
import { MAX_PASSWORD_BYTES } from './passwords.js';
import type { UserRow } from './stores/store.js';
import { isValidUsername } from './users.js';

export type PasswordLoginResult =
  | { readonly ok: true; readonly user: UserRow }
  | { readonly ok: false; readonly retryAfter: number };

/**
 * Check a username and password under the login protection: the back-off counters in the
 * store (per account and per address), one answer and similar time for unknown users, wrong
 * passwords and disabled accounts, rehash on login, audit events. Both the password grant and
 * the hosted login form call this, so they share the same counters.
 */
export async function checkPasswordLogin(
  ctx: IssuerContext,
  input: { username: string; password: string; ip: string; clientId: string },
): Promise<PasswordLoginResult> {
  const { username, password, ip, clientId } = input;
  const now = ctx.nowSeconds();
  const keys = loginKeys(username, ip);
  const retryAfter = await loginRetryAfter(ctx.store, keys, now);
  if (retryAfter > 0) {
    await ctx.audit.record({ type: 'login.blocked', clientId, ip, detail: { retryAfter } });
    return { ok: false, retryAfter };
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
    await recordLoginFailure(ctx.store, keys, now, ctx.config.loginProtection);
    await ctx.audit.record({ type: 'login.failed', subject: user?.id, clientId, ip });
    return { ok: false, retryAfter: 0 };
  }
  await recordLoginSuccess(ctx.store, keys);
  if (ctx.hasher.needsRehash(user.password_hash)) {
    await ctx.store.updateUser(user.id, {
      password_hash: await ctx.hasher.hash(password),
      updated_at: now,
    });
  }
  return { ok: true, user };
}
