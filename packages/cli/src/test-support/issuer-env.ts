import { randomBytes } from 'node:crypto';
import { dropPostgresSchema, openPostgresStore } from '@tessera/server';
import { main } from '../main.js';
import { memoryIo } from './memory-io.js';
import { tempDir } from './fixtures.js';

export const PG_URL = process.env['TESSERA_TEST_DATABASE_URL'];
export const PG_SKIP = PG_URL === undefined ? 'TESSERA_TEST_DATABASE_URL is not set' : false;

/** What CLI commands and `startServer` need to share one store: env and trailing arguments. */
export interface IssuerEnv {
  env: Record<string, string>;
  args: string[];
  /** `startServer` options for the same store. */
  start: { env: Record<string, string>; database?: string; dataDir?: string };
  dispose: () => Promise<void>;
}

/** A fresh SQLite data folder (its path in `--data-dir`) with a KEK in the environment. */
export async function sqliteEnv(): Promise<IssuerEnv> {
  const dir = tempDir();
  const env = {
    TESSERA_KEK: randomBytes(32).toString('hex'),
    TESSERA_PASSWORD: 'alice-password-123',
  };
  return { env, args: ['--data-dir', dir], start: { env, dataDir: dir }, dispose: async () => {} };
}

/** A fresh, migrated PostgreSQL schema, selected by `search_path` in `TESSERA_DATABASE_URL`. */
export async function postgresEnv(): Promise<IssuerEnv> {
  const schema = `tessera_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
  // Create the schema (migrated) so a search_path in the URL selects it for every command.
  await (await openPostgresStore(PG_URL!, { schema })).close();
  const url = `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const env = {
    TESSERA_KEK: randomBytes(32).toString('hex'),
    TESSERA_PASSWORD: 'alice-password-123',
    TESSERA_DATABASE_URL: url,
  };
  return {
    env,
    args: [],
    start: { env, database: url },
    dispose: () => dropPostgresSchema(PG_URL!, schema),
  };
}

/** Run one `tessera …` command in-process against the environment's store. */
export async function cli(
  e: IssuerEnv,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo({ env: e.env });
  const code = await main([...argv, ...e.args], io);
  return { code, out: io.out(), err: io.err() };
}
