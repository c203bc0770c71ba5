import type { FastifyInstance } from 'fastify';
import { verifyOwnAccessToken } from '../access-tokens.js';
import { authenticateClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { formParams } from '../form.js';
import { invalidRequest } from '../oauth-error.js';
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH } from '../refresh-tokens.js';

/**
 * POST /introspect (RFC 7662), for authenticated confidential clients. `{ "active": false }`
 * and nothing more for anything not currently valid (§2.2).
 */
export function registerIntrospect(app: FastifyInstance, ctx: IssuerContext): void {
  app.post('/introspect', async (request, reply) => {
    const params = formParams(request);
    const client = await authenticateClient(ctx, request, params, { allowPublic: false });
    const token = params['token'];
    if (token === undefined) throw invalidRequest('token is required');
    reply.header('cache-control', 'no-store');
    const now = ctx.nowSeconds();
    const claims = verifyOwnAccessToken(ctx, token);
    if (claims !== undefined) {
      const sid = typeof claims['sid'] === 'string' ? claims['sid'] : undefined;
      if (await ctx.store.isAnyRevoked(claims.jti!, sid, now)) return { active: false };
      return {
        active: true,
        token_type: 'Bearer',
        iss: claims.iss,
        sub: claims.sub,
        aud: claims.aud,
        exp: claims.exp,
        iat: claims.iat,
        jti: claims.jti,
        client_id: claims['client_id'],
        ...(claims['scope'] !== undefined ? { scope: claims['scope'] } : {}),
        ...(sid !== undefined ? { sid } : {}),
      };
    }
    if (token.length <= MAX_REFRESH_TOKEN_LENGTH) {
      // One read: the token with its session.
      const found = await ctx.store.findRefreshGrant(hashRefreshToken(token));
      const row = found?.token;
      // A client sees only its own refresh tokens.
      if (
        row !== undefined &&
        row.client_id === client.row.id &&
        row.state === 'active' &&
        row.expires_at > now
      ) {
        const session = found?.session;
        if (session !== undefined && session.ended_at === null && session.expires_at > now) {
          return {
            active: true,
            token_type: 'refresh_token',
            iss: ctx.config.issuer,
            sub: row.user_id,
            client_id: row.client_id,
            exp: row.expires_at,
            iat: row.created_at,
            sid: row.session_id,
            ...(row.scope.length > 0 ? { scope: row.scope } : {}),
          };
        }
      }
    }
    return { active: false };
  });
}
