/**
 * A tiny real HTTP service on 127.0.0.1:0 for the trace tests: `POST /login` issues an HS256 JWT
 * made with @tessera/jose, `GET /me` and `GET /orders` require it. With a fixed `now` and the
 * fixed secret, the token is byte-identical on every run (HS256 is deterministic), so snapshots hold.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signJwt, verifyJwt } from '@tessera/jose';

export const DEMO_USER = 'alice';
export const DEMO_PASSWORD = 'correct horse battery staple';
export const DEMO_SECRET = new TextEncoder().encode('tessera-trace-demo-secret-0123456789abcdef');

export interface DemoServer {
  url: string;
  port: number;
  /** `127.0.0.1:PORT` */
  host: string;
  close(): Promise<void>;
}

export interface DemoServerOptions {
  /** Fixed clock for issuing and verifying (default: real time). */
  now?: Date;
  /** Also issue the token as an HttpOnly cookie `session`. */
  cookie?: boolean;
  /** HTML served at `/` (for the browser tests). */
  page?: string;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void => {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
};

export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const currentDate = (): Date => options.now ?? new Date();
  const authenticate = (req: IncomingMessage): string | undefined => {
    const auth = req.headers.authorization ?? '';
    const bearer =
      /^Bearer (\S+)$/.exec(auth)?.[1] ??
      /(?:^|;\s*)session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (bearer !== undefined) {
      try {
        const { payload } = verifyJwt(bearer, DEMO_SECRET, {
          algorithms: ['HS256'],
          issuer: 'http://demo.invalid',
          currentDate: currentDate(),
        });
        return typeof payload.sub === 'string' ? payload.sub : undefined;
      } catch {
        return undefined;
      }
    }
    // A legacy path: HTTP Basic on every request (what credentials-once exists to catch).
    const basic = /^Basic (\S+)$/.exec(auth)?.[1];
    if (basic !== undefined) {
      const [u, p] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      if (u === DEMO_USER && p === DEMO_PASSWORD) return u;
    }
    return undefined;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'GET' && path === '/' && options.page !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(options.page);
        return;
      }
      if (req.method === 'POST' && path === '/login') {
        const body = await readBody(req);
        const ct = req.headers['content-type'] ?? '';
        let fields: Record<string, unknown> = {};
        if (ct.includes('json')) fields = JSON.parse(body) as Record<string, unknown>;
        else fields = Object.fromEntries(new URLSearchParams(body));
        if (fields.username !== DEMO_USER || fields.password !== DEMO_PASSWORD) {
          json(res, 401, { error: 'invalid_grant' });
          return;
        }
        const token = signJwt({ scope: 'orders:read' }, DEMO_SECRET, {
          alg: 'HS256',
          kid: 'demo-1',
          subject: DEMO_USER,
          issuer: 'http://demo.invalid',
          expiresIn: '15m',
          currentDate: currentDate(),
        });
        const headers: Record<string, string | string[]> = {};
        if (options.cookie)
          headers['set-cookie'] = `session=${token}; Path=/; HttpOnly; SameSite=Lax`;
        json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 900 }, headers);
        return;
      }
      if (req.method === 'GET' && (path === '/me' || path === '/orders')) {
        const sub = authenticate(req);
        if (sub === undefined) {
          json(
            res,
            401,
            { error: 'invalid_token' },
            { 'www-authenticate': 'Bearer error="invalid_token"' },
          );
          return;
        }
        json(res, 200, path === '/me' ? { sub } : { orders: [{ id: 1 }, { id: 2 }] });
        return;
      }
      json(res, 404, { error: 'not_found' });
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * What a browser does against the demo service at `base` (directly or through a proxy): log in
 * with JSON, call /me with the Bearer token, then /orders with the session cookie alone.
 * Returns the access token.
 */
export async function loginAndCalls(base: string): Promise<string> {
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: DEMO_USER, password: DEMO_PASSWORD }),
  });
  assert.equal(login.status, 200);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const { access_token } = (await login.json()) as { access_token: string };
  const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${access_token}` } });
  assert.deepEqual(await me.json(), { sub: DEMO_USER });
  // The cookie flow of a browser: the session cookie alone authenticates /orders.
  const orders = await fetch(`${base}/orders`, { headers: { cookie } });
  assert.equal(orders.status, 200);
  return access_token;
}
