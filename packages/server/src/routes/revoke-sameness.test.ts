import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_SKIP, login, makeIssuer, post, type StoreKind } from '../test-support/harness.js';

/**
 * The attack: a client posts strings to /revoke and tells live tokens of other clients (400 "not
 * issued to this client") from junk (200). RFC 7009 §2.2: the answer is now the same 200, same
 * body, same headers; the foreign token is left alone and the attempt is audited.
 * @see docs/security.md#revoke-sameness
 */
for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `${kind}: /revoke with another client's token answers exactly as for an unknown string`,
    { skip: kind === 'postgres' ? PG_SKIP : false },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const victim = await login(t); // issued to web-app
        const attacker = t.basic(t.ccClientId, t.ccClientSecret);
        const revoke = async (token: string) => {
          const r = await post(t.app, '/revoke', { token }, { authorization: attacker });
          const headers = { ...r.headers };
          delete headers['date'];
          return { status: r.status, body: r.body, headers };
        };
        const unknown = await revoke('not-a-token-of-anyone');
        const foreignRefresh = await revoke(victim.refresh_token);
        const foreignAccess = await revoke(victim.access_token);
        assert.equal(unknown.status, 200);
        assert.deepEqual(foreignRefresh, unknown, 'refresh token: same status, body, headers');
        assert.deepEqual(foreignAccess, unknown, 'access token: same status, body, headers');

        // The victim's tokens still work.
        const own = t.basic();
        const rt = await post(
          t.app,
          '/introspect',
          { token: victim.refresh_token },
          { authorization: own },
        );
        assert.equal(rt.json['active'], true);
        const at = await post(
          t.app,
          '/introspect',
          { token: victim.access_token },
          { authorization: own },
        );
        assert.equal(at.json['active'], true);
        const feed = await t.app.inject('/revocations');
        const claims = JSON.parse(
          Buffer.from(feed.body.split('.')[1]!, 'base64url').toString(),
        ) as { revoked: unknown[] };
        assert.deepEqual(claims.revoked, [], 'nothing was put on the feed');
        const refreshed = await post(
          t.app,
          '/token',
          { grant_type: 'refresh_token', refresh_token: victim.refresh_token },
          { authorization: own },
        );
        assert.equal(refreshed.status, 200);

        // The attempts are in the audit, attributed to the caller, without the token.
        const rows = await t.store.listAuditEvents(50, 'token.revocation_refused');
        assert.equal(rows.length, 2);
        for (const r of rows) {
          assert.equal(r.client_id, t.ccClientId);
          assert.equal(r.subject, t.userId);
          assert.ok(
            !r.detail.includes(victim.refresh_token) && !r.detail.includes(victim.access_token),
          );
        }
        assert.deepEqual(rows.map((r) => JSON.parse(r.detail).kind).sort(), [
          'access_token',
          'refresh_token',
        ]);
        assert.equal((await t.store.listAuditEvents(50, 'token.revoked')).length, 0);
      } finally {
        await t.close();
      }
    },
  );
}
