import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Received {
  readonly method: string;
  readonly url: URL;
  readonly body: string;
}

/**
 * A loopback HTTP server standing in for a relying party's callback and back-channel logout
 * endpoints: it records every request and answers 200.
 */
export interface RecordingServer {
  readonly origin: string;
  readonly received: Received[];
  /** Resolves with the next request to `path` (or one already received and not yet taken). */
  next(path: string, method?: string, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const received: Received[] = [];
  const taken = new Set<Received>();
  const waiters: { path: string; method: string | undefined; resolve: (r: Received) => void }[] =
    [];
  const fits = (r: Received, path: string, method: string | undefined) =>
    r.url.pathname === path && (method === undefined || r.method === method);
  let origin = '';
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const r = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', origin), body };
      received.push(r);
      const w = waiters.findIndex((x) => fits(r, x.path, x.method));
      if (w >= 0) {
        taken.add(r);
        waiters.splice(w, 1)[0]!.resolve(r);
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>rp</title><p>ok</p>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    received,
    next(path, method, timeoutMs = 15_000) {
      const ready = received.find((r) => fits(r, path, method) && !taken.has(r));
      if (ready !== undefined) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing arrived at ${path}`)), timeoutMs);
        waiters.push({
          path,
          method,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
