import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database as Schema } from './schema.js';
import type { AuditEventRow, RefreshTokenRow } from './store.js';

interface Rotation {
  hash: string;
  rotatedAtMs: number;
  successor: string;
  next: RefreshTokenRow;
  audit: AuditEventRow | undefined;
  resolve(won: boolean): void;
  reject(error: unknown): void;
}

/**
 * Refresh-token rotation on SQLite with group commit. Every rotation is the compare-and-swap
 * `UPDATE … WHERE state = 'active'`, the successor's INSERT and the audit INSERT, run
 * synchronously with prepared statements (no await between them, so nothing else can run on
 * the one connection in between). Rotations that arrive in the same event-loop turn, or while
 * the previous commit is running, share one transaction and so one fsync; each caller's
 * promise settles only after that COMMIT returned, so no response is sent for a rotation that
 * is not durable. Durability stays `synchronous = FULL`.
 *
 * Each rotation runs in its own SAVEPOINT inside the batch: one that fails (a constraint) is
 * rolled back alone and rejects only its own caller.
 */
export class SqliteGroupCommit {
  private queue: Rotation[] = [];
  private scheduled = false;
  private readonly one: (r: Rotation) => boolean;
  private readonly batch: (rs: Rotation[]) => Map<Rotation, { won?: boolean; error?: unknown }>;

  constructor(
    private readonly db: Kysely<Schema>,
    sqlite: Database.Database,
  ) {
    const spend = sqlite.prepare(
      `update refresh_tokens set state = 'rotated', rotated_at_ms = ?, successor = ?
       where hash = ? and state = 'active'`,
    );
    const insertToken = sqlite.prepare(
      `insert into refresh_tokens (hash, session_id, parent_hash, state, client_id, user_id, scope,
         created_at, expires_at, rotated_at_ms, successor, dpop_jkt)
       values (@hash, @session_id, @parent_hash, @state, @client_id, @user_id, @scope,
         @created_at, @expires_at, @rotated_at_ms, @successor, @dpop_jkt)`,
    );
    const insertAudit = sqlite.prepare(
      `insert into audit_events (id, at_ms, type, subject, client_id, ip, detail)
       values (@id, @at_ms, @type, @subject, @client_id, @ip, @detail)`,
    );
    // Called inside `batch`, better-sqlite3 turns this into a SAVEPOINT.
    this.one = sqlite.transaction((r: Rotation): boolean => {
      if (spend.run(r.rotatedAtMs, r.successor, r.hash).changes === 0) return false;
      insertToken.run(r.next);
      if (r.audit !== undefined) insertAudit.run(r.audit);
      return true;
    });
    this.batch = sqlite.transaction((rs: Rotation[]) => {
      const out = new Map<Rotation, { won?: boolean; error?: unknown }>();
      for (const r of rs) {
        try {
          out.set(r, { won: this.one(r) });
        } catch (error) {
          out.set(r, { error });
        }
      }
      return out;
    });
  }

  /** Queue one rotation; resolves true when this caller won the compare-and-swap, once committed. */
  rotate(
    hash: string,
    rotatedAtMs: number,
    successor: string,
    next: RefreshTokenRow,
    audit: AuditEventRow | undefined,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ hash, rotatedAtMs, successor, next, audit, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    let items: Rotation[] = [];
    try {
      // Kysely's connection mutex: no Kysely transaction is open on the connection while the
      // batch runs (it would otherwise swallow the batch into its own BEGIN … COMMIT).
      await this.db.connection().execute(async () => {
        items = this.queue;
        this.queue = [];
        this.scheduled = false;
        const results = this.batch(items);
        for (const r of items) {
          const o = results.get(r)!;
          if (o.error !== undefined) r.reject(o.error);
          else r.resolve(o.won!);
        }
      });
    } catch (error) {
      // The COMMIT itself failed (disk full, lock timeout): nothing of the batch is durable.
      for (const r of items) r.reject(error);
      if (items.length === 0) {
        for (const r of this.queue) r.reject(error);
        this.queue = [];
        this.scheduled = false;
      }
    }
  }
}
