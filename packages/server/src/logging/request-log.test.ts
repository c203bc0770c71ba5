import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { login, makeIssuer } from '../test-support/harness.js';
import { logAddress } from './request-log.js';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('logAddress: full, IPv4 /24, IPv6 /48, mapped IPv4, omit', () => {
  assert.equal(logAddress('203.0.113.7', 'full'), '203.0.113.7');
  assert.equal(logAddress('203.0.113.7', 'truncate'), '203.0.113.0/24');
  assert.equal(logAddress('::ffff:203.0.113.7', 'truncate'), '203.0.113.0/24');
  assert.equal(
    logAddress('2001:db8:85a3:8d3:1319:8a2e:370:7348', 'truncate'),
    '2001:db8:85a3::/48',
  );
  assert.equal(logAddress('2001:db8::1', 'truncate'), '2001:db8:0::/48');
  assert.equal(logAddress('203.0.113.7', 'omit'), undefined);
  assert.equal(logAddress('not-an-ip', 'truncate'), undefined);
});

test('request logs: one JSON line per request with its id; no token, secret or password; truncated addresses', async () => {
  const log = sink();
  const t = await makeIssuer('sqlite', {}, undefined, {
    logger: { level: 'info', stream: log.stream },
    logIp: 'truncate',
  });
  try {
    const s = await login(t);
    const r = await t.app.inject({
      method: 'POST',
      url: '/token?foo=query-secret',
      remoteAddress: '203.0.113.7',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: t.basic(),
        'x-request-id': 'from-client-1',
      },
      payload: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: s.refresh_token,
      }).toString(),
    });
    assert.equal(r.statusCode, 200);
    assert.notEqual(
      r.headers['x-request-id'],
      'from-client-1',
      'an untrusted X-Request-Id is not taken',
    );
    const requests = log.lines().filter((l) => l['msg'] === 'request');
    assert.equal(requests.length, 2, 'one line per request');
    const last = requests[1]!;
    assert.equal(last['reqId'], r.headers['x-request-id']);
    assert.deepEqual(
      [last['method'], last['route'], last['path'], last['status'], last['ip']],
      ['POST', '/token', '/token', 200, '203.0.113.0/24'],
    );
    assert.equal(typeof last['ms'], 'number');
    const all = log.text();
    for (const secret of [
      t.password,
      t.clientSecret,
      s.access_token,
      s.refresh_token,
      'query-secret',
      '203.0.113.7',
    ])
      assert.equal(all.includes(secret), false, `log leaks ${secret.slice(0, 8)}…`);
    assert.ok(
      log
        .lines()
        .some((l) => (l['audit'] as { type?: string } | undefined)?.type === 'token.refreshed'),
    );
  } finally {
    await t.close();
  }
});

test('--trust-proxy: X-Request-Id and X-Forwarded-For are believed from listed proxies only; login back-off keys on the real client', async () => {
  const log = sink();
  const t = await makeIssuer(
    'sqlite',
    { loginProtection: { ipThreshold: 2, pairThreshold: 100 } },
    undefined,
    {
      logger: { level: 'info', stream: log.stream },
      trustProxy: ['10.0.0.5'],
    },
  );
  try {
    const attempt = (remoteAddress: string, forwardedFor: string, user: string) =>
      t.app.inject({
        method: 'POST',
        url: '/token',
        remoteAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: t.basic(),
          'x-forwarded-for': forwardedFor,
          'x-request-id': 'edge-42',
        },
        payload: new URLSearchParams({
          grant_type: 'password',
          username: user,
          password: 'wrong-password-1',
        }).toString(),
      });
    const viaProxy = await attempt('10.0.0.5', '198.51.100.9', 'u1');
    assert.equal(viaProxy.headers['x-request-id'], 'edge-42');
    await attempt('10.0.0.5', '198.51.100.9', 'u2');
    // Two failures from the real client 198.51.100.9 (behind the proxy) put that address in back-off…
    assert.equal((await attempt('10.0.0.5', '198.51.100.9', 'u3')).statusCode, 429);
    assert.ok(await t.store.getLoginFailure('ip:198.51.100.9'));
    assert.equal(await t.store.getLoginFailure('ip:10.0.0.5'), undefined, 'never the proxy');
    // …while another client behind the same proxy is not blocked.
    assert.equal((await attempt('10.0.0.5', '198.51.100.10', 'u4')).statusCode, 400);
    // An untrusted peer's X-Forwarded-For and X-Request-Id are ignored: it is keyed on itself.
    const direct = await attempt('192.0.2.77', '198.51.100.9', 'u5');
    assert.equal(direct.statusCode, 400);
    assert.notEqual(direct.headers['x-request-id'], 'edge-42');
    assert.ok(await t.store.getLoginFailure('ip:192.0.2.77'));
    const ips = log
      .lines()
      .filter((l) => l['msg'] === 'request')
      .map((l) => l['ip']);
    assert.deepEqual(ips, [
      '198.51.100.9',
      '198.51.100.9',
      '198.51.100.9',
      '198.51.100.10',
      '192.0.2.77',
    ]);
  } finally {
    await t.close();
  }
});
