import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { GuardError, guardErrorResponse } from './bearer.js';
import { createGuard, type GuardOptions, type RevocationOptions } from './guard.js';
import { AUDIENCE, startIssuer, type TestIssuer } from './test-support/issuer.js';

/**
 * The attack: make the revocation feed unreachable (or answer a feed signed by another key), so
 * a guard keeps accepting tokens the issuer has revoked. Time is an injected clock: nothing here
 * sleeps for the staleness limit.
 */
const issuers: TestIssuer[] = [];
const guards: { close(): void }[] = [];
after(async () => {
  for (const g of guards) g.close();
  await Promise.all(issuers.map((i) => i.close()));
});

async function setup(revocation: RevocationOptions, extra: Partial<GuardOptions> = {}) {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const clock = { ms: Date.now() };
  const guard = createGuard({
    issuer: issuer.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    // Generous: the machine is shared and loaded; only the hung-feed case relies on a timeout.
    keys: { cooldownMs: 200, timeoutMs: 3000 },
    discoveryTimeoutMs: 5000,
    revocation: { intervalMs: 60_000, now: () => clock.ms, ...revocation },
    onError: () => {},
    ...extra,
  });
  guards.push(guard);
  return { issuer, guard, clock };
}

const stale = (e: unknown) =>
  e instanceof GuardError &&
  e.status === 503 &&
  e.error === 'temporarily_unavailable' &&
  e.reason === 'revocation_feed_stale';
const revoked = (e: unknown) =>
  e instanceof GuardError && e.status === 401 && e.reason === 'revoked';

test('feed down at start: the guard answers 503 temporarily_unavailable instead of an empty list', async () => {
  const { issuer, guard, clock } = await setup({});
  issuer.mode = { revocations: 'down' };
  const token = issuer.mint({ jti: 'revoked-while-down' });
  const err = await guard.verify(token).then(
    () => assert.fail('accepted with no feed'),
    (e: unknown) => e,
  );
  assert.ok(stale(err), `${(err as GuardError).status} ${(err as GuardError).reason}`);
  const res = guardErrorResponse(err as GuardError);
  assert.equal(res.status, 503);
  assert.match(res.headers['www-authenticate']!, /^Bearer error="temporarily_unavailable"/);
  assert.equal(res.headers['retry-after'], '5');
  // The feed comes back with the token revoked: the next poll (started by a refused request
  // once the retry delay passed) applies it, and the token is refused as revoked, not accepted.
  issuer.mode = {};
  issuer.revoked = [{ jti: 'revoked-while-down', exp: Math.floor(clock.ms / 1000) + 600 }];
  clock.ms += 5000;
  await assert.rejects(guard.verify(token), stale);
  await guard.pollRevocations();
  await assert.rejects(guard.verify(token), revoked);
  assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
});

test('feed down after a good poll: accepted within maxStaleness, 503 after it, served again on recovery', async () => {
  const { issuer, guard, clock } = await setup({ intervalMs: 10_000, maxStaleness: '30s' });
  const token = issuer.mint();
  assert.equal((await guard.verify(token)).subject, 'user-1');
  issuer.mode = { revocations: 'down' };
  clock.ms += 20_000;
  await guard.pollRevocations(); // fails: the list is kept
  assert.equal((await guard.verify(token)).subject, 'user-1', 'before the limit');
  clock.ms += 10_001;
  await assert.rejects(guard.verify(token), stale, 'after the limit');
  issuer.mode = {};
  await guard.pollRevocations();
  assert.equal((await guard.verify(token)).subject, 'user-1', 'fresh again');
});

test('default staleness: the feed’s own exp, capped at 5 minutes', async () => {
  const short = await setup({});
  await short.guard.ready(); // feed exp = iat + 60 s
  short.issuer.mode = { revocations: 'down' };
  short.clock.ms += 59_000;
  assert.equal((await short.guard.verify(short.issuer.mint())).subject, 'user-1');
  short.clock.ms += 2000;
  await assert.rejects(short.guard.verify(short.issuer.mint()), stale);

  const long = await setup({});
  long.issuer.feedLifetimeSeconds = 3600;
  await long.guard.ready();
  long.issuer.mode = { revocations: 'down' };
  long.clock.ms += 299_000;
  assert.equal((await long.guard.verify(long.issuer.mint())).subject, 'user-1');
  long.clock.ms += 2000;
  await assert.rejects(long.guard.verify(long.issuer.mint()), stale, 'a 1 h feed is trusted 5 min');
});

test('a feed signed by another key is not applied and does not keep the guard fresh', async () => {
  const { issuer, guard, clock } = await setup({ intervalMs: 10_000, maxStaleness: '30s' });
  const token = issuer.mint({ jti: 'jti-x' });
  assert.equal((await guard.verify(token)).subject, 'user-1');
  issuer.feedSignedByStranger = true;
  // The forged feed "un-revokes" nothing and revokes nothing; and each such poll is an error.
  issuer.revoked = [{ jti: 'jti-x', exp: Math.floor(clock.ms / 1000) + 600 }];
  clock.ms += 20_000;
  await guard.pollRevocations();
  assert.equal(guard.status().revocations?.entries, 0);
  assert.equal((await guard.verify(token)).subject, 'user-1', 'within the limit');
  clock.ms += 10_001;
  await assert.rejects(guard.verify(token), stale, 'forged feeds only: stale');
});

test('the first requests wait for the first poll, bounded by its timeout', async () => {
  // A slow (but working) feed: ten concurrent first requests for a revoked token all wait for
  // it and are refused as revoked — none is accepted against the still-empty list.
  const slow = await setup({});
  slow.issuer.feedDelayMs = 250;
  slow.issuer.revoked = [{ jti: 'r1', exp: Math.floor(Date.now() / 1000) + 600 }];
  const token = slow.issuer.mint({ jti: 'r1' });
  const all = await Promise.allSettled(Array.from({ length: 10 }, () => slow.guard.verify(token)));
  assert.ok(all.every((r) => r.status === 'rejected' && revoked(r.reason)));

  // A feed that never answers: the wait ends at the fetch timeout with a 503.
  const hung = await setup({}, { keys: { cooldownMs: 200, timeoutMs: 1000 } });
  hung.issuer.mode = { revocations: 'slow' };
  const t0 = Date.now();
  await assert.rejects(hung.guard.verify(hung.issuer.mint()), stale);
  assert.ok(Date.now() - t0 < 4000, `waited ${Date.now() - t0} ms`);
});

test("onFeedUnavailable: 'accept' accepts a stale guard's tokens and warns once per interval", async () => {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const { issuer, guard, clock } = await setup({
      intervalMs: 10_000,
      onFeedUnavailable: 'accept',
    });
    issuer.mode = { revocations: 'down' };
    assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
    assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /no revocation feed could be fetched/);
    clock.ms += 10_000;
    assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
    assert.equal(warnings.length, 2);
  } finally {
    console.warn = original;
  }
});

test('staleness options are checked at configuration time', () => {
  const base = { issuer: 'https://auth.test', audience: 'api' };
  const bad = (revocation: RevocationOptions) => () => createGuard({ ...base, revocation });
  const invalid = (e: unknown) =>
    e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID';
  assert.throws(bad({ intervalMs: 30_000, maxStaleness: '10s' }), invalid);
  assert.throws(bad({ maxStaleness: 'soon' }), invalid);
  assert.throws(bad({ onFeedUnavailable: 'ignore' as 'accept' }), invalid);
});

test('an unchanged feed answered 304 keeps the guard fresh (ETag polls do not go stale)', async () => {
  const { issuer, guard, clock } = await setup({ intervalMs: 10_000, maxStaleness: '30s' });
  // The same signed bytes on every poll, valid for the whole test: the issuer answers 304.
  issuer.feedIssuedAt = Math.floor(Date.now() / 1000);
  issuer.feedLifetimeSeconds = 3600;
  const token = issuer.mint();
  assert.equal((await guard.verify(token)).subject, 'user-1');
  for (let i = 0; i < 3; i++) {
    clock.ms += 20_000;
    await guard.pollRevocations();
    assert.equal((await guard.verify(token)).subject, 'user-1', `after ${(i + 1) * 20} s`);
  }
  assert.ok((issuer.hits.get('/revocations#304') ?? 0) >= 3, 'the polls were answered 304');
  // 304s stop (the feed is down): the limit counts from the last confirmation.
  issuer.mode = { revocations: 'down' };
  clock.ms += 30_001;
  await assert.rejects(guard.verify(token), stale);
});
