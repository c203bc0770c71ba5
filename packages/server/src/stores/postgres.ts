import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { pgHotSql } from './hot-sql.js';
import { KyselyStore } from './kysely-store.js';
import { PgChangeChannel } from './pg-notify.js';
import type { Database as Schema } from './schema.js';
import type { Store } from './store.js';

export interface PostgresStoreOptions {
  /** Schema to create (if missing) and use via `search_path` (default: the server's default). */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** `application_name` of the connections (default `tessera`). */
  applicationName?: string;
  /**
   * Run pending migrations on open (default true). `tessera serve` passes false unless
   * `--migrate`, then refuses to start on pending migrations (see `migrationStatus()`).
   */
  migrate?: boolean;
}

const INT8_OID = 20;
// Times are stored as bigint; pg returns int8 as a string by default. Seconds and milliseconds
// since the epoch stay far below 2^53, so a Number is exact.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Connect to PostgreSQL (`postgres://…`) and run the migrations. Several issuer nodes may share
 * one database: migrations take a lock, rotations are compare-and-swap, leases serialise key
 * rotation.
 *
 * @example
 * const store = await openPostgresStore(process.env.TESSERA_DATABASE_URL!);
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error('invalid schema name');
  if (schema !== undefined) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`create schema if not exists "${schema}"`);
    } finally {
      await c.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types,
    connectionTimeoutMillis: 5000,
    application_name: options.applicationName ?? 'tessera',
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection (server restart, pg_terminate_backend) emits an
  // error on the pool; without a listener that would crash the process.
  pool.on('error', () => {});
  // A checked-out client (inside a transaction, between queries) whose connection dies emits
  // 'error' too, and pg-pool listens only on idle clients: without this, a database restart
  // would crash the process. The failed query still rejects and the pool discards the client.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  let current = schema;
  if (current === undefined) {
    const r = await pool.query<{ s: string }>('select current_schema() as s');
    current = r.rows[0]?.s ?? 'public';
  }
  const store = new KyselyStore('postgres', db, current, { hot: pgHotSql(pool) });
  if (options.migrate !== false) await store.migrate();
  // Revocations made on other nodes reach this node's feed and push subscribers at once.
  const channel = new PgChangeChannel(url, `tr_${current}`.slice(0, 63), {
    application_name: `${options.applicationName ?? 'tessera'}-listen`,
  });
  await channel.start();
  store.useChangeChannel(channel);
  return store;
}

/** Drop a schema created for tests (CASCADE). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error('invalid schema name');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await c.end();
  }
}
