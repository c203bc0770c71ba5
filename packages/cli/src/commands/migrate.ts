import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { EXIT, usageError } from '../exit-codes.js';
import { STORE_FLAGS, withIssuerStore } from './issuer-store.js';

export const help = `Usage: tessera migrate [--dry-run] [--config FILE] [--database postgres://…|FILE] [--data-dir DIR]

  Run the store's pending migrations (audited). --dry-run lists them and changes nothing.
  \`tessera serve\` refuses to start on a PostgreSQL database with pending migrations unless
  given --migrate: run this once per release, before the new nodes start.
`;

/** `tessera migrate`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('migrate', args, io, async () => {
    const { values, positionals } = parse(args, { ...STORE_FLAGS, 'dry-run': { type: 'boolean' } });
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw usageError('unexpected argument');
    return withIssuerStore(
      values,
      io,
      async ({ server, store, audit }) => {
        const dryRun = values['dry-run'] === true;
        const r = await server.migrateStore(store, audit, { dryRun });
        if (r.pending.length === 0 && r.ran.length === 0)
          io.stdout.write(
            `the ${store.kind} store is up to date (${r.applied.length} migrations)\n`,
          );
        else if (dryRun)
          io.stdout.write(
            `pending migrations (${r.pending.length}), not run:\n${r.pending.map((m) => `  ${m}\n`).join('')}`,
          );
        else
          io.stdout.write(
            `ran ${r.ran.length} migration(s):\n${r.ran.map((m) => `  ${m}\n`).join('')}`,
          );
        return EXIT.OK;
      },
      { migrate: false },
    );
  });
}
