import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { run } from './jwks.js';
import { memoryIo } from '../test-support/memory-io.js';
import { ecPublicJwk } from '../test-support/fixtures.js';

const server = createServer((req, res) => {
  if (req.url === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: [ecPublicJwk] }));
  } else if (req.url === '/notjwks') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"hello":1}');
  } else if (req.url === '/huge') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"keys":[],"pad":"${'x'.repeat(600 * 1024)}"}`);
  } else if (req.url === '/slow') {
    setTimeout(() => res.end('{"keys":[]}'), 3000).unref();
  } else {
    res.writeHead(302, { location: 'https://evil.example/jwks' });
    res.end();
  }
});
const base = new Promise<string>((r) =>
  server.listen(0, '127.0.0.1', () =>
    r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  ),
);
after(() => {
  server.closeAllConnections();
  server.close();
});

test('jwks fetch prints the key set from a loopback server with the explicit allowance', async () => {
  const io = memoryIo();
  assert.equal(await run(['fetch', `${await base}/jwks`, '--allow-http-loopback'], io), 0);
  assert.deepEqual(JSON.parse(io.out()), { keys: [ecPublicJwk] });
});

test('jwks fetch refuses http without the allowance, and non-loopback http entirely (exit 2)', async () => {
  const io = memoryIo();
  assert.equal(await run(['fetch', `${await base}/jwks`], io), 2);
  assert.equal(
    await run(['fetch', 'http://example.com/jwks', '--allow-http-loopback'], memoryIo()),
    2,
  );
  assert.equal(await run(['fetch', 'ftp://example.com/jwks'], memoryIo()), 2);
  assert.equal(await run(['fetch', 'not a url'], memoryIo()), 2);
  assert.equal(await run(['fetch'], memoryIo()), 2);
});

test('jwks fetch network errors exit 5: redirect, not a JWKS, too large, timeout', async () => {
  const b = await base;
  for (const [path, extra] of [
    ['/redirect', []],
    ['/notjwks', []],
    ['/huge', []],
    ['/slow', ['--timeout', '1s']],
  ] as const) {
    const io = memoryIo();
    assert.equal(
      await run(['fetch', `${b}${path}`, '--allow-http-loopback', ...extra, '--json'], io),
      5,
      path,
    );
    const r = JSON.parse(io.out());
    assert.equal(r.error.exitCode, 5);
    assert.equal(r.jwks, null);
  }
});

test('jwks fetch: a refused connection names the URL once (never its query) and the reason, exit 5', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const io = memoryIo();
  const url = `http://127.0.0.1:${port}/jwks`;
  assert.equal(await run(['fetch', `${url}?api_key=hidden`, '--allow-http-loopback'], io), 5);
  assert.match(
    io.err(),
    new RegExp(`the request to ${url.replace(/\./g, '\\.')} failed \\(ECONNREFUSED\\)`),
  );
  assert.equal(io.err().split(url).length - 1, 1, `the URL once: ${io.err()}`);
  assert.doesNotMatch(io.err(), /hidden/);
});
