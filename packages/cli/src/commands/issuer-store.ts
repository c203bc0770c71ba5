import type { CliIo } from '../io.js';
import { CliError, inputError, usageError } from '../exit-codes.js';
import { loadServer } from './serve.js';

type Server = Awaited<ReturnType<typeof loadServer>>;

/** The flags every admin command shares: where the store is (as `tessera serve` resolves it). */
export const STORE_FLAGS = {
  config: { type: 'string' },
  database: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What an admin command works with: the server library, the store, an audit over it, settings. */
export interface IssuerAdmin {
  readonly server: Server;
  readonly store: Awaited<ReturnType<Server['openStore']>>;
  readonly audit: ReturnType<Server['createAudit']>;
  readonly settings: ReturnType<Server['toServeSettings']>;
  /** Current time in seconds. */
  readonly now: () => number;
}

/**
 * Open the issuer's store the way `tessera serve` would find it (config file, TESSERA_… env,
 * `--database`/`--data-dir`), run `fn`, close the store. The issuer's typed errors become
 * one-line input errors (exit 3).
 */
export async function withIssuerStore(
  values: {
    config?: string | undefined;
    database?: string | undefined;
    'data-dir'?: string | undefined;
  },
  io: CliIo,
  fn: (admin: IssuerAdmin) => Promise<number>,
  { migrate = true }: { migrate?: boolean } = {},
): Promise<number> {
  const server = await loadServer();
  let settings: ReturnType<Server['toServeSettings']>;
  try {
    const loaded = server.loadSettings({
      ...(values.config !== undefined ? { file: values.config } : {}),
      env: io.env,
      flags: { database: values.database, 'data-dir': values['data-dir'] },
      cwd: io.cwd,
    });
    settings = server.toServeSettings(loaded);
  } catch (e) {
    if (e instanceof server.ConfigError) throw inputError(e.message, 'ERR_CONFIG');
    throw e;
  }
  const s = settings.start;
  const store = await server.openStore({
    ...(s.database !== undefined ? { database: s.database } : {}),
    ...(s.dataDir !== undefined ? { dataDir: s.dataDir } : {}),
    env: io.env,
    migrate,
  });
  const now = () => Math.floor((io.now?.() ?? new Date()).getTime() / 1000);
  try {
    return await fn({
      server,
      store,
      audit: server.createAudit(store, undefined, () => now() * 1000),
      settings,
      now,
    });
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (
      e instanceof server.InputError ||
      e instanceof server.ConfigError ||
      e instanceof server.KekError
    )
      throw inputError(e.message);
    throw e;
  } finally {
    await store.close();
  }
}

/** One subcommand out of `allowed`, or a usage error. */
export function subcommand(
  sub: string | undefined,
  allowed: readonly string[],
  usage: string,
): string {
  if (sub === undefined || !allowed.includes(sub)) throw usageError(usage);
  return sub;
}

/** Seconds since the epoch → ISO 8601 (UTC), or "-". */
export const isoTime = (s: number | null | undefined): string =>
  s === null || s === undefined ? '-' : new Date(s * 1000).toISOString().replace('.000Z', 'Z');
