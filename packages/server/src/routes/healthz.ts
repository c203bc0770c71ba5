import type { FastifyInstance } from 'fastify';
import type { IssuerContext } from '../context.js';

/** GET /healthz: 200 when the store answers and a signing key is loaded, else 503. */
export function registerHealthz(app: FastifyInstance, ctx: IssuerContext): void {
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      await ctx.store.ping();
      return { status: 'ok', store: ctx.store.kind, kid: ctx.keys.current.activeKid };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
