import type { FastifyInstance } from 'fastify';
import type { ReadinessReport } from '../readiness.js';

/**
 * GET /readyz: 200 when the node can serve (store reachable, migrations current, an active
 * signing key loaded, not draining), else 503 — each check named, no internals.
 */
export function registerReadyz(app: FastifyInstance, check: () => Promise<ReadinessReport>): void {
  app.get('/readyz', async (_request, reply) => {
    const report = await check();
    reply.header('cache-control', 'no-store');
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? 'ready' : 'unavailable',
      checks: Object.fromEntries(
        report.checks.map((c) => [c.name, c.ok ? 'ok' : (c.detail ?? 'failed')]),
      ),
    });
  });
}
