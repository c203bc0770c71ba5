/**
 * `tessera trace proxy`: a local reverse proxy that records what crosses it. HTTP only — no TLS
 * interception, by design: the proxy sits between a local client and a service it names.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Trace } from '../model.js';
import { TraceError } from '../errors.js';
import { buildTrace, withCaptureOptions } from '../build-trace.js';
import type { CaptureOptions } from '../build-trace.js';
import type { HeaderList, RawExchange } from '../raw-exchange.js';

export interface ProxyOptions extends CaptureOptions {
  /** Listen address (default 127.0.0.1, port 0 = any free port). */
  host?: string;
  port?: number;
  /** `http://host:port` of the service behind the proxy. */
  target: string;
  clock?: () => number;
  /** Largest body recorded (the whole body is always forwarded). Default 1 MiB. */
  maxRecordedBody?: number;
}

export interface ProxyHandle {
  /** `http://127.0.0.1:PORT` to point the client at. */
  readonly url: string;
  readonly port: number;
  /** Number of exchanges recorded so far. */
  count(): number;
  /** Stop accepting requests, wait for open ones, and build the trace. */
  close(): Promise<Trace>;
}

// RFC 9110 §7.6.1: connection-specific fields are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
]);

const pairs = (raw: readonly string[]): HeaderList => {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
};

const readAll = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

/**
 * Start a recording reverse proxy.
 *
 * @example
 * const proxy = await startProxy({ port: 8899, target: 'http://127.0.0.1:3000' });
 * // … point the browser at proxy.url …
 * const trace = await proxy.close();
 */
export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const target = URL.canParse(options.target) ? new URL(options.target) : undefined;
  if (target?.protocol !== 'http:')
    throw new TraceError(
      'ERR_PROXY_TARGET_INVALID',
      'the proxy target must be an http:// URL (no TLS interception)',
    );
  const clock = options.clock ?? Date.now;
  const start = clock();
  const maxBody = options.maxRecordedBody ?? 1 << 20;
  const raws: RawExchange[] = [];
  const pending = new Set<Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = clock();
    const body = await readAll(req);
    const url = new URL(req.url ?? '/', target).href;
    const reqHeaders = pairs(req.rawHeaders).filter(
      ([k]) => !HOP_BY_HOP.has(k.toLowerCase()) && k.toLowerCase() !== 'host',
    );
    const raw: RawExchange = {
      t: t0 - start,
      method: req.method ?? 'GET',
      url,
      requestHeaders: reqHeaders,
      status: 0,
      durationMs: 0,
      responseHeaders: [],
    };
    if (body.length > 0) raw.requestBody = body.subarray(0, maxBody).toString('utf8');
    raws.push(raw);
    const forwardHeaders: Record<string, string | string[]> = {};
    for (const [k, v] of reqHeaders) {
      const key = k.toLowerCase();
      const prev = forwardHeaders[key];
      forwardHeaders[key] =
        prev === undefined
          ? v
          : key === 'cookie'
            ? `${String(prev)}; ${v}`
            : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    forwardHeaders.host = target.host;
    if (body.length > 0) forwardHeaders['content-length'] = String(body.length);
    await new Promise<void>((resolve) => {
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port || 80,
          method: req.method,
          path: req.url ?? '/',
          headers: forwardHeaders,
        },
        (upRes) => {
          readAll(upRes).then(
            (resBody) => {
              const resHeaders = pairs(upRes.rawHeaders).filter(
                ([k]) => !HOP_BY_HOP.has(k.toLowerCase()) && k.toLowerCase() !== 'content-length',
              );
              raw.status = upRes.statusCode ?? 0;
              raw.responseHeaders = resHeaders;
              if (resBody.length > 0)
                raw.responseBody = resBody.subarray(0, maxBody).toString('utf8');
              raw.durationMs = clock() - t0;
              const flat: string[] = [];
              for (const [k, v] of resHeaders) flat.push(k, v);
              flat.push('content-length', String(resBody.length));
              res.writeHead(raw.status, flat);
              res.end(resBody);
              resolve();
            },
            () => {
              raw.error = 'upstream read failed';
              if (!res.headersSent) res.writeHead(502);
              res.end();
              resolve();
            },
          );
        },
      );
      up.on('error', (err: NodeJS.ErrnoException) => {
        raw.error = err.code ?? 'upstream error';
        raw.durationMs = clock() - t0;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('tessera trace proxy: the target did not answer\n');
        resolve();
      });
      up.end(body);
    });
  };

  const server = createServer((req, res) => {
    const p = handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<Trace> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    count: () => raws.length,
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await Promise.all([...pending]);
        // Exchanges are recorded in arrival order; concurrent ones keep that order.
        return buildTrace(raws, withCaptureOptions('proxy', new Date(start), options));
      })()),
  };
}
