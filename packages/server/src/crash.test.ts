import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createClient } from './clients.js';
import { createPasswordHasher } from './passwords.js';
import { hashRefreshToken } from './refresh-tokens.js';
import { openSqliteStore } from './stores/sqlite.js';
import { TEST_ARGON2 } from './test-support/harness.js';
import { createUser } from './users.js';

const CHILD = fileURLToPath(new URL('./test-support/serve-child.js', import.meta.url));

async function spawnServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('child did not start')), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\S+)/.exec(buf);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  return { child, url };
}

const formPost = (url: string, params: Record<string, string>, basic: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    body: new URLSearchParams(params).toString(),
  });

test('a process killed with SIGKILL during a refresh load loses no committed token and corrupts nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
  const dbFile = join(dir, 'tessera.db');
  const env = { TESSERA_CHILD_DATA_DIR: dir, TESSERA_KEK: randomBytes(32).toString('base64url') };
  try {
    const setup = await openSqliteStore(dbFile);
    const { clientSecret } = await createClient(
      { store: setup, defaultAudience: 'api' },
      { name: 'app', clientId: 'app', firstParty: true },
    );
    await createUser(
      { store: setup, hasher: createPasswordHasher(TEST_ARGON2) },
      { username: 'alice', password: 'alice-password' },
    );
    await setup.close();
    const basic = `Basic ${Buffer.from(`app:${clientSecret}`).toString('base64')}`;

    const first = await spawnServer(env);
    const CHAINS = 6;
    const latest: string[] = [];
    for (let i = 0; i < CHAINS; i++) {
      const r = await formPost(
        `${first.url}/token`,
        { grant_type: 'password', username: 'alice', password: 'alice-password' },
        basic,
      );
      latest.push(((await r.json()) as { refresh_token: string }).refresh_token);
    }
    let received = 0;
    let stop = false;
    const chains = latest.map(async (_, i) => {
      while (!stop) {
        try {
          const r = await formPost(
            `${first.url}/token`,
            { grant_type: 'refresh_token', refresh_token: latest[i]! },
            basic,
          );
          if (r.status !== 200) throw new Error(`refresh answered ${r.status}`);
          latest[i] = ((await r.json()) as { refresh_token: string }).refresh_token;
          received++;
        } catch (e) {
          if (!stop) throw e;
        }
      }
    });
    // Kill mid-load, after a bounded number of rotations (or 3 s).
    const deadline = Date.now() + 3000;
    while (received < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop = true; // requests in flight now are cut by the kill; no new ones start
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await Promise.all(chains);
    assert.ok(received > 10, `only ${received} rotations before the kill`);
    console.log(`# ${received} rotations before SIGKILL`);

    // Nothing corrupt; every token the client received is in the database; one live token per family.
    const db = new Database(dbFile);
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      for (const tok of latest) {
        const row = db
          .prepare('select state, session_id from refresh_tokens where hash = ?')
          .get(hashRefreshToken(tok)) as { state: string; session_id: string } | undefined;
        assert.ok(row !== undefined, 'a received token was committed');
        assert.ok(row.state === 'active' || row.state === 'rotated', row.state);
        const live = db
          .prepare(
            "select count(*) as n from refresh_tokens where session_id = ? and state = 'active'",
          )
          .get(row.session_id) as { n: number };
        assert.equal(live.n, 1, 'exactly one live token per family');
      }
    } finally {
      db.close();
    }

    // After a restart each received token still works: rotated normally, or — when the kill
    // swallowed the response to its rotation — replayed identically within the replay window.
    const second = await spawnServer(env);
    try {
      for (const tok of latest) {
        const r = await formPost(
          `${second.url}/token`,
          { grant_type: 'refresh_token', refresh_token: tok },
          basic,
        );
        assert.equal(r.status, 200, await r.clone().text());
      }
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
