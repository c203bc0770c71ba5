import type { FastifyInstance } from 'fastify';
import type { IssuerContext } from '../context.js';

/** GET /jwks: next, active and retiring public keys; `Cache-Control` and a strong `ETag`. */
export function registerJwks(app: FastifyInstance, ctx: IssuerContext): void {
  app.get('/jwks', async (request, reply) => {
    const ring = ctx.keys.current;
    reply.header('cache-control', `public, max-age=${ctx.config.jwksMaxAge}`);
    reply.header('etag', ring.etag);
    reply.header('content-type', 'application/jwk-set+json');
    const inm = request.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === ring.etag))
      return reply.code(304).send();
    return reply.send(ring.jwksJson);
  });
}
