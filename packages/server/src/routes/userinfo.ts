import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyOwnAccessToken } from '../access-tokens.js';
import type { IssuerContext } from '../context.js';
import { scopedUserClaims } from '../id-tokens.js';

/**
 * `GET|POST /userinfo` (OIDC Core §5.3): the user's claims for a Bearer access token of this
 * issuer that carries `openid` — not revoked (by `jti` or `sid`), user still enabled. Errors per
 * RFC 6750 §3.
 */
export function registerUserinfo(app: FastifyInstance, ctx: IssuerContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const auth = request.headers.authorization;
    const deny = (status: number, error: string, description: string) =>
      reply
        .code(status)
        .header(
          'www-authenticate',
          `Bearer realm="tessera", error="${error}", error_description="${description}"`,
        )
        .send({ error, error_description: description });
    if (typeof auth !== 'string' || !/^bearer\s+\S+$/i.test(auth.trim()))
      return reply.code(401).header('www-authenticate', 'Bearer realm="tessera"').send();
    const claims = verifyOwnAccessToken(ctx, auth.trim().slice(7).trim());
    const now = ctx.nowSeconds();
    if (
      claims === undefined ||
      (await ctx.store.isRevoked('jti', claims.jti!, now)) ||
      (typeof claims['sid'] === 'string' && (await ctx.store.isRevoked('sid', claims['sid'], now)))
    )
      return deny(401, 'invalid_token', 'the access token is not valid');
    const scope = typeof claims['scope'] === 'string' ? claims['scope'].split(' ') : [];
    if (!scope.includes('openid'))
      return deny(403, 'insufficient_scope', 'the access token lacks the openid scope');
    const user = await ctx.store.findUserById(claims.sub!);
    if (user === undefined || user.disabled === 1)
      return deny(401, 'invalid_token', 'the access token is not valid');
    return { sub: user.id, ...scopedUserClaims(user, scope) };
  };
  app.get('/userinfo', handler);
  app.post('/userinfo', handler);
}
