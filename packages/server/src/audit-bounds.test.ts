import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from './config.js';
import { PG_SKIP, makeIssuer, post, type StoreKind } from './test-support/harness.js';

/**
 * The attack: wrong client secrets (or blocked logins) cost the attacker nothing and each one
 * used to add an audit row, so the table grew without bound. Repeats now share one row per key
 * and minute with a count, and the purge job deletes rows past the retention.
 * @see docs/security.md#audit-bounds
 */
for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  const skip = kind === 'postgres' ? PG_SKIP : false;

  test(
    `${kind}: 1,000 wrong client secrets in a minute add one row with count 1000`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        // The minute starts now: all 1,000 land in it however long the run takes (injected clock).
        t.clock.ms = Math.floor(t.clock.ms / 60_000) * 60_000 + 1000;
        const wrong = t.basic(t.ccClientId, 'not-the-secret');
        const attempt = () =>
          post(t.app, '/token', { grant_type: 'client_credentials' }, { authorization: wrong });
        for (let batch = 0; batch < 20; batch++) {
          // 50 at once: the count is one atomic upsert, not read-modify-write.
          const answers = await Promise.all(Array.from({ length: 50 }, attempt));
          for (const a of answers) assert.equal(a.status, 401);
        }
        let rows = await t.store.listAuditEvents(5000, 'client.authentication_failed');
        assert.equal(rows.length, 1, 'one row for one key in one minute');
        assert.equal(rows[0]!.count, 1000);
        assert.equal(rows[0]!.client_id, t.ccClientId);
        assert.deepEqual(JSON.parse(rows[0]!.detail), { why: 'wrong secret' });
        assert.ok(rows[0]!.last_at_ms !== null && rows[0]!.last_at_ms >= rows[0]!.at_ms);

        // Another minute, another address: new rows; the total stays the number of events.
        t.clock.ms += 60_000;
        for (let i = 0; i < 10; i++) await attempt();
        const other = await t.app.inject({
          method: 'POST',
          url: '/token',
          remoteAddress: '192.0.2.7',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: wrong },
          payload: 'grant_type=client_credentials',
        });
        assert.equal(other.statusCode, 401);
        rows = await t.store.listAuditEvents(5000, 'client.authentication_failed');
        assert.deepEqual(rows.map((r) => [r.ip, r.count]).sort(), [
          ['127.0.0.1', 10],
          ['127.0.0.1', 1000],
          ['192.0.2.7', 1],
        ]);
        // Events of other types are not aggregated.
        const ok = await post(
          t.app,
          '/token',
          { grant_type: 'password', username: t.username, password: t.password },
          { authorization: t.basic() },
        );
        assert.equal(ok.status, 200);
        const ok2 = await post(
          t.app,
          '/token',
          { grant_type: 'password', username: t.username, password: t.password },
          { authorization: t.basic() },
        );
        assert.equal(ok2.status, 200);
        const succeeded = await t.store.listAuditEvents(10, 'login.succeeded');
        assert.deepEqual(
          succeeded.map((r) => r.count),
          [1, 1],
        );
      } finally {
        await t.close();
      }
    },
  );

  test(
    `${kind}: the purge job deletes audit rows older than the retention and keeps newer ones`,
    { skip },
    async () => {
      const t = await makeIssuer(kind, { auditRetention: '90d' }, undefined, {
        purgeIntervalMs: 25,
      });
      try {
        const audit = t.app.tessera.audit;
        const now = t.clock.ms;
        const day = 86_400_000;
        // Write at earlier times, then come back (the purge job reads the same injected clock).
        t.clock.ms = now - 91 * day;
        await audit.record({ type: 'user.updated', subject: 'old', detail: {} });
        t.clock.ms = now - 89 * day;
        await audit.record({ type: 'user.updated', subject: 'recent', detail: {} });
        t.clock.ms = now;
        await audit.record({ type: 'user.updated', subject: 'today', detail: {} });
        const deadline = Date.now() + 10_000;
        let subjects: (string | null)[] = [];
        do {
          await new Promise((r) => setTimeout(r, 50));
          subjects = (await t.store.listAuditEvents(100, 'user.updated')).map((r) => r.subject);
        } while (subjects.includes('old') && Date.now() < deadline);
        assert.deepEqual(subjects.sort(), ['recent', 'today']);
      } finally {
        await t.close();
      }
    },
  );
}

test('auditRetention: 90 days by default, a duration between 1 day and 10 years', () => {
  const issuer = 'https://auth.example';
  assert.equal(resolveConfig({ issuer }).auditRetention, 90 * 86400);
  assert.equal(resolveConfig({ issuer, auditRetention: '30d' }).auditRetention, 30 * 86400);
  for (const bad of ['1h', '3651d', 'forever'])
    assert.throws(() => resolveConfig({ issuer, auditRetention: bad as '1h' }), /auditRetention/);
});
