import type { FastifyInstance } from 'fastify';
import type { IssuerContext } from '../context.js';

/** How long a fetched feed may be trusted by a poller (its `exp`). */
export const FEED_LIFETIME_SECONDS = 300;

/**
 * GET /revocations: a JWT signed by the active key, `typ: revocation+jwt`, with claims
 * `{ iss, iat, exp, revoked: [{ jti?, sid?, exp }] }`. Each entry stays until the tokens it
 * revokes would have expired anyway. See the README for the format.
 */
export function registerRevocations(app: FastifyInstance, ctx: IssuerContext): void {
  app.get('/revocations', async (_request, reply) => {
    const now = ctx.nowSeconds();
    const rows = await ctx.store.listRevocations(now);
    const revoked = rows.map((r) =>
      r.kind === 'jti' ? { jti: r.value, exp: r.expires_at } : { sid: r.value, exp: r.expires_at },
    );
    const feed = ctx.keys.current.signRevocationFeed({
      iat: now,
      exp: now + FEED_LIFETIME_SECONDS,
      revoked,
    });
    reply.header('cache-control', 'public, max-age=5').header('content-type', 'application/jwt');
    return reply.send(feed);
  });
}
