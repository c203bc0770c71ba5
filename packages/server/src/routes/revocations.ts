import type { FastifyInstance } from 'fastify';
import type { IssuerContext } from '../context.js';
import { createFeedAccessCheck, feedCacheControl } from '../feed-access.js';
import { RevocationFeed } from '../revocation-feed.js';
import { registerRevocationStream, type RevocationStream } from '../revocation-stream.js';

export { FEED_LIFETIME_SECONDS } from '../revocation-feed.js';

/**
 * GET /revocations: a JWT signed by the active key, `typ: revocation+jwt`, with claims
 * `{ iss, iat, exp, revoked: [{ jti?, sid?, exp }] }`. Each entry stays until the tokens it
 * revokes would have expired anyway. See the README for the format. A strong `ETag`; a request
 * whose `If-None-Match` names it gets 304 (RFC 9110 §13.1.2). Who may read it (and the stream):
 * `config.feed.access` (see `feed-access.ts`), checked before anything else, 304 included.
 */
export function registerRevocations(app: FastifyInstance, ctx: IssuerContext): RevocationStream {
  const feed = new RevocationFeed(ctx);
  const authorize = createFeedAccessCheck(ctx);
  const stream = registerRevocationStream(app, ctx, feed, authorize);
  const cacheControl = feedCacheControl(ctx.config.feed.access);
  app.get('/revocations', async (request, reply) => {
    await authorize(request);
    const f = await feed.get();
    reply
      .header('cache-control', cacheControl)
      .header('content-type', 'application/jwt')
      .header('etag', f.etag);
    const inm = request.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === f.etag))
      return reply.code(304).send();
    return reply.send(f.body);
  });
  return stream;
}
