import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
