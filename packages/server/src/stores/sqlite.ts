import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createPrivateDatabaseFile, tightenDatabaseSidecars } from '../data-folder.js';
import { sqliteHotSql } from './hot-sql.js';
import { KyselyStore } from './kysely-store.js';
import { cachedStatements } from './prepared-statements.js';
import { SqliteGroupCommit } from './sqlite-fast-path.js';
import type { Database as Schema } from './schema.js';
import type { Store } from './store.js';

export interface SqliteStoreOptions {
  /**
   * `full` (default): every commit is fsynced — a committed rotation survives a killed process
   * and a power cut. `normal`: survives a killed process (SIGKILL) but may lose the last commits
   * on power loss; several times faster on slow disks.
   */
  synchronous?: 'full' | 'normal';
  /** Run pending migrations on open (default true; `tessera migrate --dry-run` opens without). */
  migrate?: boolean;
}

/**
 * Open (creating if needed) the embedded SQLite store at `file` and run the migrations.
 * WAL journal; see {@link SqliteStoreOptions} for durability. A new file is created 0600 in a
 * folder created 0700, and the `-wal`/`-shm` files are made 0600 (docs/security.md#data-folder).
 *
 * @example
 * const store = await openSqliteStore('./.tessera/tessera.db');
 */
export async function openSqliteStore(
  file: string,
  options: SqliteStoreOptions = {},
): Promise<Store> {
  const onDisk = file !== ':memory:';
  if (onDisk) createPrivateDatabaseFile(file);
  const sqlite = new Database(file);
  const wal = (sqlite.pragma('journal_mode = WAL', { simple: true }) as string) === 'wal';
  if (onDisk) tightenDatabaseSidecars(file);
  sqlite.pragma(options.synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const statements = cachedStatements(sqlite);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: statements }) });
  const plain = new KyselyStore('sqlite', db);
  // Left unmigrated on request (`tessera migrate --dry-run`): no group commit, whose statements
  // need the tables.
  if (options.migrate === false && (await plain.migrationStatus()).pending.length > 0) return plain;
  // The group commit prepares its statements against the tables: migrate first.
  await plain.migrate();
  // FULL: each batch fsyncs the WAL off the event loop before its callers hear of it.
  const commits = new SqliteGroupCommit(
    db,
    sqlite,
    statements,
    onDisk && wal && options.synchronous !== 'normal' ? `${file}-wal` : undefined,
  );
  const closeConnection = statements.close;
  statements.close = () => {
    void commits.close();
    closeConnection();
  };
  const store = new KyselyStore('sqlite', db, undefined, {
    hot: sqliteHotSql((text) => statements.prepare(text) as unknown as Database.Statement),
    rotate: (...a) => commits.rotate(...a),
    runSync: (work) => commits.runSync(work),
  });
  return store;
}
