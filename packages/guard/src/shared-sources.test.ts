import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteKeySet, JoseError } from '@tessera/jose';
import { GuardError } from './bearer.js';
import { createGuard } from './guard.js';
import { AUDIENCE, startIssuer, type TestIssuer } from './test-support/issuer.js';

const issuers: TestIssuer[] = [];
after(async () => {
  await Promise.all(issuers.map((i) => i.close()));
});

const options = (issuer: TestIssuer, intervalMs = 60_000) => ({
  issuer: issuer.url,
  audience: AUDIENCE,
  allowHttpLoopback: true,
  keys: { cooldownMs: 200, timeoutMs: 1000 },
  discoveryTimeoutMs: 1000,
  revocation: { intervalMs },
});

test('100 guards in one process share one discovery, one key set and one feed: 3 requests at cold start', async () => {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const guards = Array.from({ length: 100 }, () => createGuard(options(issuer)));
  try {
    const token = issuer.mint();
    const results = await Promise.all(guards.map((g) => g.verify(token)));
    assert.ok(results.every((r) => r.subject === 'user-1'));
    assert.deepEqual(
      [
        issuer.hitsOf('/.well-known/oauth-authorization-server'),
        issuer.hitsOf('/jwks'),
        issuer.hitsOf('/revocations'),
      ],
      [1, 1, 1],
    );
    // One revocation list for all: a poll through any guard is seen by every guard.
    issuer.revoked = [{ jti: 'gone', exp: Math.floor(Date.now() / 1000) + 600 }];
    await guards[0]!.pollRevocations();
    const revoked = issuer.mint({ jti: 'gone' });
    const refused = await Promise.allSettled(guards.map((g) => g.verify(revoked)));
    assert.ok(
      refused.every((r) => r.status === 'rejected' && r.reason instanceof GuardError),
      'every guard refuses the revoked token',
    );
  } finally {
    for (const g of guards) g.close();
  }
});

test('guards that differ in audience share the keys but each checks its own audience', async () => {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const a = createGuard(options(issuer));
  const b = createGuard({ ...options(issuer), audience: 'https://other.test' });
  try {
    const token = issuer.mint();
    assert.equal((await a.verify(token)).subject, 'user-1');
    await assert.rejects(
      b.verify(token),
      (e: unknown) => e instanceof GuardError && e.status === 401,
    );
    assert.equal(issuer.hitsOf('/jwks'), 1);
  } finally {
    a.close();
    b.close();
  }
});

test('the shared feed poller stops when the last guard closes, not before', async () => {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const a = createGuard(options(issuer, 100));
  const b = createGuard(options(issuer, 100));
  await Promise.all([a.ready(), b.ready()]);
  a.close();
  const before = issuer.hitsOf('/revocations');
  await sleep(400);
  const whileB = issuer.hitsOf('/revocations');
  assert.ok(whileB > before, 'still polled for the guard left open');
  b.close();
  await sleep(150);
  const closedAt = issuer.hitsOf('/revocations');
  await sleep(400);
  assert.equal(issuer.hitsOf('/revocations'), closedAt, 'no poll after the last close');
});

test('polls are spread by ±20 % and an unchanged feed is a 304', async () => {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const g = createGuard(options(issuer, 100));
  try {
    await g.ready();
    await sleep(1100);
    const polls = issuer.hitsOf('/revocations');
    // 1.1 s at 80–120 ms per interval (plus the poll's own time): never more than 14 polls.
    assert.ok(polls >= 3 && polls <= 15, `${polls} polls`);
    assert.ok(issuer.hitsOf('/revocations#304') > 0, 'conditional polls answered 304');
    assert.ok(Date.now() - g.status().revocations!.updatedAt! < 500, 'a 304 counts as fresh');
  } finally {
    g.close();
  }
});

test('revocation.push must be a boolean', () => {
  assert.throws(
    () =>
      createGuard({
        issuer: 'https://auth.test',
        audience: 'api',
        revocation: { push: 'yes' as unknown as boolean },
      }),
    (e: unknown) => e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID',
  );
});

test('createRemoteKeySet jitter: validated; spreads the freshness period', async () => {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const sets = Array.from({ length: 20 }, () =>
    createRemoteKeySet(`${issuer.url}/jwks`, {
      allowHttpLoopback: true,
      jitter: 0.2,
      maxAgeMs: 10_000,
      cooldownMs: 0,
    }),
  );
  await Promise.all(sets.map((k) => k.reload()));
  const periods = sets.map((k) => k.status().freshUntil! - k.status().fetchedAt!);
  assert.ok(
    periods.every((p) => p >= 8000 && p <= 12_000),
    periods.join(),
  );
  assert.ok(new Set(periods).size > 1, 'not all the same');
  assert.throws(
    () => createRemoteKeySet('https://auth.test/jwks', { jitter: 0.6 }),
    (e: unknown) => e instanceof JoseError && e.code === 'ERR_OPTIONS_INVALID',
  );
  assert.throws(
    () => createRemoteKeySet('https://auth.test/jwks', { jitter: -0.1 }),
    (e: unknown) => e instanceof JoseError && e.code === 'ERR_OPTIONS_INVALID',
  );
});
