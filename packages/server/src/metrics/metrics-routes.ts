import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { bearerCredentialCheck } from '../bearer-credential.js';
import type { IssuerMetrics } from './issuer-metrics.js';

/** Count every answered request by route template (unmatched URLs share one label value). */
export function registerRequestMetrics(app: FastifyInstance, metrics: IssuerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/**
 * GET /metrics on the issuer's own port, only with `Authorization: Bearer <token>` (compared in
 * constant time over SHA-256 digests, so the length is not revealed either).
 */
export function registerMetricsEndpoint(
  app: FastifyInstance,
  registry: Registry,
  token: string,
): void {
  const allowed = bearerCredentialCheck(token);
  app.get('/metrics', async (request, reply) => {
    if (!allowed(request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .header('cache-control', 'no-store')
        .send({ error: 'unauthorized' });
    }
    return reply
      .header('content-type', registry.contentType)
      .header('cache-control', 'no-store')
      .send(await registry.metrics());
  });
}

/** A separate listener that serves only `GET /metrics` (for a port reachable by Prometheus only). */
export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serve `registry` at `http://host:port/metrics` on its own listener.
 *
 * @example
 * const m = await startMetricsServer(metrics.registry, { port: 9464 });
 */
export async function startMetricsServer(
  registry: Registry,
  { port, host = '127.0.0.1' }: { port: number; host?: string },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
