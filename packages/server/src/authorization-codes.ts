import { createHash, randomBytes } from 'node:crypto';
import { encodeBase64url } from '@tessera/jose';
import type { AuthorizationRequest } from './authorization-request.js';
import type { IssuerContext } from './context.js';
import type { BrowserSessionRow } from './stores/store.js';

/** RFC 6749 §4.1.2 recommends at most 10 minutes; OAuth 2.1 and this issuer: 60 seconds. */
export const CODE_TTL_SECONDS = 60;

/** Codes are stored only as this hash: a database reader cannot redeem one. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('base64url');
}

/**
 * Issue an authorization code (256 random bits) bound to the client, redirect URI, PKCE
 * challenge, nonce, scope, browser session and
 * DPoP key (`dpop_jkt`, RFC 9449 §10).
 */
export async function issueAuthorizationCode(
  ctx: IssuerContext,
  req: AuthorizationRequest,
  session: BrowserSessionRow,
): Promise<string> {
  const code = encodeBase64url(randomBytes(32));
  const now = ctx.nowSeconds();
  await ctx.store.insertAuthorizationCode({
    hash: hashCode(code),
    client_id: req.clientId,
    user_id: session.user_id,
    browser_session_id: session.id,
    redirect_uri: req.redirectUri,
    code_challenge: req.codeChallenge,
    scope: req.scope,
    nonce: req.nonce ?? null,
    dpop_jkt: req.dpopJkt ?? null,
    auth_time: session.auth_time,
    expires_at: now + CODE_TTL_SECONDS,
    used_at: null,
    issued_session_id: null,
    issued_jti: null,
    issued_exp: null,
  });
  return code;
}
