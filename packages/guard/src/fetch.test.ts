import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard } from './guard.js';
import { AUDIENCE, startIssuer } from './test-support/issuer.js';

const request = (headers: Record<string, string> = {}, path = '/orders') =>
  new Request(`https://api.test${path}`, { headers });

test('verifyRequest: a Request in, the auth context or an RFC 6750 Response out', async () => {
  const issuer = await startIssuer();
  const guard = createGuard({
    issuer: issuer.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    realm: 'orders',
    cookie: 'at',
  });
  try {
    const ok = await guard.verifyRequest(request({ authorization: `Bearer ${issuer.mint()}` }), {
      scopes: ['orders:read'],
    });
    assert.ok(!(ok instanceof Response));
    assert.equal(ok.subject, 'user-1');
    assert.equal(ok.clientId, 'client-1');

    const fromCookie = await guard.verifyRequest(request({ cookie: `x=1; at=${issuer.mint()}` }));
    assert.ok(!(fromCookie instanceof Response));

    const none = await guard.verifyRequest(request());
    assert.ok(none instanceof Response);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="orders"');
    assert.equal(none.headers.get('cache-control'), 'no-store');

    const token = issuer.mint();
    const bad = await guard.verifyRequest(
      request({ authorization: `Bearer ${token.slice(0, -4)}AAAA` }),
    );
    assert.ok(bad instanceof Response);
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const body = await bad.text();
    assert.ok(!body.includes(token.slice(0, 20)), 'the token never appears in the answer');

    const scope = await guard.verifyRequest(request({ authorization: `Bearer ${issuer.mint()}` }), {
      scopes: ['admin'],
    });
    assert.ok(scope instanceof Response);
    assert.equal(scope.status, 403);
    assert.match(scope.headers.get('www-authenticate') ?? '', /insufficient_scope.*scope="admin"/);

    const query = await guard.verifyRequest(request({}, `/orders?access_token=${issuer.mint()}`));
    assert.ok(query instanceof Response);
    assert.equal(query.status, 400);

    const two = await guard.verifyRequest(
      request({ authorization: `Bearer ${issuer.mint()}`, cookie: `at=${issuer.mint()}` }),
    );
    assert.ok(two instanceof Response);
    assert.equal(two.status, 400);
  } finally {
    guard.close();
    await issuer.close();
  }
});

test('verifyRequest: an unreachable issuer is a 503 Response, not a thrown error', async () => {
  const issuer = await startIssuer();
  issuer.mode.metadata = 'down';
  issuer.mode.openid = 'down';
  const guard = createGuard({ issuer: issuer.url, audience: AUDIENCE, allowHttpLoopback: true });
  try {
    const res = await guard.verifyRequest(request({ authorization: `Bearer ${issuer.mint()}` }));
    assert.ok(res instanceof Response);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('www-authenticate'), null);
    assert.equal((await res.json()).error, 'temporarily_unavailable');
  } finally {
    guard.close();
    await issuer.close();
  }
});
