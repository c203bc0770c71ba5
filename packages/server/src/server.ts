import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { closeGracefully, type ShutdownOptions } from './graceful-close.js';
import type { LogIpMode } from './logging/request-log.js';
import { createIssuerMetrics } from './metrics/issuer-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-routes.js';
import type { MetricsSettings } from './settings/serve-settings.js';
import { ConfigError, resolveConfig, type ServerOptions } from './config.js';
import { assertPrivateDataFolder } from './data-folder.js';
import { loadOrCreateKekFile, parseKek, type Kek } from './keys/kek.js';
import { openPostgresStore } from './stores/postgres.js';
import { openSqliteStore } from './stores/sqlite.js';
import type { Store } from './stores/store.js';

export interface StartOptions extends Partial<ServerOptions> {
  /** Port (default 4000; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** `postgres://…` for PostgreSQL, or a SQLite file path (default `<dataDir>/tessera.db`). */
  database?: string;
  /** Data folder for the embedded SQLite file and the generated KEK (default `./.tessera`). */
  dataDir?: string;
  /** Key-encryption key, 32 bytes as base64url or hex (default: `TESSERA_KEK`, else generated in dataDir for SQLite). */
  kek?: string;
  /** Fastify/pino logger option (default false). */
  logger?: boolean | Record<string, unknown>;
  /** Fastify `trustProxy` (default false). */
  trustProxy?: boolean | string | string[];
  /** Mount extra routes (the CLI mounts the debugger page at `/` in demo mode). */
  mount?: (app: FastifyInstance) => void | Promise<void>;
  /** SQLite durability: `full` (default) or `normal` (see openSqliteStore). */
  sqliteSynchronous?: 'full' | 'normal';
  /** PostgreSQL schema (tests). */
  postgresSchema?: string;
  /**
   * PostgreSQL: run pending migrations at start (default true for the library; `tessera serve`
   * passes its `--migrate` setting). When false, pending migrations refuse the start.
   */
  migrate?: boolean;
  /** Prometheus `/metrics` (off when absent): on `port` (its own listener) or behind `token`. */
  metrics?: MetricsSettings;
  /** Client addresses in log lines: `full` (default), `truncate` or `omit`. */
  logIp?: LogIpMode;
  /**
   * How often the node checks the stored signing keys, in ms (default 30 000): a rotation made
   * elsewhere (`tessera keys rotate`, another node) is picked up within this interval.
   */
  keyCheckIntervalMs?: number;
  /** Environment (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * Start even when the data folder or the SQLite database can be read or written by group or
   * others (default false: refused with the `chmod` that fixes it; `--allow-insecure-permissions`).
   */
  allowInsecurePermissions?: boolean;
}

export interface RunningServer {
  readonly url: string;
  /** The separate metrics listener's URL, when `metrics.port` was given. */
  readonly metricsUrl?: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  close(): Promise<void>;
  /**
   * Graceful stop: `/readyz` answers 503, no new connection is accepted, requests in flight
   * finish (connections still open after `timeoutMs` are cut), then the rotation lease is
   * released and the store closed.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

export const DEFAULT_PORT = 4000;

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/** Open the configured store: PostgreSQL for `postgres://…`, else the SQLite file. */
export async function openStore(o: {
  database?: string;
  dataDir?: string;
  postgresSchema?: string;
  sqliteSynchronous?: 'full' | 'normal';
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
  env?: Record<string, string | undefined>;
}): Promise<Store> {
  const env = o.env ?? process.env;
  const database = o.database ?? env['TESSERA_DATABASE_URL'];
  if (database !== undefined && isPostgresUrl(database)) {
    return openPostgresStore(database, {
      ...(o.postgresSchema !== undefined ? { schema: o.postgresSchema } : {}),
      ...(o.migrate !== undefined ? { migrate: o.migrate } : {}),
    });
  }
  return openSqliteStore(sqliteFile(database, o.dataDir), {
    ...(o.sqliteSynchronous !== undefined ? { synchronous: o.sqliteSynchronous } : {}),
    ...(o.migrate !== undefined ? { migrate: o.migrate } : {}),
  });
}

/** The SQLite file the options select (`database`, else `<dataDir>/tessera.db`), absolute. */
function sqliteFile(database: string | undefined, dataDir: string | undefined): string {
  return resolve(database ?? join(dataDir ?? '.tessera', 'tessera.db'));
}

/** Which store the options select, without opening it. */
export function storeKind(o: {
  database?: string;
  env?: Record<string, string | undefined>;
}): 'sqlite' | 'postgres' {
  const database = o.database ?? (o.env ?? process.env)['TESSERA_DATABASE_URL'];
  return database !== undefined && isPostgresUrl(database) ? 'postgres' : 'sqlite';
}

/** The KEK from options or `TESSERA_KEK`; in embedded (SQLite) mode generated once into the data folder. */
export function loadKek(
  o: { kek?: string; dataDir?: string; env?: Record<string, string | undefined> },
  kind: 'sqlite' | 'postgres',
): Kek {
  const text = o.kek ?? (o.env ?? process.env)['TESSERA_KEK'];
  if (text !== undefined) return parseKek(text);
  if (kind === 'postgres') {
    throw new ConfigError(
      'a key-encryption key is required with PostgreSQL (--kek or TESSERA_KEK): every node must share it',
    );
  }
  return loadOrCreateKekFile(resolve(o.dataDir ?? '.tessera'));
}

/** Refuse to serve over a schema older than this code: `tessera migrate` (or `--migrate`) first. */
async function refuseUnmigrated(store: Store): Promise<void> {
  const { pending } = await store.migrationStatus();
  if (pending.length > 0)
    throw new ConfigError(
      `the database has ${pending.length} pending migration(s) (${pending.join(', ')}): run \`tessera migrate\` first, or start with --migrate`,
    );
}

/** A port that was free on `host` a moment ago (for an issuer URL that must name its port). */
export async function freePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/**
 * Open the store, load (or create) the keys and listen. The issuer URL defaults to
 * `http://<host>:<port>`.
 *
 * @example
 * const server = await startServer({ port: 0 });
 * console.log(server.url); // http://127.0.0.1:53211
 * await server.close();
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  let port = options.port ?? DEFAULT_PORT;
  if (port === 0 && options.issuer === undefined) port = await freePort(host);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const issuer = options.issuer ?? `http://${shownHost}:${port}`;
  const serverOptions: ServerOptions = { ...options, issuer };
  // A wrong setting is refused before anything is read or created; buildApp resolves the same
  // options for its own use.
  resolveConfig(serverOptions);
  const kind = storeKind(options);
  // Before anything is read or created: a data folder others can read already leaked, and a
  // start over it would write the KEK and new secrets there (docs/security.md#data-folder).
  if (kind === 'sqlite') {
    const env = options.env ?? process.env;
    const database = options.database ?? env['TESSERA_DATABASE_URL'];
    assertPrivateDataFolder(
      resolve(options.dataDir ?? '.tessera'),
      sqliteFile(database, options.dataDir),
      options.allowInsecurePermissions === true,
    );
  }
  // The KEK is checked before the store is opened: a refused start leaves no tables behind.
  const kek = loadKek(options, kind);
  // The embedded SQLite file always migrates itself; PostgreSQL (shared by nodes of possibly
  // different versions) only when asked.
  const store = await openStore({
    ...options,
    migrate: kind === 'sqlite' || options.migrate !== false,
  });
  let app: FastifyInstance;
  const metrics = options.metrics !== undefined ? createIssuerMetrics() : undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    await refuseUnmigrated(store);
    app = await buildApp({
      config: serverOptions,
      store,
      kek,
      ownsStore: true,
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.mount !== undefined ? { mount: options.mount } : {}),
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      ...(options.logIp !== undefined ? { logIp: options.logIp } : {}),
      ...(options.keyCheckIntervalMs !== undefined
        ? { keyCheckIntervalMs: options.keyCheckIntervalMs }
        : {}),
      ...(metrics !== undefined ? { metrics } : {}),
      ...(options.metrics?.token !== undefined ? { metricsToken: options.metrics.token } : {}),
    });
    if (metrics !== undefined && options.metrics?.port !== undefined) {
      metricsServer = await startMetricsServer(metrics.registry, {
        port: options.metrics.port,
        host: options.metrics.host ?? host,
      });
      const m = metricsServer;
      app.addHook('onClose', async () => m.close());
    }
  } catch (e) {
    await metricsServer?.close().catch(() => {});
    await store.close().catch(() => {});
    throw e;
  }
  try {
    await app.listen({ port, host });
  } catch (e) {
    await app.close().catch(() => {});
    throw e;
  }
  return {
    url: issuer,
    ...(metricsServer !== undefined ? { metricsUrl: metricsServer.url } : {}),
    app,
    store,
    close: async () => {
      await app.close();
    },
    shutdown: (o) => closeGracefully(app, o),
  };
}
