import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from '@tessera/jose';
import { createClient } from '../clients.js';
import { resolveConfig } from '../config.js';
import { PG_SKIP, makeIssuer, type StoreKind, type TestIssuer } from '../test-support/harness.js';

/**
 * The revocation feed can be kept from the public (#12 item 11): `feed.access` `clients` serves
 * it to authenticated resource-server clients only, `token` to holders of a bearer credential.
 * Each refuses an unauthenticated fetch (feed, conditional fetch and stream) with 401 and
 * `WWW-Authenticate`, and serves an authenticated one. The default stays public.
 * @see docs/security.md#feed-access
 */
const FEED_TOKEN = 'feed-token-0123456789abcdef';
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function feed(t: TestIssuer, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url: '/revocations', headers });
}

/** Open the SSE stream on a real port; resolves with the status, headers and first event's data. */
async function stream(t: TestIssuer, headers: Record<string, string> = {}) {
  if (t.app.server.listening === false) await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return new Promise<{ status: number; headers: IncomingMessage['headers']; data: string }>(
    (resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path: '/revocations/stream', headers }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          res.on('data', (c: string) => (buf += c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, data: buf }),
          );
          return;
        }
        res.on('data', (c: string) => {
          buf += c;
          const m = /^data: (.+)$/m.exec(buf);
          if (m !== null) {
            req.destroy();
            resolve({ status: 200, headers: res.headers, data: m[1]! });
          }
        });
      });
      req.on('error', reject);
    },
  );
}

function assertFeed(body: string): void {
  assert.deepEqual(Object.keys(decodeJwt(body)).sort(), ['exp', 'iat', 'iss', 'revoked']);
}

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  const skip = kind === 'postgres' ? PG_SKIP : false;

  test(
    `${kind}: feed.access clients: an unauthenticated fetch is 401 + WWW-Authenticate Basic; a resource-server client is served`,
    { skip },
    async () => {
      const t = await makeIssuer(kind, { feed: { access: 'clients' } });
      try {
        const rs = await createClient(
          { store: t.store, defaultAudience: 'api' },
          {
            name: 'orders API',
            clientId: 'rs-orders',
            grantTypes: [],
            introspectAudiences: ['api'],
          },
        );
        const good = basic('rs-orders', rs.clientSecret!);

        const anon = await feed(t);
        assert.equal(anon.statusCode, 401);
        assert.equal(anon.headers['www-authenticate'], 'Basic realm="tessera", charset="UTF-8"');
        assert.equal(anon.json().error, 'invalid_client');
        assert.ok(!anon.body.includes('.'), 'no feed in the body');

        const served = await feed(t, { authorization: good });
        assert.equal(served.statusCode, 200);
        assertFeed(served.body);
        assert.equal(served.headers['cache-control'], 'private, max-age=5', 'not in shared caches');

        // A conditional fetch without credentials is not a 304: the ETag is no way in.
        const etag = String(served.headers['etag']);
        const cond = await feed(t, { 'if-none-match': etag });
        assert.equal(cond.statusCode, 401);
        assert.equal(
          (await feed(t, { authorization: good, 'if-none-match': etag })).statusCode,
          304,
        );

        // Refusals of the attack's variants: a wrong secret, a client that is no resource server,
        // a bearer token instead of client credentials.
        const wrong = await feed(t, { authorization: basic('rs-orders', 'not-the-secret') });
        assert.equal(wrong.statusCode, 401);
        assert.match(String(wrong.headers['www-authenticate']), /^Basic /);
        const notRs = await feed(t, { authorization: t.basic() });
        assert.deepEqual([notRs.statusCode, notRs.json().error], [403, 'unauthorized_client']);
        const bearer = await feed(t, { authorization: `Bearer ${FEED_TOKEN}` });
        assert.equal(bearer.statusCode, 401);
        assert.match(String(bearer.headers['www-authenticate']), /^Basic /);

        const anonStream = await stream(t);
        assert.equal(anonStream.status, 401);
        assert.match(String(anonStream.headers['www-authenticate']), /^Basic /);
        const okStream = await stream(t, { authorization: good });
        assert.equal(okStream.status, 200);
        assertFeed(okStream.data);
      } finally {
        await t.close();
      }
    },
  );

  test(
    `${kind}: feed.access token: an unauthenticated fetch is 401 + WWW-Authenticate Bearer; the feed token is served`,
    { skip },
    async () => {
      const t = await makeIssuer(kind, { feed: { access: 'token', token: FEED_TOKEN } });
      try {
        const good = `Bearer ${FEED_TOKEN}`;
        const anon = await feed(t);
        assert.equal(anon.statusCode, 401);
        assert.equal(anon.headers['www-authenticate'], 'Bearer realm="tessera"');
        const served = await feed(t, { authorization: good });
        assert.equal(served.statusCode, 200);
        assertFeed(served.body);
        assert.equal(served.headers['cache-control'], 'private, max-age=5');

        const wrong = await feed(t, { authorization: `Bearer ${FEED_TOKEN}x` });
        assert.equal(wrong.statusCode, 401);
        assert.equal(
          wrong.headers['www-authenticate'],
          'Bearer realm="tessera", error="invalid_token"',
        );
        // Client credentials are not the feed credential in this mode.
        assert.equal((await feed(t, { authorization: t.basic() })).statusCode, 401);
        const etag = String(served.headers['etag']);
        assert.equal((await feed(t, { 'if-none-match': etag })).statusCode, 401);

        const anonStream = await stream(t);
        assert.equal(anonStream.status, 401);
        assert.equal(anonStream.headers['www-authenticate'], 'Bearer realm="tessera"');
        const okStream = await stream(t, { authorization: good });
        assert.equal(okStream.status, 200);
        assertFeed(okStream.data);
      } finally {
        await t.close();
      }
    },
  );
}

test('feed.access public (the default): anyone is served, with a public Cache-Control', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const r = await feed(t);
    assert.equal(r.statusCode, 200);
    assertFeed(r.body);
    assert.equal(r.headers['cache-control'], 'public, max-age=5');
    assert.equal((await stream(t)).status, 200);
  } finally {
    await t.close();
  }
});

test('feed.access: bad configurations are refused at start', () => {
  const issuer = 'https://auth.example';
  assert.equal(resolveConfig({ issuer }).feed.access, 'public');
  assert.throws(() => resolveConfig({ issuer, feed: { access: 'token' } }), /feed\.token/);
  assert.throws(
    () => resolveConfig({ issuer, feed: { access: 'token', token: 'short' } }),
    /at least 16 characters/,
  );
  assert.throws(
    () => resolveConfig({ issuer, feed: { access: 'clients', token: FEED_TOKEN } }),
    /only with feed\.access token/,
  );
  assert.throws(
    () => resolveConfig({ issuer, feed: { access: 'private' as 'public' } }),
    /feed\.access must be one of public, clients, token/,
  );
});
