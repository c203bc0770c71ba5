import type { FastifyInstance } from 'fastify';
import { verifyOwnAccessToken } from '../access-tokens.js';
import { authenticateClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { formParams } from '../form.js';
import { OAuthError, invalidRequest } from '../oauth-error.js';
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH } from '../refresh-tokens.js';

/**
 * POST /revoke (RFC 7009). A refresh token ends its session (the whole family) and puts the
 * session id on the revocation feed; an access token puts its `jti` on the feed until it
 * expires. Unknown tokens answer 200 (§2.2), and so does a token issued to another client:
 * it is left untouched and the attempt goes to the audit (`token.revocation_refused`). §2.1 lets
 * the server refuse it; answering exactly as for an unknown string removes the oracle that told
 * a client which strings are live tokens of someone else (docs/security.md#revoke-sameness).
 */
export function registerRevoke(app: FastifyInstance, ctx: IssuerContext): void {
  app.post('/revoke', async (request, reply) => {
    const params = formParams(request);
    const client = await authenticateClient(ctx, request, params, { allowPublic: true });
    const token = params['token'];
    if (token === undefined) throw invalidRequest('token is required');
    const hint = params['token_type_hint'];
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new OAuthError(
        400,
        'unsupported_token_type',
        'token_type_hint must be access_token or refresh_token',
      );
    }
    const now = ctx.nowSeconds();
    reply.header('cache-control', 'no-store');
    const foreign = async (subject: string | undefined, kind: string): Promise<object> => {
      await ctx.audit.record({
        type: 'token.revocation_refused',
        subject,
        clientId: client.row.id,
        ip: request.ip,
        detail: { kind, why: 'issued to another client' },
      });
      return {};
    };
    if (token.length <= MAX_REFRESH_TOKEN_LENGTH) {
      const row = await ctx.store.findRefreshToken(hashRefreshToken(token));
      if (row !== undefined) {
        if (row.client_id !== client.row.id) return foreign(row.user_id, 'refresh_token');
        if (await ctx.store.endSession(row.session_id, 'revoked', now)) {
          await ctx.store.addRevocation(
            'sid',
            row.session_id,
            now + ctx.config.accessTokenTtl + ctx.config.clockTolerance,
            now,
          );
        }
        await ctx.audit.record({
          type: 'token.revoked',
          subject: row.user_id,
          clientId: client.row.id,
          ip: request.ip,
          detail: { sid: row.session_id, kind: 'refresh_token' },
        });
        return {};
      }
    }
    const claims = verifyOwnAccessToken(ctx, token);
    if (claims !== undefined) {
      if (claims['client_id'] !== client.row.id) return foreign(claims.sub, 'access_token');
      await ctx.store.addRevocation(
        'jti',
        claims.jti!,
        claims.exp! + ctx.config.clockTolerance,
        now,
      );
      await ctx.audit.record({
        type: 'token.revoked',
        subject: claims.sub,
        clientId: client.row.id,
        ip: request.ip,
        detail: { jti: claims.jti, kind: 'access_token' },
      });
    }
    return {};
  });
}
