import type { FastifyInstance } from 'fastify';
import { tokenAudiences, verifyOwnAccessToken } from '../access-tokens.js';
import { authenticateClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { formParams } from '../form.js';
import { OAuthError, invalidRequest } from '../oauth-error.js';
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH } from '../refresh-tokens.js';

/**
 * POST /logout: end the session — revoke its refresh-token family and put `sid` on the
 * revocation feed so resource servers drop its access tokens. Authenticated either with an
 * access token of the session whose `aud` names this issuer (`Authorization: Bearer`), or as the
 * client with its `refresh_token` (client authentication as at the token endpoint; a public
 * client identifies itself with `client_id`, as when it refreshes).
 *
 * A token whose audience is a resource server is not a credential here: every API that received
 * it could replay it to end the user's session (RFC 9068 §4, RFC 8707 §2: a token is for its
 * audience only). See docs/security.md#logout-audience.
 */
export function registerLogout(app: FastifyInstance, ctx: IssuerContext): void {
  app.post('/logout', async (request, reply) => {
    const now = ctx.nowSeconds();
    const auth = request.headers.authorization;
    let sid: string | undefined;
    let subject: string | undefined;
    let clientId: string | undefined;
    if (typeof auth === 'string' && /^bearer\s/i.test(auth)) {
      const claims = verifyOwnAccessToken(ctx, auth.slice(7).trim());
      if (
        claims === undefined ||
        typeof claims['sid'] !== 'string' ||
        !tokenAudiences(claims).includes(ctx.config.issuer) ||
        (await ctx.store.isRevoked('jti', claims.jti!, now))
      ) {
        throw new OAuthError(401, 'invalid_token', 'the access token is not valid', {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
      sid = claims['sid'];
      subject = claims.sub;
      clientId = String(claims['client_id']);
    } else {
      const params = formParams(request);
      const client = await authenticateClient(ctx, request, params, { allowPublic: true });
      const token = params['refresh_token'];
      if (token === undefined)
        throw invalidRequest('refresh_token (or a Bearer access token) is required');
      const row =
        token.length <= MAX_REFRESH_TOKEN_LENGTH
          ? await ctx.store.findRefreshToken(hashRefreshToken(token))
          : undefined;
      if (row !== undefined && row.client_id === client.row.id) {
        sid = row.session_id;
        subject = row.user_id;
      }
      clientId = client.row.id;
    }
    if (sid !== undefined && (await ctx.store.endSession(sid, 'logout', now))) {
      await ctx.store.addRevocation(
        'sid',
        sid,
        now + ctx.config.accessTokenTtl + ctx.config.clockTolerance,
        now,
      );
      await ctx.audit.record({
        type: 'session.ended',
        subject,
        clientId,
        ip: request.ip,
        detail: { sid, reason: 'logout' },
      });
    }
    reply.header('cache-control', 'no-store');
    return reply.code(204).send();
  });
}
