/**
 * The HTTP behaviour every adapter must show, checked against a real server on 127.0.0.1.
 * The server under test serves `GET /orders` (scope `orders:read`) and `GET /admin` (scope
 * `admin`), answering `{ subject, clientId, scopes }` from the auth context.
 */
import assert from 'node:assert/strict';
import { calculateJwkThumbprint, createDpopProof, generateKeyPair } from '@tessera/jose';
import { createGuard, type Guard } from '../guard.js';
import { AUDIENCE, startIssuer, type TestIssuer } from './issuer.js';

export interface AdapterFixture {
  issuer: TestIssuer;
  guard: Guard;
  close(): Promise<void>;
}

export async function adapterFixture(): Promise<AdapterFixture> {
  const issuer = await startIssuer();
  const guard = createGuard({
    issuer: issuer.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    realm: 'orders',
    revocation: { intervalMs: 100 },
    keys: { cooldownMs: 200, timeoutMs: 500 },
  });
  return {
    issuer,
    guard,
    async close() {
      guard.close();
      await issuer.close();
    },
  };
}

export async function checkAdapter(base: string, { issuer }: AdapterFixture): Promise<void> {
  const get = (path: string, authorization?: string) =>
    fetch(`${base}${path}`, authorization === undefined ? {} : { headers: { authorization } });

  let res = await get('/orders', `Bearer ${issuer.mint()}`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    subject: 'user-1',
    clientId: 'client-1',
    scopes: ['orders:read', 'profile'],
  });

  res = await get('/orders');
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="orders"');
  await res.arrayBuffer();

  const token = issuer.mint();
  res = await get('/orders', `Bearer ${token.slice(0, -4)}AAAA`);
  assert.equal(res.status, 401);
  assert.equal(
    res.headers.get('www-authenticate'),
    'Bearer realm="orders", error="invalid_token", error_description="The access token is invalid"',
  );
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = await res.text();
  assert.deepEqual(JSON.parse(body), {
    error: 'invalid_token',
    error_description: 'The access token is invalid',
  });
  assert.ok(!body.includes(token.slice(0, 20)));

  res = await get('/admin', `Bearer ${issuer.mint()}`);
  assert.equal(res.status, 403);
  assert.match(
    res.headers.get('www-authenticate') ?? '',
    /error="insufficient_scope".*scope="admin"/,
  );
  await res.arrayBuffer();

  res = await get(`/orders?access_token=${issuer.mint()}`);
  assert.equal(res.status, 400);
  assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
  await res.arrayBuffer();

  res = await get('/orders', 'Bearer a"b');
  assert.equal(res.status, 400);
  await res.arrayBuffer();

  // DPoP (RFC 9449 §7): the adapter hands over method, DPoP header and the request's origin.
  const dpopKey = generateKeyPair('ES256');
  const bound = issuer.mint({ cnf: { jkt: calculateJwkThumbprint(dpopKey.publicKey) } });
  const proof = (htu: string) =>
    createDpopProof({ key: dpopKey.privateKey, htm: 'GET', htu, accessToken: bound });
  res = await fetch(`${base}/orders?page=1`, {
    headers: { authorization: `DPoP ${bound}`, dpop: proof(`${base}/orders`) },
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.arrayBuffer();
  res = await fetch(`${base}/orders`, {
    headers: { authorization: `DPoP ${bound}`, dpop: proof(`${base}/admin`) },
  });
  assert.equal(res.status, 401);
  assert.match(
    res.headers.get('www-authenticate') ?? '',
    /^DPoP realm="orders", error="invalid_dpop_proof", .*algs="/,
  );
  await res.arrayBuffer();
  res = await get('/orders', `Bearer ${bound}`);
  assert.equal(res.status, 401);
  assert.match(
    res.headers.get('www-authenticate') ?? '',
    /^DPoP realm="orders", error="invalid_token"/,
  );
  await res.arrayBuffer();

  // Revocation reaches this server through the feed within one poll interval.
  const revoked = issuer.mint({ jti: 'revoke-me' });
  res = await get('/orders', `Bearer ${revoked}`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  issuer.revoked = [{ jti: 'revoke-me', exp: Math.floor(Date.now() / 1000) + 600 }];
  await new Promise((r) => setTimeout(r, 300));
  res = await get('/orders', `Bearer ${revoked}`);
  assert.equal(res.status, 401);
  await res.arrayBuffer();
}
