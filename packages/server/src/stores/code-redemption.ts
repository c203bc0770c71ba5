import { CompiledQuery, type Kysely } from 'kysely';
import {
  BROWSER_SESSION_COLUMNS,
  CODE_COLUMNS,
  columnList,
  pick,
  placeholders,
  REFRESH_TOKEN_COLUMNS,
  selectAs,
  SESSION_COLUMNS,
  USER_COLUMNS,
  type HotSql,
} from './hot-sql.js';
import type { Database } from './schema.js';
import type {
  AuthorizationCodeRow,
  BrowserSessionRow,
  CodeRedemption,
  CodeRedemptionInput,
  UserRow,
} from './store.js';

/** One statement of a unit: SQL with `?` placeholders and its parameters. */
export interface UnitQuery {
  readonly text: string;
  readonly params: readonly unknown[];
}

/**
 * A unit of store work written once as a sequence of statements: the generator yields each
 * statement and receives its rows (and, for writes, the number of rows changed). The SQLite group
 * commit drives it synchronously with prepared statements inside its batch (sqlite-fast-path.ts),
 * so concurrent units share one fsync; {@link runUnitInTransaction} drives it over a Kysely
 * transaction. Between two statements the unit may only compute — no I/O, no await.
 */
export type StoreUnit<T> = Generator<UnitQuery, T, UnitResult>;
export interface UnitResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly changes: number;
}

/** Runs a statement synchronously (the SQLite driver) and gives back its rows. */
export type SyncExecutor = (query: UnitQuery) => UnitResult;

/** Drive a unit over a synchronous executor (inside a transaction the caller owns). */
export function runUnitSync<T>(unit: StoreUnit<T>, exec: SyncExecutor): T {
  let step = unit.next();
  while (step.done !== true) step = unit.next(exec(step.value));
  return step.value;
}

/** Drive a unit inside one Kysely transaction (SQLite placeholders): everything commits together. */
export function runUnitInTransaction<T>(db: Kysely<Database>, unit: StoreUnit<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    let step = unit.next();
    while (step.done !== true) {
      const r = await trx.executeQuery(CompiledQuery.raw(step.value.text, [...step.value.params]));
      step = unit.next({
        rows: r.rows as Record<string, unknown>[],
        changes: Number(r.numAffectedRows ?? 0n),
      });
    }
    return step.value;
  });
}

/** The code with its browser session and user: one read (two LEFT JOINs on primary keys). */
const READ = `select ${CODE_COLUMNS.map((c) => `c.${c}`).join(', ')},
    ${selectAs('b', 'b_', BROWSER_SESSION_COLUMNS)}, ${selectAs('u', 'u_', USER_COLUMNS)}
  from authorization_codes c
  left join browser_sessions b on b.id = c.browser_session_id
  left join users u on u.id = c.user_id
  where c.hash = ?`;

interface CodeRead {
  readonly code: AuthorizationCodeRow;
  readonly browser: BrowserSessionRow | undefined;
  readonly user: UserRow | undefined;
}

const decode = (r: Record<string, unknown> | undefined): CodeRead | undefined =>
  r === undefined
    ? undefined
    : {
        code: pick<AuthorizationCodeRow>(r, '', CODE_COLUMNS)!,
        browser: pick<BrowserSessionRow>(r, 'b_', BROWSER_SESSION_COLUMNS),
        user: pick<UserRow>(r, 'u_', USER_COLUMNS),
      };

/** The compare-and-swap: only an unspent code is spent, so exactly one exchange wins. */
const SPEND = `update authorization_codes
  set used_at = ?, issued_session_id = ?, issued_jti = ?, issued_exp = ?
  where hash = ? and used_at is null`;
const spendParams = (input: CodeRedemptionInput): unknown[] => [
  input.now,
  input.issuance.sessionId,
  input.issuance.jti,
  input.issuance.exp,
  input.hash,
];
const spentRow = (
  code: AuthorizationCodeRow,
  input: CodeRedemptionInput,
): AuthorizationCodeRow => ({
  ...code,
  used_at: input.now,
  issued_session_id: input.issuance.sessionId,
  issued_jti: input.issuance.jti,
  issued_exp: input.issuance.exp,
});

const insertOf = (table: string, cols: readonly string[]) =>
  `insert into ${table} ${columnList(cols)} values (${placeholders(cols.length)})`;
const AUDIT_COLUMNS = [
  'id',
  'at_ms',
  'type',
  'subject',
  'client_id',
  'ip',
  'detail',
  'count',
  'last_at_ms',
  'bucket',
] as const;
const INSERT_SESSION = insertOf('sessions', SESSION_COLUMNS);
const INSERT_TOKEN = insertOf('refresh_tokens', REFRESH_TOKEN_COLUMNS);
const INSERT_AUDIT = insertOf('audit_events', AUDIT_COLUMNS);
const valuesOf = (row: object, cols: readonly string[]): unknown[] =>
  cols.map((c) => (row as Record<string, unknown>)[c] ?? null);

/**
 * The code exchange as one unit (RFC 6749 §4.1.3), for SQLite: read the code with its browser
 * session and user, spend it (the compare-and-swap `UPDATE … WHERE used_at IS NULL`; one writer
 * on SQLite, so exactly one exchange wins), let the caller decide what the spend issues, and
 * insert that (session, refresh token, audit row). The spend commits whatever the decision, so a
 * code fails closed: one attempt per code, right or wrong.
 */
export function* redeemCodeUnit(input: CodeRedemptionInput): StoreUnit<CodeRedemption> {
  const read = decode((yield { text: READ, params: [input.hash] }).rows[0]);
  if (read === undefined) return { consumed: false, row: undefined };
  if ((yield { text: SPEND, params: spendParams(input) }).changes === 0)
    return { consumed: false, row: read.code };
  const row = spentRow(read.code, input);
  const plan = input.plan(row, read.browser, read.user);
  if (plan?.session !== undefined)
    yield { text: INSERT_SESSION, params: valuesOf(plan.session, SESSION_COLUMNS) };
  if (plan?.token !== undefined)
    yield { text: INSERT_TOKEN, params: valuesOf(plan.token, REFRESH_TOKEN_COLUMNS) };
  if (plan?.audit !== undefined)
    yield { text: INSERT_AUDIT, params: valuesOf(plan.audit, AUDIT_COLUMNS) };
  return { consumed: true, row, browser: read.browser, user: read.user, plan };
}

/** A row written from one JSON parameter, by column name (PostgreSQL casts each to its type). */
const rowFrom = (table: string, source: string) =>
  `insert into ${table} select (json_populate_record(null::${table}, ?::json)).* from ${source}`;

/**
 * The write of a PostgreSQL code exchange as one statement (one round trip, one implicit
 * transaction): the compare-and-swap spend, then — only if it won, and only while the browser
 * session is still open and the user still enabled (re-checked here: a logout or a disable
 * between the read and this statement issues nothing) — the session, the refresh token and the
 * audit row as data-modifying CTEs. A concurrent spend of the same code waits on the row lock,
 * re-checks `used_at IS NULL` against the committed row (READ COMMITTED) and spends nothing.
 * A failing insert (a constraint) fails the whole statement: the code stays unspent.
 */
function pgWrite(plan: ReturnType<CodeRedemptionInput['plan']>): string {
  const parts = [`spent as (${SPEND} returning hash)`];
  if (plan !== undefined) {
    parts.push(`open as (select 1 from spent
      where exists (select 1 from browser_sessions where id = ? and ended_at is null)
        and exists (select 1 from users where id = ? and disabled = 0))`);
    if (plan.session !== undefined)
      parts.push(`s as (${rowFrom('sessions', 'open')} returning id)`);
    if (plan.token !== undefined)
      parts.push(
        `t as (${rowFrom('refresh_tokens', plan.session !== undefined ? 's' : 'open')} returning hash)`,
      );
    if (plan.audit !== undefined)
      parts.push(`a as (${rowFrom('audit_events', 'open')} returning id)`);
  }
  const issued = plan === undefined ? '0' : '(select count(*) from open)';
  return `with ${parts.join(', ')}
    select (select count(*) from spent)::int as spent, ${issued}::int as issued`;
}

/**
 * The code exchange on PostgreSQL in two round trips: the read (code ⋈ browser session ⋈ user),
 * the caller's decision in memory, then {@link pgWrite}'s one statement. A code already spent at
 * the read, or spent by a concurrent exchange before the write, is a replay: the committed row
 * (with the winner's issuance) comes back for the caller to revoke.
 */
export async function redeemCodeOnPostgres(
  hot: HotSql,
  input: CodeRedemptionInput,
): Promise<CodeRedemption> {
  const read = decode((await hot.all<Record<string, unknown>>(READ, [input.hash]))[0]);
  if (read === undefined) return { consumed: false, row: undefined };
  if (read.code.used_at !== null) return { consumed: false, row: read.code };
  const row = spentRow(read.code, input);
  const plan = input.plan(row, read.browser, read.user);
  const params: unknown[] = spendParams(input);
  if (plan !== undefined) {
    params.push(row.browser_session_id, row.user_id);
    if (plan.session !== undefined) params.push(JSON.stringify(plan.session));
    if (plan.token !== undefined) params.push(JSON.stringify(plan.token));
    if (plan.audit !== undefined) params.push(JSON.stringify(plan.audit));
  }
  const [r] = await hot.all<{ spent: number; issued: number }>(pgWrite(plan), params);
  if (r?.spent !== 1) {
    // Lost the race: a new statement sees the winner's committed row.
    const now = decode((await hot.all<Record<string, unknown>>(READ, [input.hash]))[0]);
    return { consumed: false, row: now?.code };
  }
  // The browser session ended or the user was disabled since the read: spent, nothing issued.
  if (plan !== undefined && r.issued !== 1)
    return { consumed: true, row, browser: read.browser, user: read.user, plan: undefined };
  return { consumed: true, row, browser: read.browser, user: read.user, plan };
}
