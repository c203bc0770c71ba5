import { join, resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { EXIT, inputError, usageError } from '../exit-codes.js';
import { loadServer } from './issuer-store.js';
import { STORE_FLAGS } from './issuer-store.js';

export const help = `Usage: tessera backup <file> [--config FILE] [--database FILE] [--data-dir DIR]

  Copy the embedded SQLite store to <file> with SQLite's online backup API: consistent while
  \`tessera serve\` keeps running. The file must not exist. Audited. (PostgreSQL: use pg_dump.)
  The key-encryption key is not in the copy: keep TESSERA_KEK (or DATA_DIR/kek) with it.
`;

/** `tessera backup FILE`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('backup', args, io, async () => {
    const { values, positionals } = parse(args, STORE_FLAGS);
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const [file, ...rest] = positionals;
    if (file === undefined || rest.length > 0) throw usageError('usage: tessera backup <file>');
    const server = await loadServer();
    let start;
    try {
      start = server.toServeSettings(
        server.loadSettings({
          ...(values.config !== undefined ? { file: values.config } : {}),
          env: io.env,
          flags: { database: values.database, 'data-dir': values['data-dir'] },
          cwd: io.cwd,
        }),
      ).start;
    } catch (e) {
      if (e instanceof server.ConfigError) throw inputError(e.message, 'ERR_CONFIG');
      throw e;
    }
    if (
      server.storeKind({
        ...(start.database !== undefined ? { database: start.database } : {}),
        env: {},
      }) === 'postgres'
    )
      throw inputError('tessera backup copies the SQLite store; back PostgreSQL up with pg_dump');
    const source = resolve(
      io.cwd,
      start.database ?? join(start.dataDir ?? '.tessera', 'tessera.db'),
    );
    const target = resolve(io.cwd, file);
    const store = await server.openStore({ database: source, env: {} });
    try {
      const audit = server.createAudit(store, undefined, () => Date.now());
      const { pages } = await server.backupSqlite(source, target, audit);
      io.stdout.write(`backed up ${source} to ${target} (${pages} pages)\n`);
      return EXIT.OK;
    } catch (e) {
      if (e instanceof server.InputError) throw inputError(e.message);
      throw e;
    } finally {
      await store.close();
    }
  });
}
