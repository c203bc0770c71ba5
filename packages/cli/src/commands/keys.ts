import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { EXIT, usageError } from '../exit-codes.js';
import { isoTime, STORE_FLAGS, subcommand, withIssuerStore } from './issuer-store.js';

export const help = `Usage: tessera keys list [--json]
       tessera keys rotate [--now]
       tessera keys retire <kid>
  common: [--config FILE] [--database postgres://…|FILE] [--data-dir ./.tessera]

  list     the issuer's signing keys: state (active, next, retiring, retired), algorithm, times
  rotate   the published next key starts signing, the active one retires gracefully, a new next
           key is published. Refused until the next key has been published one JWKS cache
           period; --now rotates anyway. Running nodes switch at their next key check (≤ 30 s).
  retire   unpublish a next or retiring key at once and erase its private half (compromise);
           a kid is base64url and may start with "-": give it after "--" (retire -- -Ab…)
  Every change is audited. The key-encryption key comes from TESSERA_KEK / TESSERA_KEK_FILE.
`;

/** `tessera keys list|rotate|retire`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('keys', args, io, async () => {
    const { values, positionals } = parse(args, {
      ...STORE_FLAGS,
      json: { type: 'boolean' },
      now: { type: 'boolean' },
    });
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const [first, kid, ...rest] = positionals;
    const sub = subcommand(
      first,
      ['list', 'rotate', 'retire'],
      'usage: tessera keys list|rotate|retire (see --help)',
    );
    if (rest.length > 0 || (sub !== 'retire' && kid !== undefined))
      throw usageError('unexpected argument');
    if (sub === 'retire' && kid === undefined) throw usageError('keys retire needs a kid');
    return withIssuerStore(values, io, async ({ server, store, audit, settings, now }) => {
      const deps = { store, audit, now };
      if (sub === 'list') {
        const keys = await server.listSigningKeys(deps);
        if (values.json === true) io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
        else
          for (const k of keys)
            io.stdout.write(
              `${k.kid}\t${k.alg}\t${k.state}\tcreated ${isoTime(k.createdAt)}\tactivated ${isoTime(k.activatedAt)}\n`,
            );
        return EXIT.OK;
      }
      if (sub === 'retire') {
        await server.retireSigningKey(deps, kid!);
        io.stdout.write(`retired key ${kid}\n`);
        return EXIT.OK;
      }
      const s = settings.start;
      const kek = server.loadKek(
        {
          ...(s.kek !== undefined ? { kek: s.kek } : {}),
          ...(s.dataDir !== undefined ? { dataDir: s.dataDir } : {}),
          env: io.env,
        },
        store.kind,
      );
      const config = server.resolveConfig({ ...s, issuer: 'http://127.0.0.1:4000' });
      const r = await server.rotateSigningKeys(
        deps,
        { kek, config },
        { immediate: values.now === true },
      );
      io.stdout.write(
        `active key is now ${r.activated}${r.retiring !== undefined ? ` (${r.retiring} retiring)` : ''}; next key ${r.next} published\n`,
      );
      return EXIT.OK;
    });
  });
}
