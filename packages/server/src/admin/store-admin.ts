import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Audit } from '../audit.js';
import { createPrivateDatabaseFile, tightenDatabaseSidecars } from '../data-folder.js';
import { InputError } from '../users.js';
import type { MigrationStatus, Store } from '../stores/store.js';

/**
 * Run the pending migrations (or, with `dryRun`, only report them). Audited when any ran.
 *
 * @example
 * const { pending } = await migrateStore(store, audit, { dryRun: true });
 */
export async function migrateStore(
  store: Store,
  audit: Audit,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<MigrationStatus & { ran: readonly string[] }> {
  const before = await store.migrationStatus();
  if (dryRun || before.pending.length === 0) return { ...before, ran: [] };
  await store.migrate();
  const after = await store.migrationStatus();
  await audit.record({ type: 'store.migrated', detail: { migrations: before.pending } });
  return { ...after, ran: before.pending };
}

/**
 * Copy a live SQLite store to `destination` with SQLite's online backup API: consistent while
 * the issuer keeps serving (pages changed meanwhile are copied again). Refuses to overwrite; the
 * copy is created 0600 (it holds the password hashes).
 * PostgreSQL is backed up with its own tools (`pg_dump`).
 *
 * @example
 * await backupSqlite('./.tessera/tessera.db', './backup-2026-12-03.db', audit);
 */
export async function backupSqlite(
  source: string,
  destination: string,
  audit?: Audit,
): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new InputError(`no SQLite store at ${source}`);
  if (existsSync(destination)) throw new InputError(`${destination} exists: give a new file`);
  // The copy holds what the store holds (password hashes, audit rows): 0600 from the start.
  createPrivateDatabaseFile(destination);
  const db = new Database(source, { fileMustExist: true });
  try {
    const result = await db.backup(destination);
    tightenDatabaseSidecars(destination);
    await audit?.record({ type: 'store.backed_up', detail: { pages: result.totalPages } });
    return { pages: result.totalPages };
  } finally {
    db.close();
  }
}
