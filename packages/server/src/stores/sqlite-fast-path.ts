import { open, type FileHandle } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { Kysely, SqliteDatabase } from 'kysely';
import type { SyncExecutor } from './code-redemption.js';
import type { Database as Schema } from './schema.js';
import type { AuditEventRow, RefreshTokenRow } from './store.js';

interface Unit {
  work(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit on SQLite for the hot writes: refresh-token rotation and the code exchange
 * (code-redemption.ts). Each unit runs synchronously with prepared statements (no await inside,
 * so nothing else can run on the one connection in between) — a rotation is the compare-and-swap
 * `UPDATE … WHERE state = 'active'`, the successor's INSERT and the audit INSERT. Units that
 * arrive in the same event-loop turn, or while the previous commit is running, share one
 * transaction and so one fsync; each caller's promise settles only after that COMMIT returned,
 * so no response is sent for a write that is not durable. Durability stays `synchronous = FULL`.
 *
 * Each unit runs in its own SAVEPOINT inside the batch: one that fails (a constraint) is rolled
 * back alone and rejects only its own caller.
 *
 * The batch's fsync does not block the event loop: with `synchronous = FULL` SQLite would fsync
 * the WAL inside COMMIT, on the one JavaScript thread (in CPU profiles the largest item of a
 * refresh, 25–30 %). Instead the batch's COMMIT runs with `synchronous = NORMAL` (the pragma is
 * set just before the batch's BEGIN and put back to FULL right after its COMMIT, in the same
 * synchronous stretch, so no other transaction ever runs with it), and the batch then fsyncs the
 * WAL file on libuv's thread pool — `fsync`, what FULL would have done at COMMIT — while
 * other requests run. Every caller still settles only after that sync returned, so nothing is
 * answered before it is on disk; a crash before the sync loses only unanswered work. Meanwhile
 * the batch is visible to other reads of this process, which answer from it only after a write
 * of their own (reuse detection, replay audit), committed with FULL, which syncs the WAL first.
 */
export class SqliteGroupCommit {
  private queue: Unit[] = [];
  private scheduled = false;
  private syncing = false;
  private readonly one: (u: Unit) => unknown;
  private readonly batch: (us: Unit[]) => Map<Unit, { value?: unknown; error?: unknown }>;
  private readonly spend: Database.Statement;
  private readonly insertToken: Database.Statement;
  private readonly insertAudit: Database.Statement;

  /**
   * @param statements The connection's statement cache (prepared-statements.ts), which the
   *   synchronous executor shares with Kysely's driver.
   */
  private readonly normal: Database.Statement;
  private readonly full: Database.Statement;
  private wal: Promise<FileHandle> | undefined;

  /**
   * @param walFile The database's `-wal` file, to fsync after each batch; absent (in memory, or
   *   `synchronous = NORMAL` chosen for the whole store): batches commit as the connection says.
   * @param syncWal How the WAL is synced (default `fsync`, as SQLite's own FULL commit, on the thread pool).
   */
  constructor(
    private readonly db: Kysely<Schema>,
    sqlite: Database.Database,
    private readonly statements: SqliteDatabase,
    private readonly walFile?: string,
    private readonly syncWal: (wal: FileHandle) => Promise<void> = (wal) => wal.sync(),
  ) {
    this.normal = sqlite.prepare('pragma synchronous = NORMAL');
    this.full = sqlite.prepare('pragma synchronous = FULL');
    this.spend = sqlite.prepare(
      `update refresh_tokens set state = 'rotated', rotated_at_ms = ?, successor = ?
       where hash = ? and state = 'active'`,
    );
    this.insertToken = sqlite.prepare(
      `insert into refresh_tokens (hash, session_id, parent_hash, state, client_id, user_id, scope,
         created_at, expires_at, rotated_at_ms, successor, dpop_jkt, access_jti, access_exp)
       values (@hash, @session_id, @parent_hash, @state, @client_id, @user_id, @scope,
         @created_at, @expires_at, @rotated_at_ms, @successor, @dpop_jkt, @access_jti, @access_exp)`,
    );
    this.insertAudit = sqlite.prepare(
      `insert into audit_events (id, at_ms, type, subject, client_id, ip, detail)
       values (@id, @at_ms, @type, @subject, @client_id, @ip, @detail)`,
    );
    // Called inside `batch`, better-sqlite3 turns this into a SAVEPOINT.
    this.one = sqlite.transaction((u: Unit): unknown => u.work());
    this.batch = sqlite.transaction((us: Unit[]) => {
      const out = new Map<Unit, { value?: unknown; error?: unknown }>();
      for (const u of us) {
        try {
          out.set(u, { value: this.one(u) });
        } catch (error) {
          out.set(u, { error });
        }
      }
      return out;
    });
  }

  /** Queue one synchronous unit; resolves with its result once its batch committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /**
   * The next batch starts in the next turn — or, while the previous batch's WAL fsync runs, once
   * it returned: the units arriving during a flush to disk share the next transaction and fsync.
   */
  private schedule(): void {
    if (this.scheduled || this.syncing || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** A unit of fixed statements (code-redemption.ts), run with the cached prepared statements. */
  runSync<T>(work: (exec: SyncExecutor) => T): Promise<T> {
    return this.run(() => work(this.exec));
  }

  private readonly exec: SyncExecutor = (query) => {
    const stmt = this.statements.prepare(query.text) as unknown as Database.Statement;
    if (stmt.reader)
      return { rows: stmt.all(query.params) as Record<string, unknown>[], changes: 0 };
    return { rows: [], changes: stmt.run(query.params).changes };
  };

  /** Queue one rotation; resolves true when this caller won the compare-and-swap, once committed. */
  rotate(
    hash: string,
    rotatedAtMs: number,
    successor: string,
    next: RefreshTokenRow,
    audit: AuditEventRow | undefined,
  ): Promise<boolean> {
    return this.run(() => {
      if (this.spend.run(rotatedAtMs, successor, hash).changes === 0) return false;
      this.insertToken.run(next);
      if (audit !== undefined) this.insertAudit.run(audit);
      return true;
    });
  }

  private async flush(): Promise<void> {
    let items: Unit[] = [];
    let results: Map<Unit, { value?: unknown; error?: unknown }> | undefined;
    try {
      // Kysely's connection mutex: no Kysely transaction is open on the connection while the
      // batch runs (it would otherwise swallow the batch into its own BEGIN … COMMIT).
      await this.db.connection().execute(async () => {
        items = this.queue;
        this.queue = [];
        this.scheduled = false;
        if (this.walFile === undefined) results = this.batch(items);
        else {
          this.normal.run();
          try {
            results = this.batch(items);
          } finally {
            this.full.run();
          }
        }
      });
      if (this.walFile !== undefined) {
        this.syncing = true;
        try {
          this.wal ??= open(this.walFile, 'r');
          await this.syncWal(await this.wal);
        } finally {
          this.syncing = false;
          this.schedule();
        }
      }
    } catch (error) {
      // The COMMIT or the sync failed (disk full, lock timeout, I/O error): nothing of the batch
      // is known durable, so no caller hears success.
      for (const r of items) r.reject(error);
      if (items.length === 0) {
        for (const r of this.queue) r.reject(error);
        this.queue = [];
        this.scheduled = false;
      }
      return;
    }
    for (const u of items) {
      const o = results!.get(u)!;
      if ('error' in o) u.reject(o.error);
      else u.resolve(o.value);
    }
  }

  /** Close the WAL file handle (the store is closing). */
  async close(): Promise<void> {
    const wal = this.wal;
    this.wal = undefined;
    if (wal !== undefined) await (await wal.catch(() => undefined))?.close();
  }
}
