import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  /** Keep serving this long first with `/readyz` at 503, so load balancers move away (default 0). */
  drainMs?: number;
  /**
   * After the listener closes, how long idle keep-alive connections are kept for one more
   * request (answered with `Connection: close`) before they are closed (default 1 s).
   */
  idleGraceMs?: number;
  /** Longest wait for requests in flight once the listener is closed; then connections are cut (default 10 s). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stop an issuer without failing a request: mark it draining (`/readyz` 503), wait `drainMs`,
 * stop accepting connections, let requests in flight finish (each answered with
 * `Connection: close`), then run the app's close hooks (key timer stopped, rotation lease
 * released, store closed). Bounded by `timeoutMs`.
 *
 * @example
 * process.once('SIGTERM', () => void closeGracefully(app, { drainMs: 1000, timeoutMs: 10_000 }));
 */
export async function closeGracefully(
  app: FastifyInstance,
  { drainMs = 0, idleGraceMs = 1000, timeoutMs = 10_000 }: ShutdownOptions = {},
): Promise<void> {
  app.tesseraDrain();
  if (drainMs > 0) await sleep(drainMs);
  const server = app.server;
  const closeIdle = server.closeIdleConnections.bind(server);
  // Node's server.close() also closes idle keep-alive connections at once; a client writing its
  // next request on one at that instant sees ECONNRESET and cannot tell whether the request ran.
  // Keep them a moment: their next request is served with `Connection: close` (Fastify marks
  // every response while closing), and a reconnect is then refused cleanly at connect.
  server.closeIdleConnections = () => {};
  const idle = setTimeout(closeIdle, Math.min(idleGraceMs, timeoutMs));
  const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await app.close();
  } finally {
    clearTimeout(idle);
    clearTimeout(cut);
    server.closeIdleConnections = closeIdle;
  }
}
