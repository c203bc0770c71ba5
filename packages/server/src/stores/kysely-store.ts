import { CompiledQuery, Migrator, sql, type Kysely } from 'kysely';
import { ClientCache } from './client-cache.js';
import { MIGRATIONS, migrationProvider } from './migrations.js';
import type { PgChangeChannel } from './pg-notify.js';
import { rotateInOneStatement } from './pg-rotation.js';
import {
  redeemCodeOnPostgres,
  redeemCodeUnit,
  runUnitInTransaction,
  runUnitSync,
  type SyncExecutor,
} from './code-redemption.js';
import type { HotSql } from './hot-sql.js';
import { findRefreshGrant, type RefreshGrantRows } from './refresh-lookup.js';
import type { Database } from './schema.js';
import { blockAfter, blockSql, type BackoffRule, type Reservation } from './login-backoff.js';
import type {
  AuditEventRow,
  AuthorizationCodeRow,
  AuthorizationRequestRow,
  BrowserSessionRow,
  CodeRedemption,
  CodeRedemptionInput,
  ConsentRow,
  ClientRow,
  KeyState,
  MigrationStatus,
  LoginFailureRow,
  MfaFactorRow,
  WebauthnCredentialRow,
  PurgeOptions,
  RefreshTokenRow,
  RevocationRow,
  RotateResult,
  SessionRow,
  SigningKeyRow,
  Store,
  UserRow,
} from './store.js';
import { ServerError } from '../errors.js';

/**
 * Whether a failed migration met a schema or table that another session dropped meanwhile: Kysely's
 * PostgreSQL introspection reads the tables of every schema of the database, so a schema dropped
 * at that moment (a parallel test run, another tenant) fails it although nothing of ours changed.
 */
export function isConcurrentSchemaDrop(e: unknown): boolean {
  return (
    e instanceof Error &&
    /^(schema|relation) ".*" does not exist$|^cache lookup failed for (relation|type)|^could not open relation with OID/.test(
      e.message,
    ) &&
    (e as { code?: unknown }).code !== undefined
  );
}

/** Thrown when the database cannot be reached or a query fails for a reason not ours. */
export class StoreError extends ServerError {
  override readonly name = 'StoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_STORE', message, options);
  }
}

/**
 * The store written once over Kysely: the SQL here runs unchanged on SQLite (better-sqlite3) and
 * PostgreSQL (pg). `sqlite.ts` and `postgres.ts` only build the dialect.
 */
/** A rotation strategy: resolves true when this caller won the compare-and-swap, once committed. */
export type RotateFn = (
  hash: string,
  rotatedAtMs: number,
  successorResponse: string,
  next: RefreshTokenRow,
  audit: AuditEventRow | undefined,
) => Promise<boolean>;

/** Runs a synchronous unit of work durably: resolves with its result once committed. */
export type SyncUnitRunner = <T>(work: (exec: SyncExecutor) => T) => Promise<T>;

export class KyselyStore implements Store {
  private readonly clients = new ClientCache((id) => this.readClient(id));
  private readonly rotate: RotateFn;
  private readonly revocationListeners = new Set<() => void>();
  private channel: PgChangeChannel | undefined;

  private readonly runSync: SyncUnitRunner | undefined;
  private readonly hot: HotSql | undefined;

  /**
   * @param fast The hot path. `hot` runs its fixed statements without the query builder
   *   (`hot-sql.ts`: named prepared statements on PostgreSQL, the statement cache on SQLite).
   *   SQLite also passes its group commit (`sqlite-fast-path.ts`): how a rotation is written and
   *   how a synchronous unit of work (code-redemption.ts) runs. PostgreSQL rotates with the
   *   one-statement CTE (`pg-rotation.ts`) and exchanges a code in two (code-redemption.ts).
   *   Without it (a SQLite store left unmigrated), everything goes through Kysely.
   */
  constructor(
    readonly kind: 'sqlite' | 'postgres',
    readonly db: Kysely<Database>,
    private readonly migrationSchema?: string,
    fast?: { hot: HotSql; rotate?: RotateFn; runSync?: SyncUnitRunner },
  ) {
    this.runSync = fast?.runSync;
    this.hot = fast?.hot;
    const hot = fast?.hot;
    this.rotate =
      fast?.rotate ??
      (kind === 'postgres' && hot !== undefined
        ? (...a) => rotateInOneStatement(hot, ...a)
        : (...a) => this.rotateInTransaction(...a));
  }

  private migrator(): Migrator {
    // On PostgreSQL the schema is named: Kysely looks the migration table up across all schemas,
    // and another schema in the same database (a parallel test run) must not be mistaken for ours.
    return new Migrator({
      db: this.db,
      provider: migrationProvider,
      migrationTableName: 'tessera_migrations',
      migrationLockTableName: 'tessera_migrations_lock',
      ...(this.migrationSchema !== undefined ? { migrationTableSchema: this.migrationSchema } : {}),
    });
  }

  async migrationStatus(): Promise<MigrationStatus> {
    // Read our own migration table directly: Kysely's Migrator looks tables up across every
    // schema, which fails while another schema of the same database is being dropped.
    const names = Object.keys(MIGRATIONS).sort();
    let applied: Set<string>;
    try {
      const db =
        this.migrationSchema !== undefined ? this.db.withSchema(this.migrationSchema) : this.db;
      const rows = await sql<{
        name: string;
      }>`select name from ${sql.table('tessera_migrations')}`.execute(db);
      applied = new Set(rows.rows.map((r) => r.name));
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const missing =
        code === '42P01' || /no such table/i.test(e instanceof Error ? e.message : '');
      if (!missing) throw e;
      applied = new Set();
    }
    return {
      applied: names.filter((n) => applied.has(n)),
      pending: names.filter((n) => !applied.has(n)),
    };
  }

  async migrate(): Promise<void> {
    // Nothing pending (every start but the first of a release): skip Kysely's Migrator, whose
    // cross-schema table lookup fails while another schema of the database is being dropped.
    if ((await this.migrationStatus()).pending.length === 0) return;
    const migrator = this.migrator();
    let { error, results } = await migrator.migrateToLatest();
    // Nothing was migrated when the introspection met a concurrently dropped schema: try again.
    for (let i = 0; i < 5 && error !== undefined && isConcurrentSchemaDrop(error); i++) {
      ({ error, results } = await migrator.migrateToLatest());
    }
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      // The database's own words: a schema, table or column name, never a value or a secret.
      const why = error instanceof Error ? `: ${error.message.slice(0, 200)}` : '';
      throw new StoreError(
        failed === undefined
          ? `the migrations could not start${why}`
          : `migration ${failed} failed${why}`,
        { cause: error },
      );
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.channel?.stop();
    await this.db.destroy();
  }

  /** PostgreSQL: announce revocations to other nodes, and hear theirs (`pg-notify.ts`). */
  useChangeChannel(channel: PgChangeChannel): void {
    this.channel = channel;
    channel.on(() => {
      for (const l of this.revocationListeners) l();
    });
  }

  async insertUser(row: UserRow): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }
  async findUserByUsername(username: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
  }
  async findUserById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async listUsers(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute();
  }
  async updateUser(id: string, patch: Partial<Omit<UserRow, 'id'>>): Promise<boolean> {
    const r = await this.db.updateTable('users').set(patch).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async insertClient(row: ClientRow): Promise<void> {
    await this.db.insertInto('clients').values(row).execute();
    this.clients.invalidate(row.id);
  }
  /** Through the client cache: at most `CLIENT_CACHE_TTL_MS` old (see `client-cache.ts`). */
  async findClient(id: string): Promise<ClientRow | undefined> {
    return this.clients.get(id);
  }
  private async readClient(id: string): Promise<ClientRow | undefined> {
    return this.db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async listClients(): Promise<ClientRow[]> {
    return this.db.selectFrom('clients').selectAll().orderBy('id').execute();
  }
  async updateClient(id: string, patch: Partial<Omit<ClientRow, 'id'>>): Promise<boolean> {
    const r = await this.db
      .updateTable('clients')
      .set(patch)
      .where('id', '=', id)
      .executeTakeFirst();
    this.clients.invalidate(id);
    return Number(r.numUpdatedRows) > 0;
  }

  async createSession(session: SessionRow, token: RefreshTokenRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('sessions').values(session).execute();
      await trx.insertInto('refresh_tokens').values(token).execute();
    });
  }
  async findSession(id: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async listSessions(filter: {
    userId?: string;
    now: number;
    limit: number;
  }): Promise<SessionRow[]> {
    let q = this.db
      .selectFrom('sessions')
      .selectAll()
      .where('ended_at', 'is', null)
      .where('expires_at', '>', filter.now);
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    return q.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute();
  }
  async endSession(id: string, reason: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('sessions')
        .set({ ended_at: now, ended_reason: reason })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      await trx
        .updateTable('refresh_tokens')
        .set({ state: 'revoked' })
        .where('session_id', '=', id)
        .where('state', '=', 'active')
        .execute();
      return Number(r.numUpdatedRows) > 0;
    });
  }

  async endUserSessions(userId: string, reason: string, now: number): Promise<string[]> {
    return this.endSessionsOf('user_id', userId, reason, now);
  }
  async endClientSessions(clientId: string, reason: string, now: number): Promise<string[]> {
    return this.endSessionsOf('client_id', clientId, reason, now);
  }
  async listLiveAccessTokens(
    clientId: string,
    now: number,
  ): Promise<{ jti: string; exp: number }[]> {
    const [fromRefresh, fromCodes] = await Promise.all([
      this.db
        .selectFrom('refresh_tokens')
        .select(['access_jti as jti', 'access_exp as exp'])
        .where('client_id', '=', clientId)
        .where('access_jti', 'is not', null)
        .where('access_exp', '>', now)
        .execute(),
      this.db
        .selectFrom('authorization_codes')
        .select(['issued_jti as jti', 'issued_exp as exp'])
        .where('client_id', '=', clientId)
        .where('issued_jti', 'is not', null)
        .where('issued_exp', '>', now)
        .execute(),
    ]);
    return [...fromRefresh, ...fromCodes].map((r) => ({ jti: r.jti!, exp: r.exp! }));
  }
  private async endSessionsOf(
    column: 'user_id' | 'client_id',
    value: string,
    reason: string,
    now: number,
  ): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const ended = await trx
        .updateTable('sessions')
        .set({ ended_at: now, ended_reason: reason })
        .where(column, '=', value)
        .where('ended_at', 'is', null)
        .returning('id')
        .execute();
      const ids = ended.map((r) => r.id);
      if (ids.length > 0) {
        await trx
          .updateTable('refresh_tokens')
          .set({ state: 'revoked' })
          .where('session_id', 'in', ids)
          .where('state', '=', 'active')
          .execute();
      }
      return ids;
    });
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRow | undefined> {
    return this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('hash', '=', hash)
      .executeTakeFirst();
  }
  async findRefreshGrant(hash: string): Promise<RefreshGrantRows | undefined> {
    return findRefreshGrant(this.hot ?? this.kyselyHot, hash);
  }
  /** The hot statements through Kysely's connection (SQLite placeholders): the unmigrated store. */
  private readonly kyselyHot: HotSql = {
    all: async <R>(text: string, params: readonly unknown[]) =>
      (await this.db.executeQuery(CompiledQuery.raw(text, [...params]))).rows as R[],
  };
  async rotateRefreshToken(
    hash: string,
    rotatedAtMs: number,
    successorResponse: string,
    next: RefreshTokenRow,
    audit?: AuditEventRow,
  ): Promise<RotateResult> {
    const won = await this.rotate(hash, rotatedAtMs, successorResponse, next, audit);
    if (won) return { rotated: true };
    return { rotated: false, current: await this.findRefreshToken(hash) };
  }
  /** The portable rotation (a Kysely transaction): used when no faster strategy is given. */
  private async rotateInTransaction(
    hash: string,
    rotatedAtMs: number,
    successorResponse: string,
    next: RefreshTokenRow,
    audit: AuditEventRow | undefined,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // The compare-and-swap: only a row still 'active' is updated. PostgreSQL takes the row
      // lock, so a concurrent UPDATE waits and then re-checks the WHERE against the committed
      // row (READ COMMITTED); SQLite serialises writers. Either way one caller wins.
      const row = await trx
        .updateTable('refresh_tokens')
        .set({ state: 'rotated', rotated_at_ms: rotatedAtMs, successor: successorResponse })
        .where('hash', '=', hash)
        .where('state', '=', 'active')
        .returning('hash')
        .executeTakeFirst();
      if (row === undefined) return false;
      await trx.insertInto('refresh_tokens').values(next).execute();
      if (audit !== undefined) await trx.insertInto('audit_events').values(audit).execute();
      return true;
    });
  }

  async addRevocation(
    kind: 'jti' | 'sid',
    value: string,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    await this.db
      .insertInto('revocations')
      .values({ kind, value, expires_at: expiresAt, created_at: now })
      .onConflict((oc) =>
        oc.columns(['kind', 'value']).doUpdateSet({
          expires_at: sql<number>`case when excluded.expires_at > revocations.expires_at then excluded.expires_at else revocations.expires_at end`,
        }),
      )
      .execute();
    for (const l of this.revocationListeners) l();
    if (this.channel !== undefined)
      await sql`select pg_notify(${this.channel.channel}, '')`.execute(this.db);
  }
  onRevocationsChanged(listener: () => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }
  async listRevocations(now: number): Promise<RevocationRow[]> {
    return this.db
      .selectFrom('revocations')
      .selectAll()
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .orderBy('value')
      .execute();
  }
  async isRevoked(kind: 'jti' | 'sid', value: string, now: number): Promise<boolean> {
    const r = await this.db
      .selectFrom('revocations')
      .select('value')
      .where('kind', '=', kind)
      .where('value', '=', value)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return r !== undefined;
  }
  async isAnyRevoked(jti: string, sid: string | undefined, now: number): Promise<boolean> {
    const r = await this.db
      .selectFrom('revocations')
      .select('value')
      .where((eb) =>
        eb.or([
          eb.and([eb('kind', '=', 'jti'), eb('value', '=', jti)]),
          ...(sid !== undefined ? [eb.and([eb('kind', '=', 'sid'), eb('value', '=', sid)])] : []),
        ]),
      )
      .where('expires_at', '>', now)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }
  async recordDpopProof(key: string, expiresAt: number, now: number): Promise<boolean> {
    // Insert, or take over an expired entry; a live entry is left alone and nothing is written.
    const r = await this.db
      .insertInto('dpop_proofs')
      .values({ key, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ expires_at: expiresAt })
          .where('dpop_proofs.expires_at', '<=', now),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async getOrCreateSecret(name: string, candidate: string, now: number): Promise<string> {
    await this.db
      .insertInto('server_secrets')
      .values({ name, sealed: candidate, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('server_secrets')
      .select('sealed')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return row.sealed;
  }

  async purgeExpired(now: number, options: PurgeOptions = {}): Promise<void> {
    if (options.auditRetention !== undefined)
      await this.db
        .deleteFrom('audit_events')
        .where('at_ms', '<', (now - options.auditRetention) * 1000)
        .execute();
    await this.db.deleteFrom('dpop_proofs').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('totp_used_steps').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('revocations').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('refresh_tokens').where('expires_at', '<=', now).execute();
    // The sealed replay copy is needed only within the replay window (at most 60 s).
    await this.db
      .updateTable('refresh_tokens')
      .set({ successor: null })
      .where('state', '=', 'rotated')
      .where('rotated_at_ms', '<', (now - 120) * 1000)
      .where('successor', 'is not', null)
      .execute();
    await this.db
      .deleteFrom('authorization_codes')
      .where('expires_at', '<=', now - 3600)
      .execute();
    await this.db.deleteFrom('authorization_requests').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('client_assertions').where('expires_at', '<=', now).execute();
    await this.db
      .deleteFrom('browser_sessions')
      .where('expires_at', '<=', now - 86400)
      .execute();
    await this.db
      .deleteFrom('login_failures')
      .where('blocked_until', '<=', now)
      .where('last_failure_at', '<=', now - 86400)
      .execute();
  }

  async listSigningKeys(): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('kid')
      .execute();
  }
  async insertSigningKey(row: SigningKeyRow): Promise<void> {
    await this.db.insertInto('signing_keys').values(row).execute();
  }
  async transitionSigningKey(
    kid: string,
    from: KeyState,
    to: KeyState,
    at: number,
    dropPrivate = false,
  ): Promise<boolean> {
    const stamp =
      to === 'active'
        ? { activated_at: at }
        : to === 'retiring'
          ? { retiring_at: at }
          : to === 'retired'
            ? { retired_at: at }
            : {};
    const r = await this.db
      .updateTable('signing_keys')
      .set({ state: to, ...stamp, ...(dropPrivate ? { private_enc: '' } : {}) })
      .where('kid', '=', kid)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const row = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at_ms: nowMs + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at_ms: nowMs + ttlMs })
          .where((eb) =>
            eb.or([eb('leases.expires_at_ms', '<=', nowMs), eb('leases.holder', '=', holder)]),
          ),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }
  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db
      .deleteFrom('leases')
      .where('name', '=', name)
      .where('holder', '=', holder)
      .execute();
  }

  async getLoginFailure(key: string): Promise<LoginFailureRow | undefined> {
    return this.db
      .selectFrom('login_failures')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
  }
  async reserveLoginAttempt(key: string, now: number, rule: BackoffRule): Promise<Reservation> {
    // One statement, so the check and the count cannot be split by a concurrent attempt: the
    // row is updated only while it is not blocked (PostgreSQL re-checks the WHERE on the locked
    // row; SQLite serialises writers), and the attempt that reaches the threshold sets the block
    // before its password is looked at.
    const fresh = sql<boolean>`login_failures.last_failure_at <= ${now - rule.windowSeconds}`;
    const next = sql<number>`(case when ${fresh} then 1 else login_failures.failures + 1 end)`;
    const row = await this.db
      .insertInto('login_failures')
      .values({ key, failures: 1, last_failure_at: now, blocked_until: blockAfter(1, now, rule) })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({
            failures: next,
            last_failure_at: now,
            blocked_until: blockSql(next, now, rule),
          })
          .where('login_failures.blocked_until', '<=', now),
      )
      .returning('failures')
      .executeTakeFirst();
    if (row !== undefined) return { reserved: true, count: Number(row.failures) };
    const current = await this.getLoginFailure(key);
    return {
      reserved: false,
      retryAfter: Math.max(1, Number(current?.blocked_until ?? now) - now),
    };
  }
  async releaseLoginAttempt(key: string): Promise<void> {
    // Only the count: a block in force stays until it expires, so a burst stays bounded even
    // when one of its guesses succeeds or is given back.
    await this.db
      .updateTable('login_failures')
      .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
      .where('key', '=', key)
      .execute();
  }
  async clearLoginFailures(key: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('key', '=', key).execute();
  }

  async createBrowserSession(row: BrowserSessionRow): Promise<void> {
    await this.db.insertInto('browser_sessions').values(row).execute();
  }
  async findBrowserSession(tokenHash: string): Promise<BrowserSessionRow | undefined> {
    return this.db
      .selectFrom('browser_sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }
  async findBrowserSessionById(id: string): Promise<BrowserSessionRow | undefined> {
    return this.db
      .selectFrom('browser_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }
  async touchBrowserSession(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('browser_sessions')
      .set({ last_seen_at: now })
      .where('id', '=', id)
      .execute();
  }
  async endUserBrowserSessions(userId: string, now: number): Promise<string[]> {
    const ended = await this.db
      .updateTable('browser_sessions')
      .set({ ended_at: now })
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .returning('id')
      .execute();
    return ended.map((r) => r.id);
  }
  async endBrowserSession(id: string, now: number): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('browser_sessions')
        .set({ ended_at: now })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return undefined;
      const families = await trx
        .updateTable('sessions')
        .set({ ended_at: now, ended_reason: 'logout' })
        .where('browser_session_id', '=', id)
        .where('ended_at', 'is', null)
        .returning(['id', 'client_id'])
        .execute();
      const ids = families.map((f) => f.id);
      if (ids.length > 0) {
        await trx
          .updateTable('refresh_tokens')
          .set({ state: 'revoked' })
          .where('session_id', 'in', ids)
          .where('state', '=', 'active')
          .execute();
      }
      const codes = await trx
        .selectFrom('authorization_codes')
        .select('client_id')
        .where('browser_session_id', '=', id)
        .execute();
      return [...new Set([...families.map((f) => f.client_id), ...codes.map((c) => c.client_id)])];
    });
  }

  async insertAuthorizationRequest(row: AuthorizationRequestRow): Promise<void> {
    await this.db.insertInto('authorization_requests').values(row).execute();
  }
  async findAuthorizationRequest(idHash: string): Promise<AuthorizationRequestRow | undefined> {
    return this.db
      .selectFrom('authorization_requests')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
  }
  async consumeAuthorizationRequest(idHash: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('authorization_requests')
      .set({ used_at: now })
      .where('id_hash', '=', idHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async insertAuthorizationCode(row: AuthorizationCodeRow): Promise<void> {
    await this.db.insertInto('authorization_codes').values(row).execute();
  }
  async redeemAuthorizationCode(input: CodeRedemptionInput): Promise<CodeRedemption> {
    if (this.runSync !== undefined)
      return this.runSync((exec) => runUnitSync(redeemCodeUnit(input), exec));
    if (this.kind === 'postgres' && this.hot !== undefined)
      return redeemCodeOnPostgres(this.hot, input);
    return runUnitInTransaction(this.db, redeemCodeUnit(input));
  }

  async findConsent(userId: string, clientId: string): Promise<ConsentRow | undefined> {
    return this.db
      .selectFrom('consents')
      .selectAll()
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
  }
  async putConsent(row: ConsentRow): Promise<void> {
    await this.db
      .insertInto('consents')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'client_id'])
          .doUpdateSet({ scopes: row.scopes, created_at: row.created_at }),
      )
      .execute();
  }
  async listConsents(userId: string): Promise<ConsentRow[]> {
    return this.db
      .selectFrom('consents')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('client_id')
      .execute();
  }
  async deleteConsent(userId: string, clientId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('consents')
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async endUserClientSessions(
    userId: string,
    clientId: string,
    reason: string,
    now: number,
  ): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const ended = await trx
        .updateTable('sessions')
        .set({ ended_at: now, ended_reason: reason })
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .where('ended_at', 'is', null)
        .returning('id')
        .execute();
      const ids = ended.map((r) => r.id);
      if (ids.length > 0)
        await trx
          .updateTable('refresh_tokens')
          .set({ state: 'revoked' })
          .where('session_id', 'in', ids)
          .where('state', '=', 'active')
          .execute();
      return ids;
    });
  }

  async recordClientAssertion(key: string, expiresAt: number, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('client_assertions')
      .values({ key, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ expires_at: expiresAt })
          .where('client_assertions.expires_at', '<=', now),
      )
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  async putMfaFactor(row: MfaFactorRow): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('mfa_factors')
        .where('user_id', '=', row.user_id)
        .where('kind', '=', row.kind)
        .where('confirmed_at', 'is', null)
        .execute();
      // A confirmed factor of this kind survives: the unique key refuses the new row.
      const r = await trx
        .insertInto('mfa_factors')
        .values(row)
        .onConflict((oc) => oc.columns(['user_id', 'kind']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }
  async listMfaFactors(userId: string): Promise<MfaFactorRow[]> {
    const rows = await this.db
      .selectFrom('mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      ...r,
      created_at: Number(r.created_at),
      confirmed_at: r.confirmed_at === null ? null : Number(r.confirmed_at),
      last_used_at: r.last_used_at === null ? null : Number(r.last_used_at),
    }));
  }
  async confirmMfaFactor(id: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('mfa_factors')
      .set({ confirmed_at: now })
      .where('id', '=', id)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async touchMfaFactor(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('mfa_factors')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .execute();
  }
  async deleteUserMfa(userId: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('mfa_factors')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      await trx.deleteFrom('totp_used_steps').where('user_id', '=', userId).execute();
      return Number(r.numDeletedRows);
    });
  }
  async insertWebauthnCredential(row: WebauthnCredentialRow): Promise<boolean> {
    const r = await this.db
      .insertInto('webauthn_credentials')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async findWebauthnCredential(id: string): Promise<WebauthnCredentialRow | undefined> {
    const r = await this.db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r === undefined ? undefined : webauthnRow(r);
  }
  async listWebauthnCredentials(userId: string): Promise<WebauthnCredentialRow[]> {
    const rows = await this.db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map(webauthnRow);
  }
  async useWebauthnCredential(
    id: string,
    expectedCounter: number,
    next: { readonly counter: number; readonly backupState: boolean; readonly now: number },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('webauthn_credentials')
      .set({
        counter: next.counter,
        backup_state: next.backupState ? 1 : 0,
        last_used_at: next.now,
      })
      .where('id', '=', id)
      .where('counter', '=', expectedCounter)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async deleteWebauthnCredentials(userId: string): Promise<number> {
    const r = await this.db
      .deleteFrom('webauthn_credentials')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
  async spendTotpStep(userId: string, step: number, expiresAt: number): Promise<boolean> {
    // A spent step is never taken over (unlike DPoP proofs): it stays until it can no longer
    // verify, and purgeExpired removes it after that.
    const r = await this.db
      .insertInto('totp_used_steps')
      .values({ user_id: userId, step, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['user_id', 'step']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  async replaceRecoveryCodes(
    userId: string,
    hashes: readonly string[],
    now: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (hashes.length > 0)
        await trx
          .insertInto('recovery_codes')
          .values(
            hashes.map((code_hash) => ({
              user_id: userId,
              code_hash,
              created_at: now,
              used_at: null,
            })),
          )
          .execute();
    });
  }
  async spendRecoveryCode(
    userId: string,
    hash: string,
    now: number,
  ): Promise<{ spent: boolean; remaining: number }> {
    const r = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return {
      spent: Number(r.numUpdatedRows) > 0,
      remaining: await this.countRecoveryCodes(userId),
    };
  }
  async countRecoveryCodes(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertAuditEvent(row: AuditEventRow): Promise<void> {
    const q = this.db.insertInto('audit_events').values(row);
    if (row.bucket === null) await q.execute();
    else
      // One statement, atomic on every node: the first event of the minute inserts, repeats count.
      await q
        .onConflict((oc) =>
          oc.column('bucket').doUpdateSet((eb) => ({
            count: eb('audit_events.count', '+', 1),
            last_at_ms: eb.ref('excluded.at_ms'),
          })),
        )
        .execute();
  }
  async listAuditEvents(limit: number, type?: string): Promise<AuditEventRow[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (type !== undefined) q = q.where('type', '=', type);
    return q.orderBy('at_ms', 'desc').orderBy('id').limit(limit).execute();
  }
}

/** PostgreSQL returns bigint columns as strings: back to numbers. */
function webauthnRow(r: WebauthnCredentialRow): WebauthnCredentialRow {
  return {
    ...r,
    counter: Number(r.counter),
    created_at: Number(r.created_at),
    last_used_at: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}
