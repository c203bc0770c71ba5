import type { FastifyRequest } from 'fastify';
import { issueAccessToken } from '../access-tokens.js';
import type { AuthenticatedClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { OAuthError, invalidGrant, invalidRequest } from '../oauth-error.js';
import {
  familyAuthentication,
  hashRefreshToken,
  MAX_REFRESH_TOKEN_LENGTH,
  newRefreshToken,
  refreshTokenRow,
  replayContext,
} from '../refresh-tokens.js';
import { requireBoundKey } from '../dpop.js';
import { resolveScope } from '../scopes.js';
import type { RefreshTokenRow } from '../stores/store.js';
import { tokenResponse, type TokenResponse } from './token-response.js';

const INVALID = 'the refresh token is invalid, expired or revoked';

interface SealedReplay {
  scope: string | null;
  /** The DPoP key of the first request (absent in responses sealed before DPoP). */
  jkt?: string | null;
  response: TokenResponse;
}

/**
 * RFC 6749 §6 with rotation: every use atomically replaces the token (compare-and-swap in the
 * store). A concurrent retry within the replay window gets the identical stored response; a
 * spent token used later means it leaked — the whole family is revoked (reuse detection).
 */
export async function refreshTokenGrant(
  ctx: IssuerContext,
  request: FastifyRequest,
  params: Record<string, string>,
  client: AuthenticatedClient,
  dpopJkt?: string,
): Promise<TokenResponse> {
  const c = client.row;
  if (!(JSON.parse(c.grant_types) as string[]).includes('refresh_token')) {
    throw new OAuthError(400, 'unauthorized_client', 'this client may not use refresh_token');
  }
  const presented = params['refresh_token'];
  if (presented === undefined) throw invalidRequest('refresh_token is required');
  if (presented.length > MAX_REFRESH_TOKEN_LENGTH) throw invalidGrant(INVALID);
  const hash = hashRefreshToken(presented);
  // One read: the token with its session and user.
  const found = await ctx.store.findRefreshGrant(hash);
  let row = found?.token;
  // RFC 6749 §6: the token must have been issued to the authenticated client.
  if (found === undefined || row === undefined || row.client_id !== c.id)
    throw invalidGrant(INVALID);
  // RFC 9449 §5: a bound refresh token is good only with a proof by its key (any state, so a
  // thief without the key learns nothing from the replay window either).
  requireBoundKey(row.dpop_jkt, dpopJkt, 'the refresh token');
  const now = ctx.nowSeconds();
  if (row.state === 'active') {
    const { session, user } = found;
    if (
      session === undefined ||
      session.ended_at !== null ||
      session.expires_at <= now ||
      row.expires_at <= now
    )
      throw invalidGrant(INVALID);
    if (user === undefined || user.disabled === 1) throw invalidGrant(INVALID);
    // §6: the new scope may narrow the original, never widen it.
    const scope = resolveScope(params['scope'], row.scope.length > 0 ? row.scope.split(' ') : []);
    const next = newRefreshToken();
    const at = issueAccessToken(ctx, {
      sub: user.id,
      clientId: c.id,
      audience: c.audience,
      scope,
      // Code-flow families carry the browser session's id as `sid` (OIDC sessions).
      sid: session.browser_session_id ?? session.id,
      // The login's acr/amr/auth_time, as in the family's first access token (RFC 9470 §4).
      ...familyAuthentication(session),
      roles: JSON.parse(user.roles) as string[],
      ...(dpopJkt !== undefined ? { dpopJkt } : {}),
    });
    const response = tokenResponse(at.token, at.expiresIn, scope, next, dpopJkt !== undefined);
    const sealed = ctx.replayKek.seal(
      JSON.stringify({
        scope: params['scope'] ?? null,
        jkt: dpopJkt ?? null,
        response,
      } satisfies SealedReplay),
      replayContext(hash),
    );
    const event = {
      type: 'token.refreshed',
      subject: user.id,
      clientId: c.id,
      ip: request.ip,
      detail: { sid: session.id, jti: at.jti },
    } as const;
    const result = await ctx.store.rotateRefreshToken(
      hash,
      ctx.config.now(),
      sealed,
      refreshTokenRow(next, {
        sessionId: session.id,
        parentHash: hash,
        clientId: c.id,
        userId: user.id,
        scope,
        now,
        idleTtl: ctx.config.refreshTokenTtl,
        sessionExpiresAt: session.expires_at,
        dpopJkt: row.dpop_jkt,
        accessJti: at.jti,
        accessExp: now + at.expiresIn,
      }),
      ctx.audit.row(event),
    );
    if (result.rotated) {
      ctx.audit.log(event);
      return response;
    }
    // Lost the race: another request rotated this token first. Fall through with its state.
    if (result.current === undefined) throw invalidGrant(INVALID);
    row = result.current;
  }
  if (row.state === 'rotated') return replayOrRevoke(ctx, request, params, row, hash, dpopJkt);
  throw invalidGrant(INVALID);
}

async function replayOrRevoke(
  ctx: IssuerContext,
  request: FastifyRequest,
  params: Record<string, string>,
  row: RefreshTokenRow,
  hash: string,
  dpopJkt: string | undefined,
): Promise<TokenResponse> {
  const nowMs = ctx.config.now();
  if (
    row.successor !== null &&
    row.rotated_at_ms !== null &&
    nowMs - row.rotated_at_ms <= ctx.config.replayWindowMs
  ) {
    const replay = JSON.parse(
      ctx.replayKek.open(row.successor, replayContext(hash)).toString('utf8'),
    ) as SealedReplay;
    // Only an identical request is a retry; a different scope within the window is refused
    // without revoking (docs/security.md#refresh-replay: replay to an identical client/scope).
    if (replay.scope !== (params['scope'] ?? null)) throw invalidGrant(INVALID);
    // …and the same DPoP key: the stored access token is bound to the first request's key.
    if ((replay.jkt ?? null) !== (dpopJkt ?? null)) throw invalidGrant(INVALID);
    const session = await ctx.store.findSession(row.session_id);
    if (session !== undefined && session.ended_at === null) {
      await ctx.audit.record({
        type: 'token.replayed',
        subject: row.user_id,
        clientId: row.client_id,
        ip: request.ip,
        detail: { sid: row.session_id },
      });
      return replay.response;
    }
    throw invalidGrant(INVALID);
  }
  // Reuse of a spent token outside the window: it was copied. Revoke the family and its
  // access tokens (through the revocation feed) — RFC 9700 §4.14.2.
  const now = Math.floor(nowMs / 1000);
  // Code-flow tokens carry the browser session's id as `sid`: that is the one to put on the feed.
  const family = await ctx.store.findSession(row.session_id);
  await ctx.store.endSession(row.session_id, 'refresh_token_reuse', now);
  await ctx.store.addRevocation(
    'sid',
    family?.browser_session_id ?? row.session_id,
    now + ctx.config.accessTokenTtl + ctx.config.clockTolerance,
    now,
  );
  await ctx.audit.record({
    type: 'refresh.reuse_detected',
    subject: row.user_id,
    clientId: row.client_id,
    ip: request.ip,
    detail: { sid: row.session_id },
  });
  throw invalidGrant(INVALID);
}
