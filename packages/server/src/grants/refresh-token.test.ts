import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { hashRefreshToken } from '../refresh-tokens.js';
import {
  login,
  makeIssuer,
  PG_SKIP,
  post,
  type StoreKind,
  type TestIssuer,
} from '../test-support/harness.js';

const refresh = (
  t: TestIssuer,
  token: string,
  extra: Record<string, string> = {},
  auth = t.basic(),
) =>
  post(
    t.app,
    '/token',
    { grant_type: 'refresh_token', refresh_token: token, ...extra },
    { authorization: auth },
  );

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly StoreKind[]) {
  const skip = kind === 'postgres' ? PG_SKIP : false;

  test(
    `${kind}: every use rotates; the spent token is stored only as a hash`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const first = await login(t);
        t.clock.ms += 5000;
        const r = await refresh(t, first.refresh_token);
        assert.equal(r.status, 200);
        assert.equal(r.headers['cache-control'], 'no-store');
        assert.notEqual(r.json['refresh_token'], first.refresh_token);
        const [before, after] = [
          decodeJwt(first.access_token),
          decodeJwt(String(r.json['access_token'])),
        ];
        assert.equal(after['sid'], before['sid'], 'same session');
        assert.equal(after['auth_time'], before['auth_time'], 'auth_time stays the login time');
        // How the login went stays too (stored with the family): a password login.
        assert.equal(before['acr'], 'urn:tessera:acr:pwd');
        assert.deepEqual(before['amr'], ['pwd']);
        assert.equal(after['acr'], before['acr']);
        assert.deepEqual(after['amr'], before['amr']);
        const family = await t.store.findSession(String(before['sid']));
        assert.deepEqual(
          [family?.acr, family?.amr, family?.auth_time],
          ['urn:tessera:acr:pwd', '["pwd"]', before['auth_time']],
        );
        assert.equal(after.iat, before.iat! + 5);
        const spent = await t.store.findRefreshToken(hashRefreshToken(first.refresh_token));
        assert.equal(spent?.state, 'rotated');
        assert.ok(!JSON.stringify(spent).includes(first.refresh_token));
        assert.ok(
          !String(spent?.successor).includes(String(r.json['refresh_token'])),
          'the replay copy is encrypted',
        );
        const next = await t.store.findRefreshToken(
          hashRefreshToken(String(r.json['refresh_token'])),
        );
        assert.deepEqual([next?.state, next?.parent_hash], ['active', spent?.hash]);
      } finally {
        await t.close();
      }
    },
  );

  test(
    `${kind}: a retry within the replay window gets the identical response`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const first = await login(t);
        const a = await refresh(t, first.refresh_token);
        t.clock.ms += 5000;
        const b = await refresh(t, first.refresh_token);
        assert.equal(b.status, 200);
        assert.equal(b.body, a.body);
        // A different scope is not a retry: refused, and nothing is revoked.
        const c = await refresh(t, first.refresh_token, { scope: 'read' });
        assert.deepEqual([c.status, c.json['error']], [400, 'invalid_grant']);
        assert.equal((await refresh(t, String(a.json['refresh_token']))).status, 200);
        assert.ok((await t.store.listAuditEvents(50, 'token.replayed')).length >= 1);
      } finally {
        await t.close();
      }
    },
  );

  test(
    `${kind}: reuse of a spent token after the window revokes the whole family`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const first = await login(t);
        const second = await refresh(t, first.refresh_token);
        const sid = String(decodeJwt(first.access_token)['sid']);
        t.clock.ms += 11_000;
        const reuse = await refresh(t, first.refresh_token);
        assert.deepEqual([reuse.status, reuse.json['error']], [400, 'invalid_grant']);
        const successor = await refresh(t, String(second.json['refresh_token']));
        assert.deepEqual(
          [successor.status, successor.json['error']],
          [400, 'invalid_grant'],
          'the live successor died with the family',
        );
        assert.equal(
          await t.store.isRevoked('sid', sid, Math.floor(t.clock.ms / 1000)),
          true,
          'the session is on the revocation feed',
        );
        assert.equal((await t.store.findSession(sid))?.ended_reason, 'refresh_token_reuse');
        assert.equal((await t.store.listAuditEvents(50, 'refresh.reuse_detected')).length, 1);
        // Other sessions of the same user are untouched.
        const other = await login(t);
        assert.equal((await refresh(t, other.refresh_token)).status, 200);
      } finally {
        await t.close();
      }
    },
  );

  test(
    `${kind}: 100 concurrent uses of one refresh token produce exactly one rotation`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const first = await login(t);
        const results = await Promise.all(
          Array.from({ length: 100 }, () => refresh(t, first.refresh_token)),
        );
        const ok = results.filter((r) => r.status === 200);
        assert.equal(
          ok.length,
          100,
          `statuses: ${[...new Set(results.map((r) => r.status))].join(',')}`,
        );
        assert.equal(
          new Set(ok.map((r) => r.json['refresh_token'])).size,
          1,
          'one successor, replayed identically',
        );
        assert.equal(new Set(ok.map((r) => r.body)).size, 1);
        const sid = String(decodeJwt(first.access_token)['sid']);
        const db = (
          t.store as unknown as {
            db: import('kysely').Kysely<import('../stores/schema.js').Database>;
          }
        ).db;
        const family = await db
          .selectFrom('refresh_tokens')
          .selectAll()
          .where('session_id', '=', sid)
          .execute();
        assert.equal(family.length, 2, 'the original and one successor');
        assert.equal(
          family.filter((r) => r.state === 'active').length,
          1,
          'never two live successors',
        );
        assert.equal((await t.store.listAuditEvents(500, 'token.refreshed')).length, 1);
      } finally {
        await t.close();
      }
    },
  );
}

test('a refresh token works only for the client it was issued to', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const first = await login(t);
    const r = await refresh(t, first.refresh_token, {}, t.basic(t.ccClientId, t.ccClientSecret));
    assert.equal(r.status, 400);
    assert.equal(
      (await refresh(t, first.refresh_token)).status,
      200,
      'and the foreign attempt revoked nothing',
    );
  } finally {
    await t.close();
  }
});

test('refresh may narrow the scope, never widen it', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const first = await login(t, { scope: 'read' });
    const wide = await refresh(t, first.refresh_token, { scope: 'read write' });
    assert.deepEqual([wide.status, wide.json['error']], [400, 'invalid_scope']);
    const full = await login(t);
    const narrow = await refresh(t, full.refresh_token, { scope: 'read' });
    assert.equal(narrow.json['scope'], 'read');
    const again = await refresh(t, String(narrow.json['refresh_token']), { scope: 'write' });
    assert.deepEqual([again.status, again.json['error']], [400, 'invalid_scope']);
  } finally {
    await t.close();
  }
});

test('refresh tokens expire at the idle lifetime and at the session maximum', async () => {
  const t = await makeIssuer('sqlite', { refreshTokenTtl: '1h', sessionMaxAge: '2h' });
  try {
    const a = await login(t);
    t.clock.ms += 3601_000;
    assert.equal((await refresh(t, a.refresh_token)).status, 400, 'idle lifetime');
    let tok = (await login(t)).refresh_token;
    for (let i = 0; i < 3; i++) {
      t.clock.ms += 50 * 60_000;
      const r = await refresh(t, tok);
      if (i < 2) {
        assert.equal(r.status, 200);
        tok = String(r.json['refresh_token']);
      } else assert.equal(r.status, 400, 'the session maximum wins over the idle lifetime');
    }
  } finally {
    await t.close();
  }
});

test('garbage and oversized refresh tokens are invalid_grant; a missing one invalid_request', async () => {
  const t = await makeIssuer('sqlite');
  try {
    for (const tok of ['x', 'A'.repeat(300), "' OR 1=1 --"]) {
      const r = await refresh(t, tok);
      assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant']);
    }
    const r = await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token' },
      { authorization: t.basic() },
    );
    assert.deepEqual([r.status, r.json['error']], [400, 'invalid_request']);
  } finally {
    await t.close();
  }
});
