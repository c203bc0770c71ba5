import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createGuard } from './guard.js';
import { guardHealth } from './health.js';
import { instrumentGuard } from './metrics.js';
import { AUDIENCE, startIssuer, type TestIssuer } from './test-support/issuer.js';

const issuers: TestIssuer[] = [];
after(async () => {
  await Promise.all(issuers.map((i) => i.close()));
});

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('guard metrics in the app registry: outcomes, key cache, JWKS fetches and failures, feed staleness; no token or subject in labels', async () => {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const registry = new Registry();
  const plain = createGuard({
    issuer: issuer.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    keys: { cooldownMs: 0, timeoutMs: 500 },
    discoveryTimeoutMs: 500,
    revocation: { intervalMs: 60_000 },
  });
  const guard = instrumentGuard(plain, { registry });
  try {
    const token = issuer.mint({ sub: 'user-secret-name' });
    await guard.authenticate({ authorization: `Bearer ${token}` }); // first use: keys fetched (miss)
    await guard.authenticate({ authorization: `Bearer ${token}` }); // cached keys (hit)
    await assert.rejects(guard.authenticate({ authorization: undefined }));
    await assert.rejects(guard.verify(issuer.mint({ exp: Math.floor(Date.now() / 1000) - 3600 })));
    const foreign = issuer.newKey('ES256', 'not-published');
    issuer.mode.jwks = 'down';
    await assert.rejects(guard.verify(issuer.mint({}, { key: foreign })));
    const text = await registry.metrics();
    assert.equal(sample(text, 'tessera_guard_verifications_total{outcome="ok"}'), 2);
    assert.equal(sample(text, 'tessera_guard_verifications_total{outcome="no_token"}'), 1);
    assert.ok(
      /tessera_guard_verifications_total\{outcome="[a-z_]*exp[a-z_]*"\} 1/i.test(text),
      text,
    );
    assert.equal(
      sample(text, 'tessera_guard_key_cache_total{result="hit"}'),
      2,
      'the second call and the no-token refusal',
    );
    assert.ok((sample(text, 'tessera_guard_key_cache_total{result="miss"}') ?? 0) >= 2);
    assert.ok((sample(text, 'tessera_guard_jwks_fetches_total') ?? 0) >= 2);
    assert.ok(
      (sample(text, 'tessera_guard_jwks_fetch_failures_total') ?? 0) >= 1,
      'the refetch for an unknown kid failed',
    );
    assert.equal(sample(text, 'tessera_guard_keys_loaded'), issuer.published.length);
    const staleness = sample(text, 'tessera_guard_revocation_feed_staleness_seconds');
    assert.ok(staleness !== undefined && staleness >= 0 && staleness < 30, String(staleness));
    assert.equal(text.includes('user-secret-name'), false);
    assert.equal(text.includes(token.slice(-20)), false);

    const h = guardHealth(guard);
    assert.equal(h.keys.loaded, issuer.published.length);
    assert.equal(h.keys.lastError, 'ERR_JWKS_FETCH_FAILED');
    assert.equal(h.revocations?.entries, 0);
    assert.notEqual(h.status, 'unavailable');
    assert.equal(
      guardHealth(guard, { now: Date.now() + 3_600_000 }).status,
      'degraded',
      'stale keys and feed an hour later',
    );
  } finally {
    guard.close();
  }
});

test('guardHealth before ready(): unavailable; after ready(): ok', async () => {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const guard = createGuard({ issuer: issuer.url, audience: AUDIENCE, allowHttpLoopback: true });
  try {
    assert.equal(guardHealth(guard).status, 'unavailable');
    await guard.ready();
    const h = guardHealth(guard);
    assert.deepEqual(
      [h.status, h.keys.loaded, h.keys.fresh, h.revocations],
      ['ok', issuer.published.length, true, null],
    );
  } finally {
    guard.close();
  }
});
