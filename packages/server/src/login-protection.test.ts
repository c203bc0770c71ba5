import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countAuditEvents, makeIssuer, post } from './test-support/harness.js';

test('per-(account, address) back-off: after the threshold even the right password waits (429 + Retry-After), then succeeds', async () => {
  const t = await makeIssuer('sqlite', {
    loginProtection: { pairThreshold: 3, ipThreshold: 100, baseDelaySeconds: 2 },
  });
  try {
    const tryLogin = (username: string, password: string) =>
      post(
        t.app,
        '/token',
        { grant_type: 'password', username, password },
        { authorization: t.basic() },
      );
    for (let i = 0; i < 3; i++)
      assert.equal((await tryLogin('alice', 'wrong-password')).status, 400);
    const blocked = await tryLogin('alice', t.password);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.json['error'], 'invalid_grant');
    assert.equal(blocked.headers['retry-after'], '2');
    // Unknown accounts back off the same way: the answer reveals nothing about existence.
    for (let i = 0; i < 3; i++) await tryLogin('mallory', 'wrong-password');
    const unknown = await tryLogin('mallory', 'whatever');
    assert.deepEqual([unknown.status, unknown.body], [429, blocked.body]);
    // Another account is not affected.
    t.clock.ms += 3000;
    assert.equal((await tryLogin('alice', t.password)).status, 200);
    assert.ok((await countAuditEvents(t.store, 'login.blocked')) >= 2);
  } finally {
    await t.close();
  }
});

test('per-IP back-off: spraying many usernames from one address is slowed down', async () => {
  const t = await makeIssuer('sqlite', {
    loginProtection: { pairThreshold: 100, ipThreshold: 4, baseDelaySeconds: 1 },
  });
  try {
    for (let i = 0; i < 4; i++) {
      const r = await post(
        t.app,
        '/token',
        { grant_type: 'password', username: `user${i}`, password: 'guess-guess' },
        { authorization: t.basic() },
      );
      assert.equal(r.status, 400);
    }
    const r = await post(
      t.app,
      '/token',
      { grant_type: 'password', username: 'alice', password: t.password },
      { authorization: t.basic() },
    );
    assert.equal(r.status, 429);
    const other = await t.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: '10.9.9.9',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: t.basic() },
      payload: new URLSearchParams({
        grant_type: 'password',
        username: 'alice',
        password: t.password,
      }).toString(),
    });
    assert.equal(other.statusCode, 200, 'another address is not blocked');
  } finally {
    await t.close();
  }
});
