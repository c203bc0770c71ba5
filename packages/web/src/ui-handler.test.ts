import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startUi, type RunningUi } from './start-ui.js';
import { createUiHandler } from './ui-handler.js';
import { CONTENT_SECURITY_POLICY } from './http-security.js';
import { SCRIPT_MODULES } from './static-assets.js';
import { enterSession, postApi, rawRequest } from './test-support/ui-session.js';
import { SECRET, hsToken } from './test-support/fixtures.js';
import { minimalTraceSvg, sampleTrace } from './test-support/trace-fixture.js';
import { auditToken } from '@tessera/inspect';

let ui: RunningUi;
let port: number;
let cookie: string;

before(async () => {
  ui = await startUi({ renderTraceSvg: minimalTraceSvg });
  port = ui.port;
  cookie = await enterSession(ui.url);
});
after(() => ui.close());

function assertSecurityHeaders(h: Record<string, string | string[] | undefined>, where: string) {
  assert.equal(h['content-security-policy'], CONTENT_SECURITY_POLICY, where);
  assert.equal(h['referrer-policy'], 'no-referrer', where);
  assert.equal(h['cache-control'], 'no-store', where);
  assert.equal(h['x-content-type-options'], 'nosniff', where);
}

test('binds 127.0.0.1 on a free port and prints a URL with an unguessable one-time path', async () => {
  const u = new URL(ui.url);
  assert.equal(u.hostname, '127.0.0.1');
  assert.ok(port > 0);
  assert.match(u.pathname, /^\/s\/[A-Za-z0-9_-]{43}$/);
  const other = await startUi();
  try {
    assert.notEqual(new URL(other.url).pathname, u.pathname);
  } finally {
    await other.close();
  }
});

test('the CSP and the other security headers are on every response: page, asset, API, errors', async () => {
  const page = await rawRequest(port, '/', { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(page.body, /<script type="module" src="\/_tessera\/app.js">/);
  assertSecurityHeaders(page.headers, 'page');
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
  assert.match(CONTENT_SECURITY_POLICY, /connect-src 'self'/);
  assert.match(CONTENT_SECURITY_POLICY, /img-src 'self' data:/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
  for (const module of SCRIPT_MODULES) {
    const js = await rawRequest(port, `/_tessera/${module}`, { headers: { cookie } });
    assert.equal(js.status, 200, module);
    assert.match(String(js.headers['content-type']), /javascript/);
    assertSecurityHeaders(js.headers, `asset ${module}`);
  }
  assertSecurityHeaders((await rawRequest(port, '/nope', { headers: { cookie } })).headers, '404');
  assertSecurityHeaders(
    (await rawRequest(port, '/', { headers: { host: 'evil.example' } })).headers,
    'host refused',
  );
  assertSecurityHeaders((await postApi(port, cookie, 'decode', {})).headers, 'api error');
});

test('the page references no external asset and has no inline script or style', async () => {
  const page = await rawRequest(port, '/', { headers: { cookie } });
  assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\/(?!127\.0\.0\.1)/);
  assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(page.body, /<style|\sstyle="/);
  const js = await rawRequest(port, '/_tessera/app.js', { headers: { cookie } });
  assert.doesNotMatch(
    js.body,
    /localStorage\.|sessionStorage\.|\.innerHTML\s*=|document\.write|\beval\(/,
  );
});

test('DNS rebinding: a request whose Host is not 127.0.0.1:<port> or localhost:<port> is refused', async () => {
  for (const host of [
    'evil.example',
    `evil.example:${port}`,
    '127.0.0.1',
    `127.0.0.1:${port + 1}`,
    `0.0.0.0:${port}`,
  ]) {
    const r = await rawRequest(port, '/', { headers: { host, cookie } });
    assert.equal(r.status, 403, host);
  }
  assert.equal(
    (await rawRequest(port, '/', { headers: { host: `localhost:${port}`, cookie } })).status,
    200,
  );
  assert.equal(
    (await rawRequest(port, '/', { headers: { host: `LOCALHOST:${port}`, cookie } })).status,
    200,
  );
  const api = await postApi(port, cookie, 'decode', { token: 'x' });
  assert.equal(api.status, 200);
  const rebound = await rawRequest(port, '/_tessera/api/decode', {
    method: 'POST',
    headers: { host: 'attacker.example', cookie, 'content-type': 'application/json' },
    body: '{"token":"x"}',
  });
  assert.equal(rebound.status, 403);
});

test('the one-time path token works once; without the session, pages are 404 and the API is 403', async () => {
  const fresh = await startUi();
  try {
    const path = new URL(fresh.url).pathname;
    const first = await rawRequest(fresh.port, path);
    assert.equal(first.status, 303);
    assert.equal(first.headers['location'], '/');
    const setCookie = String(first.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.equal((await rawRequest(fresh.port, path)).status, 404, 'second use without the cookie');
    assert.equal((await rawRequest(fresh.port, '/s/wrong-token')).status, 404);
    assert.equal((await rawRequest(fresh.port, '/')).status, 404);
    assert.equal((await rawRequest(fresh.port, '/_tessera/app.js')).status, 404);
    const noSession = await postApi(fresh.port, 'x=y', 'decode', { token: 'x' });
    assert.equal(noSession.status, 403);
    const c = setCookie.split(';')[0]!;
    assert.equal((await rawRequest(fresh.port, '/', { headers: { cookie: c } })).status, 200);
    assert.equal((await rawRequest(fresh.port, '/', { headers: { cookie: `${c}x` } })).status, 404);
  } finally {
    await fresh.close();
  }
});

test('?token= in the query is refused with a "use #" hint, and nothing is decoded', async () => {
  for (const q of ['token', 'access_token', 'id_token', 'value']) {
    const token = hsToken();
    const r = await rawRequest(port, `/?${q}=${token}`, { headers: { cookie } });
    assert.equal(r.status, 400, q);
    assert.match(r.body, /#token=/);
    assert.ok(!r.body.includes(token.split('.')[1]!), 'the refusal does not echo the token');
  }
  const entry = await rawRequest(port, `${new URL(ui.url).pathname}?token=abc`);
  assert.equal(entry.status, 400);
});

test('API decode, verify (right and wrong key) and sign', async () => {
  const token = hsToken();
  const d = await postApi(port, cookie, 'decode', { token: `Bearer ${token}` });
  assert.equal(d.status, 200);
  assert.equal(d.json.format, 'jws');
  assert.equal(d.json.payload.iss, 'https://issuer.test');
  const ok = await postApi(port, cookie, 'verify', {
    token,
    key: { kind: 'secret', value: SECRET },
    issuer: 'https://issuer.test',
    audience: 'api',
  });
  assert.equal(ok.json.status, 'verified');
  const bad = await postApi(port, cookie, 'verify', {
    token,
    key: { kind: 'secret', value: 'x'.repeat(32) },
  });
  assert.equal(bad.json.status, 'invalid');
  const s = await postApi(port, cookie, 'sign', {
    header: '{"alg":"HS256"}',
    payload: '{"sub":"me"}',
    key: { kind: 'secret', value: SECRET },
  });
  assert.equal(s.status, 200);
  const back = await postApi(port, cookie, 'verify', {
    token: s.json.token,
    key: { kind: 'secret', value: SECRET },
  });
  assert.equal(back.json.status, 'verified');
  const refused = await postApi(port, cookie, 'sign', {
    header: '{"alg":"none"}',
    payload: '{}',
    key: { kind: 'secret', value: SECRET },
  });
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error.code, 'ERR_ALG_NOT_ALLOWED');
});

test('API errors never echo the token or the secret', async () => {
  const marker = 'SECRETMARKER';
  const bodies: [string, unknown][] = [
    [
      'sign',
      {
        header: `{"alg":"HS256","x":"${marker}"`,
        payload: '{}',
        key: { kind: 'secret', value: marker },
      },
    ],
    [
      'sign',
      {
        header: '{"alg":"ES256"}',
        payload: '{}',
        key: {
          kind: 'private',
          value: `-----BEGIN PRIVATE KEY-----\n${marker}\n-----END PRIVATE KEY-----`,
        },
      },
    ],
    ['verify', { token: `${marker}.${marker}.${marker}`, key: { kind: 'secret', value: marker } }],
    [
      'verify',
      { token: hsToken(), key: { kind: 'public', value: `{"kty":"EC","x":"${marker}"}` } },
    ],
  ];
  for (const [name, body] of bodies) {
    const r = await postApi(port, cookie, name, body);
    assert.ok(!r.body.includes(marker), `${name}: ${r.body}`);
  }
  const broken = await rawRequest(port, '/_tessera/api/verify', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: `{"token":"${marker}"`,
  });
  assert.equal(broken.status, 400);
  assert.ok(!broken.body.includes(marker));
});

test('JSON bodies are capped, must be application/json, and cross-origin posts are refused', async () => {
  const big = await postApi(port, cookie, 'decode', { token: 'a'.repeat(70 * 1024) });
  assert.equal(big.status, 413);
  const form = await rawRequest(port, '/_tessera/api/decode', {
    method: 'POST',
    headers: { cookie, 'content-type': 'text/plain' },
    body: '{"token":"x"}',
  });
  assert.equal(form.status, 415);
  const cross = await rawRequest(port, '/_tessera/api/decode', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example' },
    body: '{"token":"x"}',
  });
  assert.equal(cross.status, 403);
  const same = await rawRequest(port, '/_tessera/api/decode', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
    body: '{"token":"x"}',
  });
  assert.equal(same.status, 200);
});

test('network fetches are refused without --allow-network; with it, only https URLs', async () => {
  const r = await postApi(port, cookie, 'jwks', { url: 'https://issuer.example/jwks' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'ERR_NETWORK_DISABLED');
  const cfg = await rawRequest(port, '/_tessera/api/config', { headers: { cookie } });
  assert.equal(JSON.parse(cfg.body).allowNetwork, false);
  const net = await startUi({ allowNetwork: true });
  try {
    const c = await enterSession(net.url);
    const http = await postApi(net.port, c, 'jwks', { url: `http://127.0.0.1:${net.port}/jwks` });
    assert.equal(http.status, 400);
    assert.equal(http.json.error.code, 'ERR_JWKS_URL_INVALID');
    const cfg2 = await rawRequest(net.port, '/_tessera/api/config', { headers: { cookie: c } });
    assert.equal(JSON.parse(cfg2.body).allowNetwork, true);
  } finally {
    await net.close();
  }
});

/** A JWKS on plain http://127.0.0.1 (a local issuer such as `npm start`'s). */
async function startHttpJwks(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x'.repeat(43), kid: req.url }] }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('an http://127.0.0.1 JWKS with --allow-network alone is refused naming --allow-http-loopback; with it, fetched', async () => {
  const local = await startHttpJwks();
  const net = await startUi({ allowNetwork: true });
  const loop = await startUi({ allowNetwork: true, allowHttpLoopback: true });
  try {
    const c = await enterSession(net.url);
    const refused = await postApi(net.port, c, 'jwks', { url: `${local.url}/jwks` });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.code, 'ERR_JWKS_URL_INVALID');
    assert.match(refused.json.error.message, /--allow-http-loopback/);
    const c2 = await enterSession(loop.url);
    const fetched = await postApi(loop.port, c2, 'jwks', { url: `${local.url}/jwks` });
    assert.equal(fetched.status, 200, JSON.stringify(fetched.json));
    assert.equal(fetched.json.jwks.keys[0].kid, '/jwks');
    // Loopback only: plain http elsewhere stays refused (the core's rule).
    const remote = await postApi(loop.port, c2, 'jwks', { url: 'http://issuer.example/jwks' });
    assert.equal(remote.status, 400);
    assert.equal(remote.json.error.code, 'ERR_JWKS_URL_INVALID');
    const cfg = await rawRequest(loop.port, '/_tessera/api/config', { headers: { cookie: c2 } });
    assert.equal(JSON.parse(cfg.body).allowHttpLoopback, true);
  } finally {
    await Promise.all([net.close(), loop.close(), local.close()]);
  }
});

test("the page's own issuer JWKS (serve --demo) is fetched without --allow-network; any other URL is still refused", async () => {
  const local = await startHttpJwks();
  const own = await startUi({ ownJwksUrl: () => `${local.url}/jwks` });
  try {
    const c = await enterSession(own.url);
    const cfg = await rawRequest(own.port, '/_tessera/api/config', { headers: { cookie: c } });
    assert.equal(JSON.parse(cfg.body).ownJwksUrl, `${local.url}/jwks`);
    assert.equal(JSON.parse(cfg.body).allowNetwork, false);
    const fetched = await postApi(own.port, c, 'jwks', { url: `${local.url}/jwks` });
    assert.equal(fetched.status, 200, JSON.stringify(fetched.json));
    for (const url of [`${local.url}/other`, 'https://issuer.example/jwks']) {
      const refused = await postApi(own.port, c, 'jwks', { url });
      assert.equal(refused.status, 403, url);
      assert.equal(refused.json.error.code, 'ERR_NETWORK_DISABLED');
    }
  } finally {
    await Promise.all([own.close(), local.close()]);
  }
});

test("the audit API runs @tessera/inspect's rules on the cleaned token", async () => {
  const token = hsToken();
  const r = await postApi(port, cookie, 'audit', { token: `Bearer ${token}` });
  assert.equal(r.status, 200);
  const direct = auditToken(token);
  assert.deepEqual(
    r.json.findings.map((f: { id: string }) => f.id),
    direct.map((f) => f.id),
  );
  const none = await postApi(port, cookie, 'audit', {
    token: `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`,
  });
  assert.ok(none.json.findings.some((f: { id: string }) => f.id === 'alg-none'));
  assert.ok(none.json.findings.some((f: { id: string }) => f.id === 'exp-missing'));
});

test("trace/render returns the injected renderer's SVG as a data: image plus the exchange list", async () => {
  const r = await postApi(port, cookie, 'trace/render', sampleTrace());
  assert.equal(r.status, 200);
  assert.match(r.json.svgDataUrl, /^data:image\/svg\+xml;base64,/);
  assert.match(Buffer.from(r.json.svgDataUrl.split(',')[1], 'base64').toString(), /<svg/);
  assert.equal(r.json.summary.exchanges.length, 3);
  assert.deepEqual(r.json.summary.exchanges[0].credentials, ['password-field: password']);
  assert.deepEqual(r.json.summary.exchanges[1].presented, ['#1']);
  assert.equal(r.json.summary.assertions[0].ok, true);
});

test('demo mount: handle() answers only its own paths, without a session, and live trace is served', async () => {
  const ui2 = createUiHandler({
    session: false,
    liveTrace: () => sampleTrace(),
    renderTraceSvg: minimalTraceSvg,
  });
  assert.equal(ui2.entryPath, undefined);
  const server: Server = createServer((req, res) => {
    if (ui2.handle(req, res)) return;
    res.statusCode = 200;
    res.end('issuer route');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const p = (server.address() as AddressInfo).port;
  try {
    const page = await rawRequest(p, '/');
    assert.equal(page.status, 200);
    assertSecurityHeaders(page.headers, 'demo page');
    assert.equal((await rawRequest(p, '/jwks')).body, 'issuer route');
    assert.equal((await rawRequest(p, '/s/anything')).body, 'issuer route');
    const live = await rawRequest(p, '/_tessera/api/trace/live');
    assert.equal(live.status, 200);
    assert.equal(JSON.parse(live.body).summary.exchanges.length, 3);
    assert.equal((await rawRequest(p, '/', { headers: { host: 'evil.example' } })).status, 403);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});
