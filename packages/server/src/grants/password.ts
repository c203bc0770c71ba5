import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { issueAccessToken } from '../access-tokens.js';
import type { AuthenticatedClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { mfaPolicyFor } from '../mfa/policy.js';
import { checkPasswordLogin } from '../password-login.js';
import { OAuthError, invalidGrant, invalidRequest } from '../oauth-error.js';
import { ACR } from '../browser-sessions.js';
import { familyAuthentication, newFamilyRows, newRefreshToken } from '../refresh-tokens.js';
import { resolveScope } from '../scopes.js';
import { tokenResponse, type TokenResponse } from './token-response.js';

// One answer for unknown users, wrong passwords and disabled accounts: nothing to enumerate.
const WRONG = 'the username or password is wrong';

// RFC 8176 §2 `pwd`: a password and nothing else (a user with a second factor never gets here).
const PASSWORD_LOGIN = (now: number) => ({ acr: ACR.password, amr: ['pwd'], authTime: now });

/**
 * RFC 6749 §4.3 resource owner password credentials — first-party clients only (a per-client
 * flag). Starts a session (one refresh-token family per login).
 */
export async function passwordGrant(
  ctx: IssuerContext,
  request: FastifyRequest,
  params: Record<string, string>,
  client: AuthenticatedClient,
  dpopJkt: string | undefined,
  reply: FastifyReply,
): Promise<TokenResponse> {
  const c = client.row;
  if (c.first_party !== 1 || !(JSON.parse(c.grant_types) as string[]).includes('password')) {
    throw new OAuthError(400, 'unauthorized_client', 'this client may not use the password grant');
  }
  // A second factor is demanded and this grant cannot ask for one: refused for every user alike,
  // before any password is looked at (so the answer says nothing about the account).
  if (mfaPolicyFor(ctx.config.mfa, c) === 'required')
    throw new OAuthError(
      400,
      'unauthorized_client',
      'this client requires a second factor, which the password grant cannot ask for',
    );
  const username = params['username'];
  const password = params['password'];
  if (username === undefined || password === undefined)
    throw invalidRequest('username and password are required');
  const scope = resolveScope(params['scope'], JSON.parse(c.scopes) as string[]);
  const now = ctx.nowSeconds();
  const login = await checkPasswordLogin(ctx, {
    username,
    password,
    ip: request.ip,
    clientId: c.id,
    // This grant cannot ask for a code: a user with a second factor is refused as for a wrong
    // password (the hosted page is where they sign in), so the grant tells no one the password
    // was right.
    noSecondStep: true,
    request,
    reply,
  });
  if (!login.ok && login.retryAfter > 0) {
    throw new OAuthError(429, 'invalid_grant', 'too many failed attempts; try again later', {
      'retry-after': String(login.retryAfter),
    });
  }
  if (!login.ok) throw invalidGrant(WRONG);
  const user = login.user;
  const sid = randomUUID();
  const refresh = newRefreshToken();
  const sessionExpiresAt = now + ctx.config.sessionMaxAge;
  const family = newFamilyRows(refresh, {
    sessionId: sid,
    userId: user.id,
    clientId: c.id,
    publicClient: c.secret_hash === null,
    scope,
    now,
    idleTtl: ctx.config.refreshTokenTtl,
    sessionExpiresAt,
    browserSessionId: null,
    authentication: PASSWORD_LOGIN(now),
    dpopJkt,
  });
  await ctx.store.createSession(family.session, family.token);
  const at = issueAccessToken(ctx, {
    sub: user.id,
    clientId: c.id,
    audience: c.audience,
    scope,
    sid,
    ...familyAuthentication(family.session),
    roles: JSON.parse(user.roles) as string[],
    ...(dpopJkt !== undefined ? { dpopJkt } : {}),
  });
  await ctx.audit.record({
    type: 'login.succeeded',
    subject: user.id,
    clientId: c.id,
    ip: request.ip,
    detail: { sid },
  });
  await ctx.audit.record({
    type: 'token.issued',
    subject: user.id,
    clientId: c.id,
    ip: request.ip,
    detail: { sid, jti: at.jti, grant: 'password' },
  });
  return tokenResponse(at.token, at.expiresIn, scope, refresh, dpopJkt !== undefined);
}
