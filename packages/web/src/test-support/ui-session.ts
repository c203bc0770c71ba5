import { request } from 'node:http';

/** A raw HTTP answer (node:http, so the Host header can be set freely). */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Send a request with node:http (fetch forbids setting `Host`). `path` is relative to the
 * server at `port` on 127.0.0.1.
 */
export function rawRequest(
  port: number,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: o.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...o.headers },
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Use the one-time URL and return the session cookie (`name=value`). */
export async function enterSession(url: string): Promise<string> {
  const u = new URL(url);
  const r = await rawRequest(Number(u.port), u.pathname);
  const set = r.headers['set-cookie'];
  const cookie = Array.isArray(set) ? set[0] : set;
  if (r.status !== 303 || cookie === undefined) throw new Error(`entry failed with ${r.status}`);
  return cookie.split(';')[0]!;
}

/** POST JSON to an API route with the session cookie. */
export async function postApi(
  port: number,
  cookie: string,
  name: string,
  body: unknown,
): Promise<RawResponse & { json: any }> {
  const r = await rawRequest(port, `/_tessera/api/${name}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  let json: any;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { ...r, json };
}
