import type { FastifyInstance } from 'fastify';
import type { IssuerContext } from '../context.js';

/**
 * GET /healthz: liveness — 200 while the process serves requests. It touches nothing else, so
 * an orchestrator never restarts a healthy process because the database blinked; readiness
 * (store, migrations, signing key) is `/readyz`.
 */
export function registerHealthz(app: FastifyInstance, ctx: IssuerContext): void {
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok', store: ctx.store.kind };
  });
}
