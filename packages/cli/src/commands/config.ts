import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { EXIT, usageError } from '../exit-codes.js';
import { loadServer } from './issuer-store.js';

export const help = `Usage: tessera config check [--config FILE] [--json] [serve flags…]
       tessera config schema

  check    resolve the configuration of \`tessera serve\` exactly as it would start: the config
           file (--config, TESSERA_CONFIG, else ./tessera.config.json or .yaml), then TESSERA_…
           environment variables (or TESSERA_…_FILE holding the value), then flags. Prints the
           result with secrets redacted and where each value came from; exit 1 on an error,
           each naming the key, its source and what is allowed.
  schema   print the JSON Schema of the config file.
`;

/** Exit code of `config check` for a configuration that would not start (issue: "exits 1"). */
const EXIT_BAD_CONFIG = 1;

/** `tessera config check|schema`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('config', args, io, async () => {
    const server = await loadServer();
    const { values, positionals } = parse(args, {
      config: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...server.settingsFlagOptions(),
    });
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw usageError('unexpected argument');
    if (sub === 'schema') {
      io.stdout.write(`${JSON.stringify(server.settingsJsonSchema(), null, 2)}\n`);
      return EXIT.OK;
    }
    if (sub !== 'check') throw usageError('usage: tessera config check|schema');
    const { config, json: _json, help: _help, ...flags } = values;
    try {
      const loaded = server.loadSettings({
        ...(config !== undefined ? { file: config } : {}),
        env: io.env,
        flags: flags as Record<string, string | boolean | undefined>,
        cwd: io.cwd,
      });
      server.toServeSettings(loaded);
      const shown = {
        file: loaded.file ?? null,
        settings: server.redactSettings(loaded.values),
        origins: loaded.origins,
      };
      if (values.json === true) io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      else {
        io.stdout.write(
          `configuration ok${loaded.file !== undefined ? ` (${loaded.file})` : ''}\n`,
        );
        io.stdout.write(`${JSON.stringify(shown.settings, null, 2)}\n`);
        for (const [path, origin] of Object.entries(loaded.origins))
          io.stdout.write(`  ${path}: ${origin}\n`);
      }
      return EXIT.OK;
    } catch (e) {
      if (!(e instanceof server.SettingsError || e instanceof server.ConfigError)) throw e;
      const problems = e instanceof server.SettingsError ? e.problems : [e.message];
      for (const p of problems) io.stderr.write(`tessera config: ${p}\n`);
      if (values.json === true)
        io.stdout.write(`${JSON.stringify({ ok: false, problems }, null, 2)}\n`);
      return EXIT_BAD_CONFIG;
    }
  });
}
