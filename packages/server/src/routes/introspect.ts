import type { JwtPayload } from '@tessera/jose';
import type { FastifyInstance } from 'fastify';
import type { ClientRow } from '../stores/store.js';
import { tokenAudiences, verifyOwnAccessToken } from '../access-tokens.js';
import { authenticateClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { formParams } from '../form.js';
import { invalidRequest } from '../oauth-error.js';
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH } from '../refresh-tokens.js';

/**
 * RFC 7662 §2.1/§4: the caller learns about an access token only when it was issued to the
 * caller, or its `aud` names an audience the caller is registered to introspect (a resource
 * server). Anything else is `{ "active": false }`, the same answer as for a dead token.
 */
function mayIntrospect(claims: JwtPayload, client: ClientRow): boolean {
  if (claims['client_id'] === client.id) return true;
  const allowed = JSON.parse(client.introspect_audiences) as string[];
  if (allowed.length === 0) return false;
  return tokenAudiences(claims).some((a) => allowed.includes(a));
}

/**
 * POST /introspect (RFC 7662), for authenticated confidential clients. `{ "active": false }`
 * and nothing more for anything not currently valid (§2.2) or not the caller's to see (§4).
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
      if (!mayIntrospect(claims, client.row)) return { active: false };
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
