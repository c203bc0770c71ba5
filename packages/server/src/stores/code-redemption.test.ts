/**
 * The code exchange's store unit (code-redemption.ts) on both stores: one winner among concurrent
 * redemptions, the plan's rows committed with the spend, a refused plan still spends the code,
 * and nothing of a failed unit is left behind.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, PG_SKIP, type StoreKind } from '../test-support/harness.js';
import type { AuthorizationCodeRow, CodeRedemptionPlan, Store } from './store.js';

const NOW = 1_000;

async function withStore(t: TestContext, kind: StoreKind, fn: (s: Store) => Promise<void>) {
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

async function seed(s: Store, codes: string[]): Promise<void> {
  await s.insertUser({
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
  });
  await s.createBrowserSession({
    id: 'b1',
    token_hash: 'bt1',
    user_id: 'u1',
    auth_time: NOW,
    amr: '["pwd"]',
    acr: '0',
    last_seen_at: NOW,
    expires_at: NOW + 3600,
    ended_at: null,
  });
  for (const hash of codes) {
    const row: AuthorizationCodeRow = {
      hash,
      client_id: 'c1',
      user_id: 'u1',
      browser_session_id: 'b1',
      redirect_uri: 'https://rp.test/cb',
      code_challenge: 'x',
      scope: 'openid',
      nonce: null,
      dpop_jkt: null,
      auth_time: NOW,
      expires_at: NOW + 60,
      used_at: null,
      issued_session_id: null,
      issued_jti: null,
      issued_exp: null,
    };
    await s.insertAuthorizationCode(row);
  }
}

const plan = (sid: string, hash: string): CodeRedemptionPlan => ({
  session: {
    id: sid,
    user_id: 'u1',
    client_id: 'c1',
    created_at: NOW,
    expires_at: NOW + 3600,
    ended_at: null,
    ended_reason: null,
    browser_session_id: 'b1',
    acr: 'urn:tessera:acr:pwd',
    amr: '["pwd"]',
    auth_time: NOW,
  },
  token: {
    hash,
    session_id: sid,
    parent_hash: null,
    state: 'active',
    client_id: 'c1',
    user_id: 'u1',
    scope: 'openid',
    created_at: NOW,
    expires_at: NOW + 3600,
    rotated_at_ms: null,
    successor: null,
    dpop_jkt: null,
    access_jti: null,
    access_exp: null,
  },
  audit: {
    id: `a-${sid}`,
    at_ms: NOW * 1000,
    type: 'token.issued',
    subject: 'u1',
    client_id: 'c1',
    ip: null,
    detail: '{}',
    count: 1,
    last_at_ms: null,
    bucket: null,
  },
});

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: of 20 concurrent redemptions of one code exactly one wins, and its rows commit with the spend`, (t) =>
    withStore(t, kind, async (s) => {
      await seed(s, ['code-1']);
      const seen: string[] = [];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s.redeemAuthorizationCode({
            hash: 'code-1',
            now: NOW,
            issuance: { sessionId: `s${i}`, jti: `j${i}`, exp: NOW + 300 },
            plan(row, browser, user) {
              seen.push(`${row.hash} ${browser?.id} ${user?.username}`);
              return plan(`s${i}`, `rt${i}`);
            },
          }),
        ),
      );
      const winners = results.filter((r) => r.consumed);
      assert.equal(winners.length, 1);
      // SQLite decides inside its one transaction; PostgreSQL before its one write statement,
      // so a concurrent loser may have planned too (nothing of its plan is written).
      if (kind === 'sqlite') assert.deepEqual(seen, ['code-1 b1 alice'], 'the plan runs once');
      else assert.ok(seen.length >= 1 && seen.every((x) => x === 'code-1 b1 alice'));
      const w = winners[0]!;
      assert.ok(w.consumed && w.plan !== undefined);
      const sid = w.row.issued_session_id!;
      assert.match(sid, /^s\d+$/);
      // The losers see the spent row with the winner's issuance (what a replay revokes).
      for (const r of results.filter((x) => !x.consumed)) {
        assert.equal(r.row?.issued_session_id, sid);
        assert.equal(r.row?.issued_jti, `j${sid.slice(1)}`);
      }
      assert.equal((await s.findSession(sid))?.browser_session_id, 'b1');
      assert.equal((await s.findRefreshToken(`rt${sid.slice(1)}`))?.state, 'active');
      assert.equal((await s.listAuditEvents(10, 'token.issued')).length, 1);
      for (let i = 0; i < 20; i++)
        if (`s${i}` !== sid) assert.equal(await s.findSession(`s${i}`), undefined, 'a loser wrote');
    }));

  test(`${kind}: a refused plan still spends the code (one attempt per code) and writes nothing else`, (t) =>
    withStore(t, kind, async (s) => {
      await seed(s, ['code-2']);
      const first = await s.redeemAuthorizationCode({
        hash: 'code-2',
        now: NOW,
        issuance: { sessionId: 's1', jti: 'j1', exp: NOW + 300 },
        plan: () => undefined,
      });
      assert.equal(first.consumed, true);
      assert.equal(first.consumed && first.plan, undefined);
      assert.equal(await s.findSession('s1'), undefined);
      const again = await s.redeemAuthorizationCode({
        hash: 'code-2',
        now: NOW,
        issuance: { sessionId: 's2', jti: 'j2', exp: NOW + 300 },
        plan: () => plan('s2', 'rt2'),
      });
      assert.equal(again.consumed, false);
      assert.equal(again.row?.used_at, NOW);
      assert.equal(await s.findSession('s2'), undefined);
    }));

  test(`${kind}: an unknown code spends nothing; a unit whose insert fails leaves the code unspent and nothing behind`, (t) =>
    withStore(t, kind, async (s) => {
      await seed(s, ['code-3', 'code-4']);
      const unknown = await s.redeemAuthorizationCode({
        hash: 'nope',
        now: NOW,
        issuance: { sessionId: 's9', jti: 'j9', exp: NOW + 300 },
        plan: () => plan('s9', 'rt9'),
      });
      assert.deepEqual(unknown, { consumed: false, row: undefined });
      // code-3's exchange writes refresh token rt-dup; code-4's plan reuses that primary key.
      await s.redeemAuthorizationCode({
        hash: 'code-3',
        now: NOW,
        issuance: { sessionId: 'sa', jti: 'ja', exp: NOW + 300 },
        plan: () => plan('sa', 'rt-dup'),
      });
      await assert.rejects(
        s.redeemAuthorizationCode({
          hash: 'code-4',
          now: NOW,
          issuance: { sessionId: 'sb', jti: 'jb', exp: NOW + 300 },
          plan: () => plan('sb', 'rt-dup'),
        }),
      );
      assert.equal(await s.findSession('sb'), undefined, 'its session insert rolled back');
      const retry = await s.redeemAuthorizationCode({
        hash: 'code-4',
        now: NOW,
        issuance: { sessionId: 'sc', jti: 'jc', exp: NOW + 300 },
        plan: () => plan('sc', 'rt-c'),
      });
      assert.equal(retry.consumed, true, 'the failed unit did not spend the code');
      assert.equal((await s.findSession('sc'))?.id, 'sc');
    }));

  test(`${kind}: a browser session ended before the write issues nothing, whatever the plan said`, (t) =>
    withStore(t, kind, async (s) => {
      await seed(s, ['code-5']);
      await s.endBrowserSession('b1', NOW);
      const r = await s.redeemAuthorizationCode({
        hash: 'code-5',
        now: NOW,
        issuance: { sessionId: 's5', jti: 'j5', exp: NOW + 300 },
        // SQLite hands the plan the ended session inside the transaction (the grant's plan
        // refuses it); PostgreSQL decides before its write, so the write re-checks it itself.
        plan: (_row, browser) =>
          kind === 'sqlite' && browser?.ended_at !== null ? undefined : plan('s5', 'rt5'),
      });
      assert.equal(r.consumed, true, 'the code is spent');
      assert.equal(r.consumed && r.plan, undefined);
      assert.equal(await s.findSession('s5'), undefined);
      assert.equal(await s.findRefreshToken('rt5'), undefined);
      assert.equal((await s.listAuditEvents(10, 'token.issued')).length, 0);
      const again = await s.redeemAuthorizationCode({
        hash: 'code-5',
        now: NOW,
        issuance: { sessionId: 's6', jti: 'j6', exp: NOW + 300 },
        plan: () => plan('s6', 'rt6'),
      });
      assert.equal(again.consumed, false);
      assert.equal(again.row?.issued_jti, 'j5');
    }));

  test(`${kind}: a user disabled before the write issues nothing, whatever the plan said`, (t) =>
    withStore(t, kind, async (s) => {
      await seed(s, ['code-7']);
      await s.updateUser('u1', { disabled: 1 });
      const r = await s.redeemAuthorizationCode({
        hash: 'code-7',
        now: NOW,
        issuance: { sessionId: 's7', jti: 'j7', exp: NOW + 300 },
        plan: (_row, _browser, user) =>
          kind === 'sqlite' && user?.disabled === 1 ? undefined : plan('s7', 'rt7'),
      });
      assert.equal(r.consumed, true, 'the code is spent');
      assert.equal(r.consumed && r.plan, undefined);
      assert.equal(await s.findSession('s7'), undefined);
      assert.equal(await s.findRefreshToken('rt7'), undefined);
    }));
}
