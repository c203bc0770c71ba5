import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteKeySet } from './remote.js';
import { fetchBounded, checkFetchUrl } from './fetch.js';
import { createAsyncVerifier, verifyJwtAsync } from '../jwt/async.js';
import { exportJwk, generateKeyPair } from '../keys/keys.js';
import { signJwt } from '../jwt/jwt.js';
import { JoseError } from '../base/errors.js';
import type { Jwk } from '../keys/jwk.js';

const es = generateKeyPair('ES256');
const ed = generateKeyPair('EdDSA');
const ed2 = generateKeyPair('EdDSA');
const pub = (k: typeof es, kid: string, alg: string): Jwk => ({
  ...exportJwk(k.publicKey),
  kid,
  alg,
  use: 'sig',
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface Issuer {
  base: string;
  hits: Map<string, number>;
  handler: Handler;
  jwks: { keys: Jwk[] };
  cacheControl: string;
}

function jwksHandler(iss: Issuer): Handler {
  return (req, res) => {
    const body = JSON.stringify(iss.jwks);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    res.setHeader('cache-control', iss.cacheControl);
    res.setHeader('etag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/jwk-set+json');
    res.end(body);
  };
}

const servers: ReturnType<typeof createServer>[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function startIssuer(keys: Jwk[]): Promise<Issuer> {
  const iss: Issuer = {
    base: '',
    hits: new Map(),
    handler: () => undefined,
    jwks: { keys },
    cacheControl: 'public, max-age=300',
  };
  iss.handler = jwksHandler(iss);
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    iss.hits.set(path, (iss.hits.get(path) ?? 0) + 1);
    if (path === '/jwks') iss.handler(req, res);
    else if (path === '/evil') res.end(JSON.stringify({ keys: [pub(ed2, 'evil', 'EdDSA')] }));
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  iss.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return iss;
}

const opts = { algorithms: ['ES256', 'EdDSA'] as const, issuer: 'https://auth.test' };
const tok = (
  key: typeof es,
  kid: string,
  alg: 'ES256' | 'EdDSA',
  header?: Record<string, unknown>,
) =>
  signJwt({ sub: 'u1' }, key.privateKey, {
    alg,
    kid,
    issuer: 'https://auth.test',
    expiresIn: 600,
    ...(header ? { header } : {}),
  });
const code = (c: string) => (e: unknown) => e instanceof JoseError && e.code === c;
const fast = { allowHttpLoopback: true, cooldownMs: 200, timeoutMs: 1000 };

test('C6: only https, or http to loopback with the explicit flag; no credentials', () => {
  assert.throws(
    () => createRemoteKeySet('http://example.com/jwks', { allowHttpLoopback: true }),
    code('ERR_OPTIONS_INVALID'),
  );
  assert.throws(() => createRemoteKeySet('http://127.0.0.1/jwks'), code('ERR_OPTIONS_INVALID'));
  assert.throws(
    () => createRemoteKeySet('file:///etc/passwd', { allowHttpLoopback: true }),
    code('ERR_OPTIONS_INVALID'),
  );
  assert.throws(
    () => createRemoteKeySet('https://u:p@auth.test/jwks'),
    code('ERR_OPTIONS_INVALID'),
  );
  assert.throws(() => createRemoteKeySet('not a url'), code('ERR_OPTIONS_INVALID'));
  assert.throws(
    () => createRemoteKeySet('https://auth.test/jwks', { cooldownMs: -1 }),
    code('ERR_OPTIONS_INVALID'),
  );
  assert.throws(
    () => createRemoteKeySet('https://auth.test/jwks', { timeoutMs: 0 }),
    code('ERR_OPTIONS_INVALID'),
  );
  assert.equal(createRemoteKeySet('https://auth.test/jwks').url, 'https://auth.test/jwks');
  for (const host of ['127.0.0.1', 'localhost', '[::1]', '127.1.2.3']) {
    assert.equal(checkFetchUrl(`http://${host}:8080/x`, true).protocol, 'http:');
  }
  assert.throws(
    () => checkFetchUrl('http://127.0.0.1.evil.example/x', true),
    code('ERR_OPTIONS_INVALID'),
  );
});

test('loads once for concurrent verifications, then verifies from the cache', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256'), pub(ed, 'd1', 'EdDSA')]);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, fast);
  const token = tok(es, 'e1', 'ES256');
  const results = await Promise.all(
    Array.from({ length: 50 }, () => verifyJwtAsync(token, keys, opts)),
  );
  assert.equal(results.length, 50);
  assert.equal(results[0]!.payload.sub, 'u1');
  assert.equal(iss.hits.get('/jwks'), 1);
  await verifyJwtAsync(tok(ed, 'd1', 'EdDSA'), keys, opts);
  assert.equal(iss.hits.get('/jwks'), 1);
  assert.equal(keys.version, 1);
  assert.equal(keys.status().keys, 2);
});

test('key rotation: a new kid causes one refetch, bumps the version, then verifies', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, cooldownMs: 0 });
  const verify = createAsyncVerifier({ key: keys, ...opts });
  await verify(tok(es, 'e1', 'ES256'));
  const v1 = keys.version;
  iss.jwks = { keys: [pub(es, 'e1', 'ES256'), pub(ed, 'd2', 'EdDSA')] };
  const newTok = tok(ed, 'd2', 'EdDSA');
  const [a, b] = await Promise.all([verify(newTok), verify(newTok)]);
  assert.equal(a.payload.sub, 'u1');
  assert.equal(b.payload.sub, 'u1');
  assert.equal(iss.hits.get('/jwks'), 2);
  assert.equal(keys.version, v1 + 1);
});

test('ETag and 304: a refetch of unchanged keys keeps the version', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const seen: (string | undefined)[] = [];
  const inner = jwksHandler(iss);
  iss.handler = (req, res) => {
    seen.push(req.headers['if-none-match'] as string | undefined);
    inner(req, res);
  };
  const keys = createRemoteKeySet(`${iss.base}/jwks`, fast);
  await keys.reload();
  await keys.reload();
  assert.equal(seen[0], undefined);
  assert.match(seen[1] ?? '', /^".+"$/);
  assert.equal(keys.version, 1);
  assert.equal(keys.status().fetches, 2);
});

test('Cache-Control max-age shortens freshness (never below the cooldown); maxAgeMs caps it', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  iss.cacheControl = 'max-age=0';
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, cooldownMs: 100 });
  await keys.reload();
  let st = keys.status();
  assert.ok(st.freshUntil! - st.fetchedAt! >= 100 && st.freshUntil! - st.fetchedAt! < 1000);
  iss.cacheControl = 'public, max-age=86400';
  const capped = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, maxAgeMs: 5000 });
  await capped.reload();
  st = capped.status();
  assert.equal(st.freshUntil! - st.fetchedAt!, 5000);
  // Stale keys keep serving while a background refresh runs.
  await sleep(120);
  const before = iss.hits.get('/jwks')!;
  await verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts);
  await sleep(50);
  assert.equal(iss.hits.get('/jwks'), before + 1);
});

test('issuer down: cached keys keep working; an unknown kid fails fast under the cooldown', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, cooldownMs: 60_000 });
  await verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts);
  iss.handler = (_req, res) => res.socket?.destroy();
  await keys.reload().catch(() => undefined);
  assert.equal(keys.status().lastError, 'ERR_JWKS_FETCH_FAILED');
  const ok = await verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts);
  assert.equal(ok.payload.sub, 'u1');
  const t0 = Date.now();
  await assert.rejects(
    verifyJwtAsync(tok(ed, 'zz', 'EdDSA'), keys, opts),
    code('ERR_JWKS_COOLDOWN'),
  );
  assert.ok(Date.now() - t0 < 300);
});

test('the last good keys serve for staleIfErrorMs only', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  iss.cacheControl = 'max-age=0';
  const keys = createRemoteKeySet(`${iss.base}/jwks`, {
    ...fast,
    cooldownMs: 50,
    maxAgeMs: 50,
    // Wide enough that a loaded machine (a late timer, a slow verify) does not cross it early.
    staleIfErrorMs: 1500,
  });
  await keys.reload();
  iss.handler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  await sleep(100);
  assert.equal((await verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts)).payload.sub, 'u1');
  await sleep(1700);
  await assert.rejects(
    verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts),
    code('ERR_JWKS_FETCH_FAILED'),
  );
  iss.handler = jwksHandler(iss);
  await sleep(60);
  assert.equal((await verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts)).payload.sub, 'u1');
});

test('a slow issuer times out (ERR_JWKS_TIMEOUT), also in the middle of the body', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const timers: NodeJS.Timeout[] = [];
  iss.handler = (_req, res) => {
    timers.push(setTimeout(() => res.end('{"keys":[]}'), 2000));
  };
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, timeoutMs: 150 });
  const t0 = Date.now();
  await assert.rejects(
    verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts),
    code('ERR_JWKS_TIMEOUT'),
  );
  assert.ok(Date.now() - t0 < 1000);
  iss.handler = (_req, res) => {
    res.write('{"keys":[');
    timers.push(setTimeout(() => res.end(']}'), 2000));
  };
  await assert.rejects(
    fetchBounded(new URL(`${iss.base}/jwks`), { allowHttpLoopback: true, timeoutMs: 150 }),
    code('ERR_JWKS_TIMEOUT'),
  );
  for (const t of timers) clearTimeout(t);
});

test('C6: redirects are refused and never followed', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  iss.handler = (_req, res) => {
    res.statusCode = 302;
    res.setHeader('location', `${iss.base}/evil`);
    res.end();
  };
  const keys = createRemoteKeySet(`${iss.base}/jwks`, fast);
  await assert.rejects(
    verifyJwtAsync(tok(ed2, 'evil', 'EdDSA'), keys, opts),
    code('ERR_JWKS_FETCH_FAILED'),
  );
  assert.equal(iss.hits.get('/evil'), undefined);
});

test('an oversized key set is refused, with or without Content-Length', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const big = JSON.stringify({ keys: [pub(es, 'e1', 'ES256')], pad: 'x'.repeat(5000) });
  iss.handler = (_req, res) => res.end(big);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, maxResponseBytes: 4096 });
  await assert.rejects(keys.reload(), code('ERR_JWKS_INVALID'));
  iss.handler = (_req, res) => {
    res.write(big.slice(0, 3000));
    res.end(big.slice(3000));
  };
  await sleep(250);
  await assert.rejects(keys.reload(), code('ERR_JWKS_INVALID'));
  assert.equal(keys.version, 0);
});

test('invalid documents are refused; private and secret keys in a JWKS are never used', async () => {
  const iss = await startIssuer([]);
  iss.handler = (_req, res) => res.end('{"keys": 1}');
  const keys = createRemoteKeySet(`${iss.base}/jwks`, fast);
  await assert.rejects(keys.reload(), code('ERR_JWKS_INVALID'));
  iss.handler = (_req, res) => res.end('{"keys": [], "keys": []}');
  await assert.rejects(keys.reload(), code('ERR_JSON_DUPLICATE_MEMBER'));
  iss.handler = (_req, res) => {
    res.statusCode = 500;
    res.end();
  };
  await assert.rejects(keys.reload(), code('ERR_JWKS_FETCH_FAILED'));
  const privateJwk = { ...exportJwk(es.privateKey), kid: 'e1', alg: 'ES256' };
  iss.jwks = {
    keys: [privateJwk, { kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI', kid: 'h' }],
  };
  iss.handler = jwksHandler(iss);
  await keys.reload();
  assert.equal(keys.status().keys, 0);
  await sleep(250);
  await assert.rejects(
    verifyJwtAsync(tok(es, 'e1', 'ES256'), keys, opts),
    code('ERR_KEY_NOT_FOUND'),
  );
});

test('C6/H3: jku, x5u and iss in a token never cause a fetch', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, cooldownMs: 60_000 });
  await keys.reload();
  const evil = signJwt({ sub: 'admin' }, ed2.privateKey, {
    alg: 'EdDSA',
    kid: 'evil',
    issuer: `${iss.base}/evil`,
    header: { jku: `${iss.base}/evil`, x5u: `${iss.base}/evil` },
  });
  await assert.rejects(
    verifyJwtAsync(evil, keys, { algorithms: ['EdDSA', 'ES256'] }),
    code('ERR_JWKS_COOLDOWN'),
  );
  assert.equal(iss.hits.get('/evil'), undefined);
  assert.equal(iss.hits.get('/jwks'), 1);
});

test('C7/G2: a thousand tokens with random unknown kids cause at most one fetch per cooldown', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, cooldownMs: 300 });
  await keys.reload();
  await sleep(310);
  const t0 = Date.now();
  const tokens = Array.from({ length: 1000 }, (_, i) =>
    tok(ed2, `random-${i}-${Math.random()}`, 'EdDSA'),
  );
  const outcomes = await Promise.allSettled(tokens.map((t) => verifyJwtAsync(t, keys, opts)));
  const elapsed = Date.now() - t0;
  assert.ok(outcomes.every((o) => o.status === 'rejected'));
  const fetches = (iss.hits.get('/jwks') ?? 0) - 1;
  assert.ok(fetches <= 1 + Math.floor(elapsed / 300), `${fetches} fetches in ${elapsed} ms`);
  assert.ok(fetches >= 1);
  // Malformed tokens and disallowed algorithms never reach key selection.
  await sleep(310);
  const before = iss.hits.get('/jwks');
  await assert.rejects(verifyJwtAsync('not.a.token', keys, opts));
  await assert.rejects(
    verifyJwtAsync(tok(ed2, 'x', 'EdDSA'), keys, { algorithms: ['ES256'] }),
    code('ERR_ALG_NOT_ALLOWED'),
  );
  assert.equal(iss.hits.get('/jwks'), before);
});

test('verifyJwtAsync requires a remote key set; the sync KeySet face works with cached keys', async () => {
  await assert.rejects(
    async () => verifyJwtAsync('a.b.c', {} as never, opts),
    code('ERR_OPTIONS_INVALID'),
  );
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, fast);
  const { verifyJwt } = await import('../jwt/jwt.js');
  assert.throws(() => verifyJwt(tok(es, 'e1', 'ES256'), keys, opts), code('ERR_KEY_NOT_FOUND'));
  await sleep(50);
  assert.equal(verifyJwt(tok(es, 'e1', 'ES256'), keys, opts).payload.sub, 'u1');
});

test('H2: with the verified-token cache, a key removed from the set stops verifying at the next fetch', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256'), pub(ed, 'd1', 'EdDSA')]);
  const keys = createRemoteKeySet(`${iss.base}/jwks`, { ...fast, cooldownMs: 0 });
  const verify = createAsyncVerifier({ key: keys, ...opts, cache: true });
  const token = tok(es, 'e1', 'ES256');
  const first = await verify(token);
  assert.equal(await verify(token), first); // a cache hit: the same frozen result
  iss.jwks = { keys: [pub(ed, 'd1', 'EdDSA')] };
  await keys.reload();
  assert.equal(keys.version, 2);
  await assert.rejects(verify(token), code('ERR_KEY_NOT_FOUND'));
  assert.equal((await verify(tok(ed, 'd1', 'EdDSA'))).payload.sub, 'u1');
});

test('a refused http JWKS URL names the way out: https, or allowHttpLoopback for a loopback host', () => {
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return assert.fail('nothing thrown');
  };
  assert.match(
    message(() => createRemoteKeySet('http://127.0.0.1:4000/jwks')),
    /http:\/\/127\.0\.0\.1:4000 must use https \(set allowHttpLoopback: true/,
  );
  assert.match(
    message(() => checkFetchUrl('http://keys.example/jwks', true, 'jwks_uri')),
    /jwks_uri http:\/\/keys\.example must use https \(plain http only to a loopback host\)/,
  );
});

test('a failed JWKS fetch names the URL (an error status, a refused connection), never its query', async () => {
  const iss = await startIssuer([pub(es, 'e1', 'ES256')]);
  iss.handler = (_req, res) => {
    res.statusCode = 500;
    res.end();
  };
  const slowOk = { ...fast, timeoutMs: 15_000 }; // the machine may be loaded; the test is not about time
  const keys = createRemoteKeySet(`${iss.base}/jwks?api_key=hidden`, slowOk);
  await assert.rejects(keys.reload(), (e: Error) => {
    assert.match(e.message, new RegExp(`the JWKS endpoint ${iss.base}/jwks answered 500`));
    assert.doesNotMatch(e.message, /hidden/, 'the query is never shown');
    return true;
  });
  // Nothing listens on a port we just closed.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const down = createRemoteKeySet(`http://127.0.0.1:${port}/keys.json`, slowOk);
  await assert.rejects(down.reload(), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(
        `the request to http://127\\.0\\.0\\.1:${port}/keys\\.json failed \\(ECONNREFUSED\\)`,
      ),
    );
    return true;
  });
});
