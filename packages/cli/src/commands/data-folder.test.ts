import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { run as runBackupCommand } from './backup.js';
import { run as runClientCommand } from './client.js';
import { run as runMigrateCommand } from './migrate.js';
import { runServeCommand } from './serve.js';
import { run as runUserCommand } from './user.js';

/**
 * #12 item 5: `tessera user create` before the first `serve` made `.tessera` 0755 and the
 * database 0644 under the usual umask, so any local user could copy the Argon2 hashes, the audit
 * and the KEK. Every path that creates the data folder now makes it 0700 and the database files
 * 0600; `serve` refuses a folder or database that group or others can reach.
 * @see docs/security.md#data-folder
 */
const skip = process.platform === 'win32' ? 'POSIX modes' : false;
const mode = (p: string) => statSync(p).mode & 0o777;

function io(env: Record<string, string | undefined> = {}): CliIo & {
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    stdin: Readable.from([]),
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  };
}

/** Run `fn` in a fresh temp root under the usual umask 022 (restored afterwards). */
async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tessera-perm-'));
  const old = process.umask(0o022);
  try {
    await fn(root);
  } finally {
    process.umask(old);
    rmSync(root, { recursive: true, force: true });
  }
}

/** `serve` on a free port until `whileUp` resolves; the exit code. */
async function serveWhile(
  args: string[],
  out: ReturnType<typeof io>,
  whileUp: () => Promise<void> = async () => {},
): Promise<number> {
  const stop = new AbortController();
  return runServeCommand(['--port', '0', ...args], out, {
    signal: stop.signal,
    onReady: () => {
      void whileUp().finally(() => stop.abort());
    },
  });
}

test(
  'a local user cannot read the data folder that user create makes before any serve: 0700, database 0600 (WAL and SHM too)',
  { skip },
  () =>
    withRoot(async (root) => {
      const dir = join(root, 'nested', '.tessera');
      const u = io({ TESSERA_PASSWORD: 'alice-password-1' });
      assert.equal(await runUserCommand(['create', 'alice', '--data-dir', dir], u), 0, u.err());
      assert.equal(mode(dir), 0o700, 'the data folder');
      assert.equal(mode(join(root, 'nested')), 0o700, 'a parent it had to create');
      const db = join(dir, 'tessera.db');
      assert.equal(mode(db), 0o600, 'the database');
      // The WAL and shared-memory files exist while the store is open: look while serve runs.
      const s = io();
      const code = await serveWhile(['--data-dir', dir], s, async () => {
        for (const f of [`${db}-wal`, `${db}-shm`]) {
          assert.ok(existsSync(f), `${f} exists while serving`);
          assert.equal(mode(f), 0o600, f);
        }
        assert.equal(mode(join(dir, 'kek')), 0o600, 'the generated KEK');
      });
      assert.equal(code, 0, s.err());
    }),
);

test(
  'a local user cannot read the data folder that client create, serve or migrate make first, nor a backup copy',
  { skip },
  () =>
    withRoot(async (root) => {
      const viaClient = join(root, 'by-client');
      const c = io();
      assert.equal(
        await runClientCommand(['create', 'web', '--data-dir', viaClient], c),
        0,
        c.err(),
      );
      assert.equal(mode(viaClient), 0o700);
      assert.equal(mode(join(viaClient, 'tessera.db')), 0o600);
      const viaServe = join(root, 'by-serve');
      const s = io();
      assert.equal(await serveWhile(['--data-dir', viaServe], s), 0, s.err());
      assert.equal(mode(viaServe), 0o700);
      assert.equal(mode(join(viaServe, 'tessera.db')), 0o600);
      const viaMigrate = join(root, 'by-migrate');
      const m = io();
      assert.equal(await runMigrateCommand(['--data-dir', viaMigrate], m), 0, m.err());
      assert.equal(mode(viaMigrate), 0o700);
      assert.equal(mode(join(viaMigrate, 'tessera.db')), 0o600);
      const copy = join(root, 'backups', 'copy.db');
      const b = io();
      assert.equal(await runBackupCommand([copy, '--data-dir', viaServe], b), 0, b.err());
      assert.equal(mode(copy), 0o600, 'the backup copy');
      assert.equal(mode(join(root, 'backups')), 0o700, 'the folder the backup had to create');
    }),
);

test(
  'serve refuses a world-readable data folder (0755) with the path, the mode and the chmod that fixes it',
  { skip },
  () =>
    withRoot(async (root) => {
      const dir = join(root, '.tessera');
      const u = io({ TESSERA_PASSWORD: 'alice-password-1' });
      assert.equal(await runUserCommand(['create', 'alice', '--data-dir', dir], u), 0, u.err());
      chmodSync(dir, 0o755);
      const refused = io();
      assert.equal(await serveWhile(['--data-dir', dir], refused), EXIT.INPUT);
      assert.match(
        refused.err(),
        new RegExp(`${escape(dir)} is mode 0755: chmod 700 ${escape(dir)}`),
      );
      assert.match(refused.err(), /--allow-insecure-permissions/);
      assert.doesNotMatch(refused.out(), /listening/);
      assert.equal(mode(dir), 0o755, 'a refused start changes nothing');
    }),
);

test(
  'serve refuses a world-readable database (0644) and a group-writable one, each with its chmod',
  { skip },
  () =>
    withRoot(async (root) => {
      const dir = join(root, '.tessera');
      const u = io({ TESSERA_PASSWORD: 'alice-password-1' });
      assert.equal(await runUserCommand(['create', 'alice', '--data-dir', dir], u), 0, u.err());
      const db = join(dir, 'tessera.db');
      for (const bad of [0o644, 0o620]) {
        chmodSync(db, bad);
        const refused = io();
        assert.equal(await serveWhile(['--data-dir', dir], refused), EXIT.INPUT);
        const shown = bad.toString(8).padStart(4, '0');
        assert.match(
          refused.err(),
          new RegExp(`${escape(db)} is mode ${shown}: chmod 600 ${escape(db)}`),
        );
        assert.equal(mode(db), bad);
      }
      // A database given with --database outside the data folder is checked the same way.
      const elsewhere = join(root, 'elsewhere.db');
      const c = io();
      assert.equal(
        await runClientCommand(['create', 'web', '--database', elsewhere], c),
        0,
        c.err(),
      );
      chmodSync(elsewhere, 0o640);
      const refused = io();
      assert.equal(
        await serveWhile(['--data-dir', join(root, 'kek-dir'), '--database', elsewhere], refused),
        EXIT.INPUT,
      );
      assert.match(refused.err(), new RegExp(`chmod 600 ${escape(elsewhere)}`));
    }),
);

test(
  'serve --allow-insecure-permissions starts over a 0755 folder and a 0644 database; fixed modes start without it',
  { skip },
  () =>
    withRoot(async (root) => {
      const dir = join(root, '.tessera');
      const u = io({ TESSERA_PASSWORD: 'alice-password-1' });
      assert.equal(await runUserCommand(['create', 'alice', '--data-dir', dir], u), 0, u.err());
      const db = join(dir, 'tessera.db');
      chmodSync(dir, 0o755);
      chmodSync(db, 0o644);
      const allowed = io();
      assert.equal(
        await serveWhile(['--data-dir', dir, '--allow-insecure-permissions'], allowed),
        0,
        allowed.err(),
      );
      assert.match(allowed.out(), /listening/);
      chmodSync(dir, 0o700);
      chmodSync(db, 0o600);
      const fixed = io();
      assert.equal(await serveWhile(['--data-dir', dir], fixed), 0, fixed.err());
    }),
);

/** A path as a literal inside a RegExp. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
