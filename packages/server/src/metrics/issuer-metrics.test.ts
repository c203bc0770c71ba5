import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../server.js';
import { login, makeIssuer, post, TEST_ARGON2 } from '../test-support/harness.js';
import { createIssuerMetrics } from './issuer-metrics.js';

const TOKEN = 'metrics-bearer-0123456789abcdef';

/** The value of one sample line, e.g. `tessera_login_failures_total 2`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('metrics: requests, grants by client, login failures and back-offs, reuse, revocations, keys, store latency — behind a bearer credential, with no user, token or secret in any label', async () => {
  const metrics = createIssuerMetrics({ processMetrics: false });
  const t = await makeIssuer(
    'sqlite',
    { loginProtection: { pairThreshold: 2 }, replayWindow: 1 },
    undefined,
    { metrics, metricsToken: TOKEN },
  );
  try {
    const s = await login(t);
    const auth = { authorization: t.basic() };
    const wrong = { grant_type: 'password', username: t.username, password: 'not-the-password-9' };
    for (let i = 0; i < 3; i++) await post(t.app, '/token', wrong, auth);
    const r1 = await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: s.refresh_token },
      auth,
    );
    assert.equal(r1.status, 200);
    t.clock.ms += 5000; // past the replay window: presenting the spent token again is reuse
    const reuse = await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: s.refresh_token },
      auth,
    );
    assert.equal(reuse.status, 400);
    const cc = await post(
      t.app,
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
    );
    assert.equal(cc.status, 200);
    await post(
      t.app,
      '/revoke',
      { token: cc.json['access_token'] as string },
      { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
    );

    assert.equal((await t.app.inject('/metrics')).statusCode, 401);
    const bad = await t.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.headers['www-authenticate'], 'Bearer realm="metrics"');
    const res = await t.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    const text = res.body;
    assert.equal(sample(text, 'tessera_tokens_issued_total{grant="password",client="web-app"}'), 1);
    assert.equal(
      sample(text, 'tessera_tokens_issued_total{grant="refresh_token",client="web-app"}'),
      1,
    );
    assert.equal(
      sample(text, 'tessera_tokens_issued_total{grant="client_credentials",client="svc"}'),
      1,
    );
    assert.equal(
      sample(text, 'tessera_login_failures_total'),
      2,
      'the third attempt met the back-off',
    );
    assert.equal(sample(text, 'tessera_login_backoffs_total'), 1);
    assert.equal(sample(text, 'tessera_refresh_reuse_detected_total{client="web-app"}'), 1);
    assert.equal(sample(text, 'tessera_revocations_total{event="token.revoked"}'), 1);
    // First start: the active key and the pre-published next one.
    assert.equal(sample(text, 'tessera_key_rotation_events_total{event="created"}'), 2);
    assert.equal(
      sample(text, 'tessera_http_requests_total{route="/token",method="POST",status="200"}'),
      3,
    );
    assert.equal(
      sample(text, 'tessera_http_requests_total{route="/token",method="POST",status="429"}'),
      1,
    );
    assert.ok(
      (sample(
        text,
        'tessera_store_query_duration_seconds_count{operation="rotateRefreshToken",outcome="ok"}',
      ) ?? 0) >= 1,
    );
    assert.ok((sample(text, 'tessera_active_key_age_seconds') ?? -1) >= 0);
    assert.equal(sample(text, 'tessera_feed_subscribers'), 0);
    // No label carries a user name, a user id, a token or a secret.
    for (const secret of [
      t.username,
      t.userId,
      t.password,
      t.clientSecret,
      t.ccClientSecret,
      s.access_token,
      s.refresh_token,
      'not-the-password-9',
      TOKEN,
    ])
      assert.equal(text.includes(secret), false, `metrics leak ${secret.slice(0, 6)}…`);
  } finally {
    await t.close();
  }
});

test('metrics are off by default; metrics.port serves them on a separate listener only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-metrics-'));
  const base = {
    port: 0,
    dataDir: dir,
    argon2: TEST_ARGON2,
    kek: randomBytes(32).toString('hex'),
    env: {},
  };
  try {
    const plain = await startServer(base);
    try {
      assert.equal((await fetch(`${plain.url}/metrics`)).status, 404);
      assert.equal(plain.metricsUrl, undefined);
    } finally {
      await plain.close();
    }
    const separate = await startServer({ ...base, metrics: { port: 0 } });
    try {
      assert.equal((await fetch(`${separate.url}/metrics`)).status, 404, 'not on the issuer port');
      await fetch(`${separate.url}/jwks`);
      const m = await fetch(separate.metricsUrl!);
      assert.equal(m.status, 200);
      const text = await m.text();
      assert.equal(
        sample(text, 'tessera_http_requests_total{route="/jwks",method="GET",status="200"}'),
        1,
      );
      assert.match(text, /tessera_process_cpu_seconds_total/);
      assert.equal((await fetch(separate.metricsUrl!.replace('/metrics', '/other'))).status, 404);
    } finally {
      await separate.close();
    }
    await assert.rejects(
      fetch(separate.metricsUrl!),
      'the metrics listener closes with the issuer',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
