import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { encodeBase64url } from '@tessera/jose';
import type { IssuerContext } from './context.js';
import { clearCookie, cookieName, readCookie, setCookie } from './cookies.js';
import type { BrowserSessionRow, UserRow } from './stores/store.js';

export const SESSION_COOKIE = 'tessera_session';

const hashToken = (t: string): string => createHash('sha256').update(t).digest('base64url');

/** A signed-in browser: the session row (its id is the tokens' `sid`) and its user. */
export interface ActiveBrowserSession {
  readonly row: BrowserSessionRow;
  readonly user: UserRow;
}

/**
 * The browser session of this request, if its cookie names one that is open, within its idle
 * and absolute lifetimes, and whose user is still enabled. Lookups go to the store, so every
 * issuer node sees the same sessions; the cookie holds a random secret, the store its hash.
 */
export async function currentBrowserSession(
  ctx: IssuerContext,
  request: FastifyRequest,
): Promise<ActiveBrowserSession | undefined> {
  const token = readCookie(request, cookieName(ctx.config, SESSION_COOKIE));
  if (token === undefined) return undefined;
  const row = await ctx.store.findBrowserSession(hashToken(token));
  const now = ctx.nowSeconds();
  if (
    row === undefined ||
    row.ended_at !== null ||
    row.expires_at <= now ||
    row.last_seen_at + ctx.config.browserSessionIdleTtl <= now
  )
    return undefined;
  const user = await ctx.store.findUserById(row.user_id);
  if (user === undefined || user.disabled === 1) return undefined;
  // Idle lifetime: refresh the last-seen mark at most once a minute (one write per minute, not per request).
  if (now - row.last_seen_at >= 60) await ctx.store.touchBrowserSession(row.id, now);
  return { row, user };
}

/**
 * Our `acr` values (OIDC Core §2: the issuer names its own classes): a password alone, or two
 * factors — a password and a second factor, or a user-verified passkey (possession of the
 * authenticator and the biometric or PIN that unlocks it). Not ISO/IEC 29115 levels — those claim
 * identity proofing we do not do.
 */
export const ACR = {
  password: 'urn:tessera:acr:pwd',
  mfa: 'urn:tessera:acr:mfa',
} as const;

/** The `acr` of a login that used these RFC 8176 `amr` methods. */
export function acrOf(amr: readonly string[]): string {
  return amr.includes('mfa') ? ACR.mfa : ACR.password;
}

/**
 * Start a browser session after a successful login and set its cookie. `auth_time` is now: the
 * time of the last (strongest) step of this login.
 */
export async function startBrowserSession(
  ctx: IssuerContext,
  reply: FastifyReply,
  user: UserRow,
  amr: readonly string[],
): Promise<BrowserSessionRow> {
  const now = ctx.nowSeconds();
  const token = encodeBase64url(randomBytes(32));
  const row: BrowserSessionRow = {
    id: randomUUID(),
    token_hash: hashToken(token),
    user_id: user.id,
    auth_time: now,
    amr: JSON.stringify(amr),
    acr: acrOf(amr),
    last_seen_at: now,
    expires_at: now + ctx.config.browserSessionMaxAge,
    ended_at: null,
  };
  await ctx.store.createBrowserSession(row);
  setCookie(reply, ctx.config, SESSION_COOKIE, token, ctx.config.browserSessionMaxAge);
  return row;
}

/** Forget the browser's session cookie. */
export function clearBrowserSessionCookie(ctx: IssuerContext, reply: FastifyReply): void {
  clearCookie(reply, ctx.config, SESSION_COOKIE);
}
