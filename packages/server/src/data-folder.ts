import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  mkdirSync,
  openSync,
  statSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './config.js';

/**
 * The data folder holds the SQLite database (Argon2 password hashes, audit rows, sealed keys) and
 * the generated key-encryption key: every path that creates it makes it 0700, the database and
 * its `-wal`/`-shm` files 0600 — set explicitly, whatever the umask — and `startServer` refuses a
 * folder or database that group or others can read or write (see docs/security.md#data-folder).
 * POSIX modes only: on Windows the folder's ACL applies and nothing here runs.
 */
const POSIX = process.platform !== 'win32';

/** Create `dir` and any missing parents 0700 (umask-independent). An existing folder is left as it is. */
export function makePrivateDir(dir: string): void {
  const target = resolve(dir);
  // The first folder mkdir created, or undefined when `dir` existed: only what we made is ours to set.
  const first = mkdirSync(target, { recursive: true, mode: 0o700 });
  if (first === undefined || !POSIX) return;
  for (let d = target; ; d = dirname(d)) {
    chmodSync(d, 0o700);
    if (d === first || dirname(d) === d) break;
  }
}

/**
 * Before SQLite opens `file`: create its folder 0700 and the file itself 0600 when missing, so the
 * database never exists with the umask's mode. SQLite gives the `-wal` and `-shm` files the
 * database's mode; {@link tightenDatabaseSidecars} makes sure of it after the open.
 */
export function createPrivateDatabaseFile(file: string): void {
  makePrivateDir(dirname(file));
  if (existsSync(file)) return;
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return; // another process was first
    throw e;
  }
  try {
    if (POSIX) fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/** The `-wal` and `-shm` files of an open SQLite database, made 0600. */
export function tightenDatabaseSidecars(file: string): void {
  if (!POSIX) return;
  for (const f of [`${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(f, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/** One path that group or others can reach, and the command that fixes it. */
export interface InsecurePath {
  readonly path: string;
  /** The permission bits found (e.g. 0o755). */
  readonly mode: number;
  /** `chmod 700 PATH` for a folder, `chmod 600 PATH` for a file. */
  readonly fix: string;
}

const octal = (m: number) => m.toString(8).padStart(4, '0');

/**
 * The paths among the data folder, the database and its `-wal`/`-shm` files (those that exist)
 * that group or others can read, write or enter. A database outside the data folder
 * (`--database FILE`) is checked, its folder is not: that folder is the user's, not ours.
 */
export function insecureDataPaths(dataDir: string, databaseFile: string): InsecurePath[] {
  if (!POSIX) return [];
  const out: InsecurePath[] = [];
  const seen = new Set<string>();
  const check = (path: string, folder: boolean) => {
    const p = resolve(path);
    if (seen.has(p)) return;
    seen.add(p);
    let mode: number;
    try {
      mode = statSync(p).mode & 0o777;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if ((mode & 0o077) !== 0)
      out.push({ path: p, mode, fix: `chmod ${folder ? '700' : '600'} ${p}` });
  };
  check(dataDir, true);
  for (const f of [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`]) check(f, false);
  return out;
}

/**
 * Refuse to start over a data folder or database that group or others can read or write: any
 * local user could copy the password hashes, the audit and the key-encryption key. The message
 * names each path, its mode and the `chmod` that fixes it. `allowInsecure` is
 * `--allow-insecure-permissions`.
 */
export function assertPrivateDataFolder(
  dataDir: string,
  databaseFile: string,
  allowInsecure = false,
): void {
  if (allowInsecure) return;
  const bad = insecureDataPaths(dataDir, databaseFile);
  if (bad.length === 0) return;
  const lines = bad.map((b) => `  ${b.path} is mode ${octal(b.mode)}: ${b.fix}`);
  throw new ConfigError(
    `the data folder holds password hashes, audit records and the key-encryption key, but group or others can reach it:\n${lines.join('\n')}\nfix the modes (or start with --allow-insecure-permissions)`,
  );
}
