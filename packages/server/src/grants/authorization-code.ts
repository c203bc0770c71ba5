import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { issueAccessToken } from '../access-tokens.js';
import { hashCode } from '../authorization-codes.js';
import type { AuditEvent } from '../audit.js';
import type { AuthenticatedClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { requireBoundKey } from '../dpop.js';
import { issueIdToken } from '../id-tokens.js';
import { OAuthError, invalidGrant, invalidRequest } from '../oauth-error.js';
import { newFamilyRows, newRefreshToken } from '../refresh-tokens.js';
import { tokenResponse, type TokenResponse } from './token-response.js';

const INVALID = 'the authorization code is invalid, expired or used';
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/; // RFC 7636 §4.1

function pkceMatches(verifier: string, challenge: string): boolean {
  const a = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * RFC 6749 §4.1.3 with RFC 7636 §4.6: redeem a code once, for the client, redirect URI and PKCE
 * verifier it was issued for. A second use means the code leaked: what the first use issued is
 * revoked (§4.1.2) — its refresh family ended and its access token's `jti` on the feed.
 */
export async function authorizationCodeGrant(
  ctx: IssuerContext,
  request: FastifyRequest,
  params: Record<string, string>,
  client: AuthenticatedClient,
  dpopJkt?: string,
): Promise<TokenResponse> {
  const c = client.row;
  if (!(JSON.parse(c.grant_types) as string[]).includes('authorization_code'))
    throw new OAuthError(400, 'unauthorized_client', 'this client may not use authorization_code');
  const code = params['code'];
  const verifier = params['code_verifier'];
  const redirectUri = params['redirect_uri'];
  if (code === undefined) throw invalidRequest('code is required');
  if (verifier === undefined) throw invalidRequest('code_verifier is required (PKCE)');
  if (!VERIFIER.test(verifier)) throw invalidRequest('code_verifier is malformed');
  if (redirectUri === undefined) throw invalidRequest('redirect_uri is required');
  if (code.length > 128) throw invalidGrant(INVALID);
  const hash = hashCode(code);
  const now = ctx.nowSeconds();
  const sessionId = randomUUID();
  const jti = randomUUID();
  const grantTypes = JSON.parse(c.grant_types) as string[];
  const refreshValue = newRefreshToken();
  let refusal: unknown;
  let issued: { refresh?: string; scopes: string[]; audit: AuditEvent } | undefined;
  // One transaction: the spend, the checks, and what the exchange issues (one commit, one fsync).
  const spent = await ctx.store.redeemAuthorizationCode({
    hash,
    now,
    issuance: { sessionId, jti, exp: now + ctx.config.accessTokenTtl },
    plan(row, browser, user) {
      // The checks come after the spend, so a code fails closed: one attempt per code, right
      // or wrong.
      if (
        row.client_id !== c.id ||
        row.expires_at <= now ||
        row.redirect_uri !== redirectUri ||
        !pkceMatches(verifier, row.code_challenge)
      )
        return undefined;
      try {
        // RFC 9449 §10: a code bound with dpop_jkt is redeemed only with a proof by that key.
        requireBoundKey(row.dpop_jkt, dpopJkt, 'the authorization code');
      } catch (e) {
        refusal = e;
        return undefined;
      }
      if (
        browser === undefined ||
        browser.ended_at !== null ||
        user === undefined ||
        user.disabled === 1
      )
        return undefined;
      const scopes = row.scope.split(' ').filter((s) => s.length > 0);
      const scope = scopes.join(' ');
      const audit: AuditEvent = {
        type: 'token.issued',
        subject: user.id,
        clientId: c.id,
        ip: request.ip,
        detail: { sid: browser.id, jti, grant: 'authorization_code' },
      };
      // Refresh tokens: always for first-party clients; for third parties only with
      // offline_access (OIDC Core §11), which the consent page asked for.
      const refreshAllowed =
        grantTypes.includes('refresh_token') &&
        (c.first_party === 1 || scopes.includes('offline_access'));
      issued = { scopes, audit, ...(refreshAllowed ? { refresh: refreshValue } : {}) };
      if (!refreshAllowed) return { audit: ctx.audit.row(audit) };
      // offline_access outlives the browser session's absolute lifetime; otherwise it ends with it.
      const sessionExpiresAt = scopes.includes('offline_access')
        ? now + ctx.config.sessionMaxAge
        : Math.min(now + ctx.config.sessionMaxAge, browser.expires_at);
      return {
        ...newFamilyRows(refreshValue, {
          sessionId,
          userId: user.id,
          clientId: c.id,
          publicClient: c.secret_hash === null,
          scope,
          now,
          idleTtl: ctx.config.refreshTokenTtl,
          sessionExpiresAt,
          browserSessionId: browser.id,
          authentication: {
            acr: browser.acr,
            amr: JSON.parse(browser.amr) as string[],
            authTime: row.auth_time,
          },
          dpopJkt,
          accessJti: jti,
          accessExp: now + ctx.config.accessTokenTtl,
        }),
        audit: ctx.audit.row(audit),
      };
    },
  });
  const row = spent.row;
  if (row === undefined) throw invalidGrant(INVALID);
  if (!spent.consumed) {
    // Replay: revoke what the first redemption issued.
    if (row.issued_session_id !== null)
      await ctx.store.endSession(row.issued_session_id, 'code_replayed', now);
    if (row.issued_jti !== null)
      await ctx.store.addRevocation(
        'jti',
        row.issued_jti,
        (row.issued_exp ?? now) + ctx.config.clockTolerance,
        now,
      );
    await ctx.audit.record({
      type: 'authorization.code_replayed',
      subject: row.user_id,
      clientId: c.id,
      ip: request.ip,
      detail: { sid: row.browser_session_id },
    });
    throw invalidGrant(INVALID);
  }
  if (refusal !== undefined) throw refusal;
  const { browser, user } = spent;
  if (
    spent.plan === undefined ||
    issued === undefined ||
    browser === undefined ||
    user === undefined
  )
    throw invalidGrant(INVALID);
  ctx.audit.log(issued.audit);
  const { scopes, refresh } = issued;
  const scope = scopes.join(' ');
  const at = issueAccessToken(ctx, {
    sub: user.id,
    clientId: c.id,
    audience: c.audience,
    scope,
    sid: browser.id,
    authTime: row.auth_time,
    acr: browser.acr,
    amr: JSON.parse(browser.amr) as string[],
    roles: JSON.parse(user.roles) as string[],
    jti,
    ...(dpopJkt !== undefined ? { dpopJkt } : {}),
  });
  const body: TokenResponse = tokenResponse(
    at.token,
    at.expiresIn,
    scope,
    refresh,
    dpopJkt !== undefined,
  );
  if (scopes.includes('openid')) {
    body.id_token = await issueIdToken(ctx, {
      client: c,
      user,
      sid: browser.id,
      authTime: row.auth_time,
      amr: JSON.parse(browser.amr) as string[],
      acr: browser.acr,
      nonce: row.nonce,
      scope: scopes,
      accessToken: at.token,
    });
  }
  return body;
}
