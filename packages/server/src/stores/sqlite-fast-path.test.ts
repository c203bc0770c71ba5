import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { cachedStatements } from './prepared-statements.js';
import { SqliteGroupCommit } from './sqlite-fast-path.js';
import type { Database as Schema } from './schema.js';
import { newRefreshToken, refreshTokenRow } from '../refresh-tokens.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

const NOW = 1_800_000_000;

async function seed(store: Store, n: number): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < n; i++) {
    const sid = `s${i}`;
    const row = refreshTokenRow(newRefreshToken(), {
      sessionId: sid,
      parentHash: null,
      clientId: 'c',
      userId: 'u',
      scope: 'read',
      now: NOW,
      idleTtl: 3600,
      sessionExpiresAt: NOW + 7200,
    });
    await store.createSession(
      {
        id: sid,
        user_id: 'u',
        client_id: 'c',
        created_at: NOW,
        expires_at: NOW + 7200,
        ended_at: null,
        ended_reason: null,
        browser_session_id: null,
        acr: null,
        amr: null,
        auth_time: null,
      },
      row,
    );
    hashes.push(row.hash);
  }
  return hashes;
}

const successorOf = (parent: string, i: number) =>
  refreshTokenRow(newRefreshToken(), {
    sessionId: `s${i}`,
    parentHash: parent,
    clientId: 'c',
    userId: 'u',
    scope: 'read',
    now: NOW,
    idleTtl: 3600,
    sessionExpiresAt: NOW + 7200,
  });

test('group commit: concurrent rotations each settle only once committed, visible to another connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gc-'));
  const file = join(dir, 't.db');
  const store = await openSqliteStore(file);
  const other = new Database(file, { readonly: true });
  try {
    const parents = await seed(store, 40);
    const next = parents.map(successorOf);
    const seen = await Promise.all(
      parents.map(async (p, i) => {
        const r = await store.rotateRefreshToken(p, NOW * 1000, 'sealed', next[i]!);
        // At the moment the caller hears "rotated", a separate connection must already see the
        // commit: nothing is answered from an uncommitted transaction.
        const row = other
          .prepare('select state from refresh_tokens where hash = ?')
          .get(next[i]!.hash) as { state: string } | undefined;
        return [r.rotated, row?.state];
      }),
    );
    assert.deepEqual(
      seen,
      parents.map(() => [true, 'active']),
    );
    // The compare-and-swap still holds inside a batch: the same token twice in one turn.
    const [again, twice] = await Promise.all([
      store.rotateRefreshToken(next[0]!.hash, NOW * 1000, 'x', successorOf(next[0]!.hash, 0)),
      store.rotateRefreshToken(next[0]!.hash, NOW * 1000, 'y', successorOf(next[0]!.hash, 0)),
    ]);
    assert.deepEqual(
      [again.rotated, twice.rotated],
      [true, false],
      'the second use of one token in the same batch loses',
    );
  } finally {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('group commit: one failing rotation is rolled back alone; the rest of its batch commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gc-'));
  const store = await openSqliteStore(join(dir, 't.db'));
  try {
    const parents = await seed(store, 3);
    const clash = successorOf(parents[0]!, 0);
    // The middle rotation's successor reuses an existing primary key: a constraint error.
    const results = await Promise.allSettled([
      store.rotateRefreshToken(parents[0]!, 1, 'a', clash),
      store.rotateRefreshToken(parents[1]!, 1, 'b', { ...clash, session_id: 's1' }),
      store.rotateRefreshToken(parents[2]!, 1, 'c', successorOf(parents[2]!, 2)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((await store.findRefreshToken(parents[1]!))?.state, 'active', 'rolled back');
    assert.equal((await store.findRefreshToken(parents[0]!))?.state, 'rotated');
    assert.equal((await store.findRefreshToken(parents[2]!))?.state, 'rotated');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findRefreshGrant: the token with its session and user in one read; unknown is undefined', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gc-'));
  const store = await openSqliteStore(join(dir, 't.db'));
  try {
    const [hash] = await seed(store, 1);
    await store.insertUser({
      id: 'u',
      username: 'alice',
      password_hash: 'h',
      roles: '[]',
      disabled: 0,
      created_at: NOW,
      updated_at: NOW,
      email: null,
      email_verified: 0,
      name: null,
    });
    const found = await store.findRefreshGrant(hash!);
    assert.deepEqual(found?.token, await store.findRefreshToken(hash!));
    assert.deepEqual(found?.session, await store.findSession('s0'));
    assert.deepEqual(found?.user, await store.findUserById('u'));
    assert.equal(await store.findRefreshGrant('nope'), undefined);
    await store.updateUser('u', { disabled: 1 });
    assert.equal((await store.findRefreshGrant(hash!))?.user?.disabled, 1);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('group commit: a batch is answered only after its WAL sync returned; every other write stays FULL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gc-'));
  const file = join(dir, 't.db');
  // The store's tables, then a second group commit on its own connection whose WAL sync the
  // test holds: the real fdatasync, run only when the test releases it.
  const store = await openSqliteStore(file);
  const parents = await seed(store, 2);
  await store.close();
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  const statements = cachedStatements(sqlite);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: statements }) });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const synced: string[] = [];
  const commits = new SqliteGroupCommit(db, sqlite, statements, `${file}-wal`, async (wal) => {
    synced.push(String((sqlite.pragma('synchronous', { simple: true }) as number) === 2));
    await held;
    await wal.sync();
  });
  try {
    let settled = false;
    const rotation = commits
      .rotate(parents[0]!, 1, 'sealed', successorOf(parents[0]!, 0), undefined)
      .then((won) => ((settled = true), won));
    while (synced.length === 0) await new Promise((r) => setTimeout(r, 5));
    // Committed (another connection sees it), not yet synced, so not yet answered.
    const other = new Database(file, { readonly: true });
    const state = other.prepare('select state from refresh_tokens where hash = ?').get(parents[0]!);
    other.close();
    assert.deepEqual(state, { state: 'rotated' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'answered before the WAL sync returned');
    assert.deepEqual(synced, ['true'], 'the connection is back to FULL while the sync runs');
    release();
    assert.equal(await rotation, true);
    // Inside a batch the connection commits with NORMAL (the fsync comes after); outside, FULL.
    assert.equal(await commits.run(() => sqlite.pragma('synchronous', { simple: true })), 1);
    assert.equal(sqlite.pragma('synchronous', { simple: true }), 2);
    // A failing sync fails the batch's callers: none hears success.
    const failing = new SqliteGroupCommit(db, sqlite, statements, `${file}-wal`, async () => {
      throw new Error('EIO');
    });
    await assert.rejects(
      failing.rotate(parents[1]!, 1, 'sealed', successorOf(parents[1]!, 1), undefined),
      /EIO/,
    );
    await failing.close();
  } finally {
    await commits.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
