import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { EXIT, usageError } from '../exit-codes.js';
import { isoTime, STORE_FLAGS, subcommand, withIssuerStore } from './issuer-store.js';

export const help = `Usage: tessera sessions list [--user U] [--json]
       tessera sessions revoke <sid>
       tessera sessions revoke --user U
  common: [--config FILE] [--database postgres://…|FILE] [--data-dir ./.tessera]

  list     open sessions (refresh-token families), newest first
  revoke   end a session, or every session of a user: the refresh tokens stop working at once
           and the session ids go onto the signed revocation feed, so resource servers refuse
           the access tokens already issued in them. Audited.
`;

/** `tessera sessions list|revoke`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('sessions', args, io, async () => {
    const { values, positionals } = parse(args, {
      ...STORE_FLAGS,
      user: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const [first, sid, ...rest] = positionals;
    const sub = subcommand(
      first,
      ['list', 'revoke'],
      'usage: tessera sessions list|revoke (see --help)',
    );
    if (rest.length > 0 || (sub === 'list' && sid !== undefined))
      throw usageError('unexpected argument');
    if (sub === 'revoke' && (sid === undefined) === (values.user === undefined))
      throw usageError('sessions revoke needs a session id or --user, not both');
    return withIssuerStore(values, io, async ({ server, store, audit, settings, now }) => {
      if (sub === 'list') {
        const sessions = await server.listOpenSessions(
          { store, now },
          values.user !== undefined ? { username: values.user } : {},
        );
        if (values.json === true) io.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
        else
          for (const x of sessions)
            io.stdout.write(
              `${x.sid}\t${x.username ?? x.userId}\t${x.clientId}\tstarted ${isoTime(x.createdAt)}\texpires ${isoTime(x.expiresAt)}\n`,
            );
        return EXIT.OK;
      }
      const config = server.resolveConfig({ ...settings.start, issuer: 'http://127.0.0.1:4000' });
      const deps = {
        store,
        audit,
        now,
        // The feed must outlive every access token of the session.
        revocationTtlSeconds: config.accessTokenTtl + config.clockTolerance,
      };
      if (sid !== undefined) {
        await server.revokeSession(deps, sid);
        io.stdout.write(`revoked session ${sid}\n`);
      } else {
        const n = await server.revokeUserSessions(deps, values.user!);
        io.stdout.write(`revoked ${n} session(s) of ${values.user}\n`);
      }
      return EXIT.OK;
    });
  });
}
