import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Most distinct SQL texts kept prepared (the store issues a few dozen). */
const MAX_STATEMENTS = 256;

/**
 * The better-sqlite3 connection as Kysely's SQLite dialect sees it, with every statement
 * prepared once and reused: Kysely's driver calls `prepare` for each query, and compiling the
 * same SQL again is a measurable part of a short query. The store never streams
 * (`iterate`), so one statement object per SQL text is never busy twice at once.
 */
export function cachedStatements(sqlite: Database.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string): SqliteStatement {
      let stmt = cache.get(text);
      if (stmt === undefined) {
        stmt = sqlite.prepare(text) as unknown as SqliteStatement;
        // Bounded: a caller building ad-hoc SQL (an `in (…)` list per call) cannot grow it forever.
        if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}
