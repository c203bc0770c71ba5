import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkFetchUrl, fetchJwks, isHttpLoopback } from './fetch.js';
import { JoseError } from '../base/errors.js';

const code = (c: string) => (e: unknown) => e instanceof JoseError && e.code === c;

let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('{"keys":[]}');
const server = createServer((_req, res) => answer(res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => server.close());

test('fetchJwks reads a key set from a real loopback server (allowed explicitly)', async () => {
  answer = (res) => res.end(JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA' }, 7] }));
  const jwks = await fetchJwks(`${base}/jwks`, { allowHttpLoopback: true });
  assert.deepEqual(jwks.keys, [{ kty: 'OKP', crv: 'Ed25519', x: 'AA' }]);
  await assert.rejects(fetchJwks(`${base}/jwks`), code('ERR_OPTIONS_INVALID'));
  await assert.rejects(
    fetchJwks('http://example.com/jwks', { allowHttpLoopback: true }),
    code('ERR_OPTIONS_INVALID'),
  );
});

test('fetchJwks refuses redirects, bad statuses, non-JWKS bodies and oversized bodies, naming the URL', async () => {
  answer = (res) => {
    res.statusCode = 302;
    res.setHeader('location', 'https://evil.example/jwks');
    res.end();
  };
  await assert.rejects(
    fetchJwks(`${base}/a?q=1`, { allowHttpLoopback: true }),
    (e: unknown) =>
      code('ERR_JWKS_FETCH_FAILED')(e) &&
      (e as Error).message.includes(`${base}/a`) &&
      !(e as Error).message.includes('q=1'),
  );
  answer = (res) => {
    res.statusCode = 500;
    res.end();
  };
  await assert.rejects(
    fetchJwks(`${base}/b`, { allowHttpLoopback: true }),
    code('ERR_JWKS_FETCH_FAILED'),
  );
  answer = (res) => res.end('{"nokeys":1}');
  await assert.rejects(
    fetchJwks(`${base}/c`, { allowHttpLoopback: true }),
    code('ERR_JWKS_INVALID'),
  );
  answer = (res) => res.end('not json');
  await assert.rejects(
    fetchJwks(`${base}/c`, { allowHttpLoopback: true }),
    code('ERR_JWKS_INVALID'),
  );
  answer = (res) => {
    res.write('{"keys":[');
    res.end(`${'{"kty":"oct"},'.repeat(200)}{}]}`);
  };
  await assert.rejects(
    fetchJwks(`${base}/d`, { allowHttpLoopback: true, maxResponseBytes: 1024 }),
    code('ERR_JWKS_INVALID'),
  );
});

test('fetchJwks uses an injected fetch, with redirects handed back rather than followed', async () => {
  const seen: { url: string; redirect: string | undefined }[] = [];
  const fake: typeof fetch = async (input, init) => {
    seen.push({ url: String(input), redirect: init?.redirect });
    return new Response('{"keys":[{"kty":"EC"}]}', { status: 200 });
  };
  const jwks = await fetchJwks('https://issuer.example/jwks', { fetch: fake });
  assert.deepEqual(jwks.keys, [{ kty: 'EC' }]);
  assert.deepEqual(seen, [{ url: 'https://issuer.example/jwks', redirect: 'manual' }]);
});

test('isHttpLoopback is exactly the http URLs that allowHttpLoopback opens', () => {
  const urls = [
    'http://127.0.0.1:4000/jwks',
    'http://127.9.9.9/jwks',
    'http://[::1]:4000/jwks',
    'http://LOCALHOST/jwks',
    'https://127.0.0.1/jwks',
    'http://127.0.0.1.evil.example/jwks',
    'http://10.0.0.1/jwks',
    'http://localhost.example/jwks',
    'not a url',
  ];
  for (const u of urls) {
    const opened = (() => {
      try {
        checkFetchUrl(u, false);
        return false;
      } catch {
        try {
          checkFetchUrl(u, true);
          return true;
        } catch {
          return false;
        }
      }
    })();
    assert.equal(isHttpLoopback(u), opened, u);
  }
  assert.equal(isHttpLoopback('http://127.0.0.1.evil.example/jwks'), false);
  assert.equal(isHttpLoopback('http://[::1]/jwks'), true);
});
