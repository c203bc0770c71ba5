import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';
import type {
  AuthorizationCodeRow,
  BrowserSessionRow,
  CodeRedemption,
  CodeRedemptionInput,
  UserRow,
} from './store.js';

/**
 * A unit of store work written once as a sequence of queries: the generator yields each compiled
 * query and receives its result. {@link runUnitInTransaction} drives it over a Kysely transaction
 * (PostgreSQL: one BEGIN … COMMIT, so one WAL flush); the SQLite group commit drives it
 * synchronously with prepared statements inside its batch (sqlite-fast-path.ts), so concurrent
 * units share one fsync. Between two queries the unit may only compute — no I/O, no await.
 */
export type StoreUnit<T> = Generator<CompiledQuery, T, QueryResult<unknown>>;

/** Runs a query synchronously (the SQLite driver) and gives back its rows. */
export type SyncExecutor = (query: CompiledQuery) => QueryResult<unknown>;

/** Drive a unit over a synchronous executor (inside a transaction the caller owns). */
export function runUnitSync<T>(unit: StoreUnit<T>, exec: SyncExecutor): T {
  let step = unit.next();
  while (step.done !== true) step = unit.next(exec(step.value));
  return step.value;
}

/** Drive a unit inside one Kysely transaction: everything it wrote commits together. */
export function runUnitInTransaction<T>(
  db: Kysely<Database>,
  unit: (db: Kysely<Database>) => StoreUnit<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const g = unit(trx);
    let step = g.next();
    while (step.done !== true) step = g.next(await trx.executeQuery(step.value));
    return step.value;
  });
}

/**
 * The code exchange's writes as one unit (RFC 6749 §4.1.3): spend the code (the compare-and-swap
 * `UPDATE … WHERE used_at IS NULL`, row lock on PostgreSQL, one writer on SQLite, so exactly one
 * exchange wins), read its browser session and user, let the caller decide what the spend issues,
 * and insert that (session, refresh token, audit row). The spend commits whatever the decision,
 * so a code fails closed: one attempt per code, right or wrong.
 */
export function* redeemCodeUnit(
  db: Kysely<Database>,
  input: CodeRedemptionInput,
): StoreUnit<CodeRedemption> {
  const { hash, now, issuance } = input;
  const spent = (yield db
    .updateTable('authorization_codes')
    .set({
      used_at: now,
      issued_session_id: issuance.sessionId,
      issued_jti: issuance.jti,
      issued_exp: issuance.exp,
    })
    .where('hash', '=', hash)
    .where('used_at', 'is', null)
    .returningAll()
    .compile()).rows[0] as AuthorizationCodeRow | undefined;
  if (spent === undefined) {
    const current = (yield db
      .selectFrom('authorization_codes')
      .selectAll()
      .where('hash', '=', hash)
      .compile()).rows[0] as AuthorizationCodeRow | undefined;
    return { consumed: false, row: current };
  }
  const browser = (yield db
    .selectFrom('browser_sessions')
    .selectAll()
    .where('id', '=', spent.browser_session_id)
    .compile()).rows[0] as BrowserSessionRow | undefined;
  const user = (yield db.selectFrom('users').selectAll().where('id', '=', spent.user_id).compile())
    .rows[0] as UserRow | undefined;
  const plan = input.plan(spent, browser, user);
  if (plan?.session !== undefined) yield db.insertInto('sessions').values(plan.session).compile();
  if (plan?.token !== undefined) yield db.insertInto('refresh_tokens').values(plan.token).compile();
  if (plan?.audit !== undefined) yield db.insertInto('audit_events').values(plan.audit).compile();
  return { consumed: true, row: spent, browser, user, plan };
}
