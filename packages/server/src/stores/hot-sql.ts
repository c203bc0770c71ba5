import type Database from 'better-sqlite3';
import type pg from 'pg';
import type {
  AuthorizationCodeRow,
  BrowserSessionRow,
  RefreshTokenRow,
  SessionRow,
  UserRow,
} from './store.js';

/**
 * The hot path's statements (refresh lookup and rotation, code exchange) as fixed SQL texts,
 * run without the query builder: building and compiling a Kysely query costs more CPU than a
 * primary-key lookup itself. Texts use `?` placeholders; PostgreSQL gets `$1…$n` and runs each
 * text as a named prepared statement, so every pooled connection parses and plans it once.
 * Statements list their columns (never `*`): a prepared `*` fails once a migration on another
 * node adds a column ("cached plan must not change result type").
 */
export interface HotSql {
  all<R>(text: string, params: readonly unknown[]): Promise<R[]>;
}

/** PostgreSQL: one name per distinct text, prepared on each connection on first use. */
export function pgHotSql(pool: pg.Pool): HotSql {
  const names = new Map<string, { name: string; text: string }>();
  return {
    async all<R>(text: string, params: readonly unknown[]): Promise<R[]> {
      let s = names.get(text);
      if (s === undefined) {
        let i = 0;
        s = { name: `tessera_hot_${names.size}`, text: text.replace(/\?/g, () => `$${++i}`) };
        names.set(text, s);
      }
      const r = await pool.query({ name: s.name, text: s.text, values: params as unknown[] });
      return r.rows as R[];
    },
  };
}

/** SQLite: the connection's statement cache, run synchronously (a resolved promise). */
export function sqliteHotSql(prepare: (text: string) => Database.Statement): HotSql {
  return {
    all<R>(text: string, params: readonly unknown[]): Promise<R[]> {
      try {
        return Promise.resolve(prepare(text).all(params) as R[]);
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
  };
}

type Exactly<T, L extends readonly PropertyKey[]> =
  Exclude<keyof T, L[number]> extends never ? L : never;
/** Every column of a row type, checked by the compiler: a new column must be added here. */
const columnsOf =
  <T>() =>
  <const L extends readonly (keyof T & string)[]>(l: Exactly<T, L>): L =>
    l;

export const USER_COLUMNS = columnsOf<UserRow>()([
  'id',
  'username',
  'password_hash',
  'roles',
  'disabled',
  'created_at',
  'updated_at',
  'email',
  'email_verified',
  'name',
]);
export const SESSION_COLUMNS = columnsOf<SessionRow>()([
  'id',
  'user_id',
  'client_id',
  'created_at',
  'expires_at',
  'ended_at',
  'ended_reason',
  'browser_session_id',
  'acr',
  'amr',
  'auth_time',
]);
export const REFRESH_TOKEN_COLUMNS = columnsOf<RefreshTokenRow>()([
  'hash',
  'session_id',
  'parent_hash',
  'state',
  'client_id',
  'user_id',
  'scope',
  'created_at',
  'expires_at',
  'rotated_at_ms',
  'successor',
  'dpop_jkt',
  'access_jti',
  'access_exp',
]);
export const BROWSER_SESSION_COLUMNS = columnsOf<BrowserSessionRow>()([
  'id',
  'token_hash',
  'user_id',
  'auth_time',
  'amr',
  'acr',
  'last_seen_at',
  'expires_at',
  'ended_at',
]);
export const CODE_COLUMNS = columnsOf<AuthorizationCodeRow>()([
  'hash',
  'client_id',
  'user_id',
  'browser_session_id',
  'redirect_uri',
  'code_challenge',
  'scope',
  'nonce',
  'dpop_jkt',
  'auth_time',
  'expires_at',
  'used_at',
  'issued_session_id',
  'issued_jti',
  'issued_exp',
]);

/** `alias.col as prefix_col, …` for a joined table's columns. */
export const selectAs = (alias: string, prefix: string, cols: readonly string[]): string =>
  cols.map((c) => `${alias}.${c} as ${prefix}${c}`).join(', ');

/** The joined row back out of a flat result; undefined when the LEFT JOIN found nothing. */
export function pick<T>(
  row: Record<string, unknown>,
  prefix: string,
  cols: readonly string[],
): T | undefined {
  if (row[`${prefix}${cols[0]}`] === null || row[`${prefix}${cols[0]}`] === undefined)
    return undefined;
  const out: Record<string, unknown> = {};
  for (const c of cols) out[c] = row[`${prefix}${c}`];
  return out as T;
}

/** `(a, b, c)` and `?, ?, ?` for an INSERT of these columns. */
export const columnList = (cols: readonly string[]): string => `(${cols.join(', ')})`;
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
