import type { ParseArgsConfig } from 'node:util';
import { ConfigError, InputError, openStore, type Store } from '@tessera/server';
import { MAX_PASSWORD_BYTES, readStdin, type CliIo } from '../io.js';
import { CliError, EXIT, inputError, usageError } from '../exit-codes.js';

/** The issuer package, loaded on first use: `config` and the admin commands work through it. */
export const loadServer = () => import('@tessera/server');

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

/** `tessera user` and `tessera client`: where the store is (`--database`, `--data-dir`). */
export const STORE_OPTIONS = {
  database: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Run a `serve`/`user`/`client` body: a usage error prints the message and the usage (exit 2),
 * the issuer's input and configuration errors one line (exit 3), anything else one line (exit 1).
 */
export async function runIssuerCommand(
  io: CliIo,
  usage: string,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`${e.message}\n\n${usage}`);
      return e.exitCode;
    }
    if (e instanceof InputError || e instanceof ConfigError) {
      io.stderr.write(`error: ${e.message}\n`);
      return EXIT.INPUT;
    }
    io.stderr.write(`error: ${(e as Error).message}\n`);
    return EXIT.FAILED;
  }
}

/** Open the store named by `--database`/`--data-dir` (or TESSERA_DATABASE), run `fn`, close it. */
export async function withStore<T>(
  values: { database?: string | undefined; 'data-dir'?: string | undefined },
  io: CliIo,
  fn: (s: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore({
    ...(values.database !== undefined ? { database: values.database } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    env: io.env,
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The first line of stdin (a password), at most {@link MAX_PASSWORD_BYTES}. */
export async function readStdinLine(io: CliIo): Promise<string> {
  const bytes = await readStdin(io, MAX_PASSWORD_BYTES, { line: true });
  if (bytes === undefined)
    throw new InputError(`the password on stdin is longer than ${MAX_PASSWORD_BYTES} bytes`);
  return bytes.toString('utf8').split(/\r?\n/)[0] ?? '';
}
