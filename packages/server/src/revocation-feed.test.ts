import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { FEED_LIFETIME_SECONDS, FEED_RECHECK_MS } from './revocation-feed.js';
import { login, makeIssuer, post } from './test-support/harness.js';

const entries = (body: string) => (decodeJwt(body) as { revoked: unknown[] }).revoked;

test('the feed is built once per change: 100 polls cost one query and one signature; If-None-Match gets 304', async () => {
  const t = await makeIssuer('sqlite');
  try {
    let reads = 0;
    const list = t.store.listRevocations.bind(t.store);
    t.store.listRevocations = (now) => {
      reads++;
      return list(now);
    };
    const polls = await Promise.all(
      Array.from({ length: 100 }, () => t.app.inject('/revocations')),
    );
    assert.equal(new Set(polls.map((r) => r.body)).size, 1, 'the same signed bytes for everyone');
    assert.equal(reads, 1);
    const etag = polls[0]!.headers.etag as string;
    assert.match(etag, /^"[A-Za-z0-9_-]{32}"$/);
    const cond = await t.app.inject({ url: '/revocations', headers: { 'if-none-match': etag } });
    assert.deepEqual([cond.statusCode, cond.body, cond.headers.etag], [304, '', etag]);
    const other = await t.app.inject({ url: '/revocations', headers: { 'if-none-match': '"x"' } });
    assert.equal(other.statusCode, 200);

    // After the recheck interval the list is read again; unchanged, the signed copy (and its
    // ETag) stays, so conditional polls stay 304.
    t.clock.ms += FEED_RECHECK_MS;
    const later = await t.app.inject({ url: '/revocations', headers: { 'if-none-match': etag } });
    assert.deepEqual([later.statusCode, reads], [304, 2]);
    // Half the lifetime on, it is signed again (pollers must never hold an expiring copy).
    t.clock.ms += (FEED_LIFETIME_SECONDS / 2) * 1000;
    const resigned = await t.app.inject({
      url: '/revocations',
      headers: { 'if-none-match': etag },
    });
    assert.equal(resigned.statusCode, 200);
    assert.notEqual(resigned.headers.etag, etag);
    assert.ok(
      decodeJwt(resigned.body).exp! - Math.floor(t.clock.ms / 1000) >= FEED_LIFETIME_SECONDS - 1,
    );
  } finally {
    await t.close();
  }
});

test('a revocation through this node is in the next poll at once; one through another store within the recheck interval', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const first = await t.app.inject('/revocations');
    assert.equal(entries(first.body).length, 0);
    const s = await login(t);
    assert.equal(
      (await post(t.app, '/revoke', { token: s.access_token }, { authorization: t.basic() }))
        .status,
      200,
    );
    const after = await t.app.inject({
      url: '/revocations',
      headers: { 'if-none-match': first.headers.etag as string },
    });
    assert.equal(after.statusCode, 200, 'a changed list is never a 304');
    assert.equal(entries(after.body).length, 1);

    // Written behind this node's back (another node or process on the same database): the
    // cached list is served until the recheck interval has passed, then the entry is in.
    const now = Math.floor(t.clock.ms / 1000);
    const direct = (
      t.store as unknown as { db: import('kysely').Kysely<import('./stores/schema.js').Database> }
    ).db;
    await direct
      .insertInto('revocations')
      .values({ kind: 'jti', value: 'elsewhere', expires_at: now + 600, created_at: now })
      .execute();
    assert.equal(entries((await t.app.inject('/revocations')).body).length, 1);
    t.clock.ms += FEED_RECHECK_MS;
    assert.equal(entries((await t.app.inject('/revocations')).body).length, 2);
  } finally {
    await t.close();
  }
});
