import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, PG_SKIP, type StoreKind } from '../test-support/harness.js';
import type { RefreshTokenRow, SessionRow, SigningKeyRow, Store } from './store.js';

const session = (id: string, now = 1000): SessionRow => ({
  id,
  user_id: 'u1',
  client_id: 'c1',
  created_at: now,
  expires_at: now + 3600,
  ended_at: null,
  ended_reason: null,
  browser_session_id: null,
  acr: null,
  amr: null,
  auth_time: null,
});
const token = (hash: string, sid: string, parent: string | null = null): RefreshTokenRow => ({
  hash,
  session_id: sid,
  parent_hash: parent,
  state: 'active',
  client_id: 'c1',
  user_id: 'u1',
  scope: 'read',
  created_at: 1000,
  expires_at: 5000,
  rotated_at_ms: null,
  successor: null,
  dpop_jkt: null,
  access_jti: null,
  access_exp: null,
});
const key = (kid: string, state: string): SigningKeyRow => ({
  kid,
  alg: 'EdDSA',
  state,
  public_jwk: '{}',
  private_enc: 'sealed',
  created_at: 1,
  activated_at: null,
  retiring_at: null,
  retired_at: null,
  purpose: 'access',
});

async function withStore(
  t: TestContext,
  kind: StoreKind,
  fn: (s: Store) => Promise<void>,
): Promise<void> {
  if (kind === 'postgres' && PG_SKIP !== false) {
    t.skip(PG_SKIP);
    return;
  }
  const ts = await openTestStore(kind);
  try {
    await fn(ts.store);
  } finally {
    await ts.dispose();
  }
}

// The same suite runs against both implementations.
for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: users are created, found, listed and updated; usernames are unique`, (t) =>
    withStore(t, kind, async (s) => {
      const row = {
        id: 'u1',
        username: 'alice',
        password_hash: 'h',
        roles: '[]',
        disabled: 0,
        created_at: 1,
        updated_at: 1,
        email: null,
        email_verified: 0,
        name: null,
      };
      await s.insertUser(row);
      await s.insertUser({ ...row, id: 'u2', username: 'bob' });
      await assert.rejects(s.insertUser({ ...row, id: 'u3' }));
      assert.deepEqual(await s.findUserByUsername('alice'), row);
      assert.equal(await s.findUserByUsername("alice' OR '1'='1"), undefined);
      assert.equal((await s.findUserById('u2'))?.username, 'bob');
      assert.deepEqual(
        (await s.listUsers()).map((u) => u.username),
        ['alice', 'bob'],
      );
      assert.equal(await s.updateUser('u1', { disabled: 1 }), true);
      assert.equal(await s.updateUser('nope', { disabled: 1 }), false);
      assert.equal((await s.findUserById('u1'))?.disabled, 1);
    }));

  test(`${kind}: clients round-trip with a nullable secret hash`, (t) =>
    withStore(t, kind, async (s) => {
      const c = {
        id: 'c1',
        name: 'web',
        secret_hash: null,
        first_party: 1,
        grant_types: '["password"]',
        scopes: '[]',
        audience: 'api',
        disabled: 0,
        created_at: 5,
        redirect_uris: '[]',
        post_logout_redirect_uris: '[]',
        require_par: 0,
        token_endpoint_auth_method: null,
        jwks: null,
        jwks_uri: null,
        backchannel_logout_uri: null,
        id_token_signed_response_alg: null,
        require_dpop: 0,
        introspect_audiences: '["api"]',
        credentials_sid: null,
        mfa: null,
      };
      await s.insertClient(c);
      assert.deepEqual(await s.findClient('c1'), c);
      assert.equal(await s.updateClient('c1', { secret_hash: 'x' }), true);
      assert.equal((await s.listClients())[0]?.secret_hash, 'x');
    }));

  test(`${kind}: ending a session revokes its whole refresh family once`, (t) =>
    withStore(t, kind, async (s) => {
      await s.createSession(session('s1'), token('h1', 's1'));
      await s.createSession(session('s2'), token('h2', 's2'));
      assert.equal(await s.endSession('s1', 'logout', 2000), true);
      assert.equal(await s.endSession('s1', 'logout', 2001), false);
      assert.equal((await s.findRefreshToken('h1'))?.state, 'revoked');
      assert.equal((await s.findRefreshToken('h2'))?.state, 'active');
      assert.equal((await s.findSession('s1'))?.ended_reason, 'logout');
    }));

  test(`${kind}: ending a user's sessions revokes every open family of that user only`, (t) =>
    withStore(t, kind, async (s) => {
      await s.createSession(session('s1'), token('h1', 's1'));
      await s.createSession(session('s2'), token('h2', 's2'));
      await s.createSession(
        { ...session('s3'), user_id: 'u2' },
        { ...token('h3', 's3'), user_id: 'u2' },
      );
      await s.endSession('s2', 'logout', 1500);
      assert.deepEqual(await s.endUserSessions('u1', 'user_disabled', 2000), ['s1']);
      assert.equal((await s.findRefreshToken('h1'))?.state, 'revoked');
      assert.equal((await s.findRefreshToken('h3'))?.state, 'active');
      assert.deepEqual(await s.endUserSessions('u1', 'user_disabled', 2001), []);
    }));

  test(`${kind}: ending a client's sessions revokes the families it started only`, (t) =>
    withStore(t, kind, async (s) => {
      await s.createSession(session('s1'), token('h1', 's1'));
      await s.createSession(
        { ...session('s2'), client_id: 'c2' },
        { ...token('h2', 's2'), client_id: 'c2' },
      );
      assert.deepEqual(await s.endClientSessions('c1', 'client_disabled', 2000), ['s1']);
      assert.equal((await s.findRefreshToken('h1'))?.state, 'revoked');
      assert.equal((await s.findSession('s1'))?.ended_reason, 'client_disabled');
      assert.equal((await s.findRefreshToken('h2'))?.state, 'active');
      assert.deepEqual(await s.endClientSessions('c1', 'client_disabled', 2001), []);
    }));

  test(`${kind}: ending a user's browser sessions ends only that user's open ones`, (t) =>
    withStore(t, kind, async (s) => {
      const browser = (id: string, user: string) => ({
        id,
        token_hash: `hash-${id}`,
        user_id: user,
        auth_time: 1000,
        amr: '["pwd"]',
        acr: '0',
        last_seen_at: 1000,
        expires_at: 9000,
        ended_at: null,
      });
      await s.createBrowserSession(browser('b1', 'u1'));
      await s.createBrowserSession(browser('b2', 'u2'));
      assert.deepEqual(await s.endUserBrowserSessions('u1', 2000), ['b1']);
      assert.equal((await s.findBrowserSessionById('b1'))?.ended_at, 2000);
      assert.equal((await s.findBrowserSessionById('b2'))?.ended_at, null);
      assert.deepEqual(await s.endUserBrowserSessions('u1', 2001), []);
    }));

  test(`${kind}: a failed session insert leaves no token behind (one transaction)`, (t) =>
    withStore(t, kind, async (s) => {
      await s.createSession(session('s1'), token('h1', 's1'));
      await assert.rejects(s.createSession(session('s1'), token('h-new', 's1')));
      assert.equal(await s.findRefreshToken('h-new'), undefined);
    }));

  test(`${kind}: rotation is a compare-and-swap — 20 concurrent rotations, exactly one wins`, (t) =>
    withStore(t, kind, async (s) => {
      await s.createSession(session('s1'), token('h0', 's1'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s.rotateRefreshToken('h0', 1_000_000 + i, `sealed-${i}`, token(`succ-${i}`, 's1', 'h0')),
        ),
      );
      const winners = results.filter((r) => r.rotated);
      assert.equal(winners.length, 1);
      for (const r of results) if (!r.rotated) assert.equal(r.current?.state, 'rotated');
      const spent = await s.findRefreshToken('h0');
      assert.equal(spent?.state, 'rotated');
      const i = Number(spent?.successor?.slice('sealed-'.length));
      assert.equal((await s.findRefreshToken(`succ-${i}`))?.state, 'active');
      for (let j = 0; j < 20; j++)
        if (j !== i) assert.equal(await s.findRefreshToken(`succ-${j}`), undefined);
    }));

  test(`${kind}: revocations keep the later expiry, list only live entries, and are purged`, (t) =>
    withStore(t, kind, async (s) => {
      await s.addRevocation('jti', 'j1', 2000, 100);
      await s.addRevocation('jti', 'j1', 1500, 110);
      await s.addRevocation('sid', 's1', 3000, 120);
      await s.addRevocation('jti', 'old', 500, 90);
      assert.equal(await s.isRevoked('jti', 'j1', 1999), true);
      assert.equal(await s.isRevoked('jti', 'j1', 2000), false);
      assert.equal(await s.isRevoked('sid', 'j1', 1000), false);
      assert.deepEqual(
        (await s.listRevocations(1000)).map((r) => [r.kind, r.value, r.expires_at]),
        [
          ['jti', 'j1', 2000],
          ['sid', 's1', 3000],
        ],
      );
      await s.purgeExpired(2500);
      assert.deepEqual(
        (await s.listRevocations(0)).map((r) => r.value),
        ['s1'],
      );
    }));

  test(`${kind}: signing-key transitions are compare-and-swap and can erase the private half`, (t) =>
    withStore(t, kind, async (s) => {
      await s.insertSigningKey(key('k1', 'next'));
      assert.equal(await s.transitionSigningKey('k1', 'next', 'active', 10), true);
      assert.equal(await s.transitionSigningKey('k1', 'next', 'active', 11), false);
      assert.equal(await s.transitionSigningKey('k1', 'active', 'retiring', 20), true);
      assert.equal(await s.transitionSigningKey('k1', 'retiring', 'retired', 30, true), true);
      const [row] = await s.listSigningKeys();
      assert.deepEqual(
        [row?.state, row?.activated_at, row?.retiring_at, row?.retired_at, row?.private_enc],
        ['retired', 10, 20, 30, ''],
      );
    }));

  test(`${kind}: a lease has one holder until it expires`, (t) =>
    withStore(t, kind, async (s) => {
      assert.equal(await s.acquireLease('rot', 'A', 1000, 10_000), true);
      assert.equal(await s.acquireLease('rot', 'B', 1000, 10_500), false);
      assert.equal(await s.acquireLease('rot', 'A', 1000, 10_600), true); // renewal
      assert.equal(await s.acquireLease('rot', 'B', 1000, 11_700), true); // A's lease expired
      await s.releaseLease('rot', 'A'); // not A's any more: no effect
      assert.equal(await s.acquireLease('rot', 'A', 1000, 11_800), false);
      const both = await Promise.all([
        s.acquireLease('x', 'A', 1000, 0),
        s.acquireLease('x', 'B', 1000, 0),
      ]);
      assert.equal(both.filter(Boolean).length, 1);
    }));

  test(`${kind}: concurrent login reservations stop at the threshold, back off and start over after the window`, (t) =>
    withStore(t, kind, async (s) => {
      const rule = { threshold: 3, baseDelaySeconds: 2, maxDelaySeconds: 5, windowSeconds: 60 };
      const rs = await Promise.all(
        Array.from({ length: 20 }, () => s.reserveLoginAttempt('pair:x', 100, rule)),
      );
      assert.equal(rs.filter((r) => r.reserved).length, 3);
      assert.deepEqual(
        rs.flatMap((r) => (r.reserved ? [r.count] : [])).sort((a, b) => a - b),
        [1, 2, 3],
      );
      assert.ok(rs.every((r) => r.reserved || r.retryAfter === 2));
      assert.equal(Number((await s.getLoginFailure('pair:x'))?.blocked_until), 102);
      // After the block one more attempt is reserved, and the next block doubles (capped at 5).
      const again = await s.reserveLoginAttempt('pair:x', 102, rule);
      assert.deepEqual(again, { reserved: true, count: 4 });
      assert.equal(Number((await s.getLoginFailure('pair:x'))?.blocked_until), 106);
      assert.deepEqual(await s.reserveLoginAttempt('pair:x', 103, rule), {
        reserved: false,
        retryAfter: 3,
      });
      await s.reserveLoginAttempt('pair:x', 106, rule);
      assert.equal(Number((await s.getLoginFailure('pair:x'))?.blocked_until), 111);
      // A release gives back the count only; the block in force stays. A quiet window starts over.
      await s.releaseLoginAttempt('pair:x');
      const released = await s.getLoginFailure('pair:x');
      assert.deepEqual([Number(released?.failures), Number(released?.blocked_until)], [4, 111]);
      assert.deepEqual(await s.reserveLoginAttempt('pair:x', 500, rule), {
        reserved: true,
        count: 1,
      });
      await s.clearLoginFailures('pair:x');
      assert.equal(await s.getLoginFailure('pair:x'), undefined);
    }));

  test(`${kind}: audit events are appended and listed newest first`, (t) =>
    withStore(t, kind, async (s) => {
      await s.insertAuditEvent({
        id: 'a',
        at_ms: 1,
        type: 'login.failed',
        subject: null,
        client_id: 'c',
        ip: '1.2.3.4',
        detail: '{}',
        count: 1,
        last_at_ms: null,
        bucket: null,
      });
      await s.insertAuditEvent({
        id: 'b',
        at_ms: 2,
        type: 'login.succeeded',
        subject: 'u',
        client_id: 'c',
        ip: null,
        detail: '{}',
        count: 1,
        last_at_ms: null,
        bucket: null,
      });
      assert.deepEqual(
        (await s.listAuditEvents(10)).map((e) => e.id),
        ['b', 'a'],
      );
      assert.deepEqual(
        (await s.listAuditEvents(10, 'login.failed')).map((e) => e.id),
        ['a'],
      );
    }));

  test(`${kind}: a DPoP proof key is recorded once — 20 concurrent calls, one true; taken over after expiry`, (t) =>
    withStore(t, kind, async (s) => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => s.recordDpopProof('p1', 1060, 1000)),
      );
      assert.equal(results.filter((r) => r).length, 1);
      assert.equal(await s.recordDpopProof('p1', 1070, 1059), false, 'still live: a replay');
      assert.equal(await s.recordDpopProof('p2', 1060, 1000), true, 'another proof');
      assert.equal(await s.recordDpopProof('p1', 1120, 1060), true, 'expired entry taken over');
      assert.equal(await s.recordDpopProof('p1', 1130, 1061), false);
      await s.purgeExpired(2000);
      assert.equal(await s.recordDpopProof('p2', 2060, 2000), true);
    }));

  test(`${kind}: a refresh token's DPoP binding survives rotation (both rotation paths) and the joined read`, (t) =>
    withStore(t, kind, async (s) => {
      await s.createSession(session('sb'), { ...token('b0', 'sb'), dpop_jkt: 'jkt-1' });
      const r = await s.rotateRefreshToken('b0', 1_000_000, 'sealed', {
        ...token('b1', 'sb', 'b0'),
        dpop_jkt: 'jkt-1',
      });
      assert.equal(r.rotated, true);
      assert.equal((await s.findRefreshToken('b1'))?.dpop_jkt, 'jkt-1');
      assert.equal((await s.findRefreshGrant('b1'))?.token.dpop_jkt, 'jkt-1');
      assert.equal((await s.findRefreshGrant('b0'))?.token.dpop_jkt, 'jkt-1');
    }));

  test(`${kind}: a server secret is created once; later candidates get the first one`, (t) =>
    withStore(t, kind, async (s) => {
      const all = await Promise.all(
        Array.from({ length: 10 }, (_, i) => s.getOrCreateSecret('n', `cand-${i}`, 1)),
      );
      assert.equal(new Set(all).size, 1);
      assert.equal(await s.getOrCreateSecret('n', 'late', 2), all[0]);
      assert.equal(await s.getOrCreateSecret('other', 'x', 2), 'x');
    }));

  test(`${kind}: migrations are idempotent`, (t) =>
    withStore(t, kind, async (s) => {
      await s.migrate();
      await s.ping();
    }));
}
