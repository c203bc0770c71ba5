import { randomBytes } from 'node:crypto';
import { encodeBase64url } from '@tessera/jose';
import {
  createPasswordHasher,
  createUser,
  InputError,
  listConsents,
  listMfa,
  listUsers,
  OWASP_ARGON2,
  resetMfa,
  revokeConsent,
  setUserDisabled,
  setUserPassword,
  setUserRoles,
  type Store,
} from '@tessera/server';
import { parse, type Parsed } from '../args.js';
import { EXIT, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import {
  isoTime,
  readStdinLine,
  runIssuerCommand,
  STORE_OPTIONS,
  withIssuerStore,
  withStore,
} from './issuer-store.js';

/** `tessera user …`: manage the issuer's users (loaded only when it runs). */
export const help = `usage: tessera user create <username> [--role R]… [--email E [--email-verified]] [--name N] [--password-stdin]
       tessera user list [--json]
       tessera user disable|enable <username>
       tessera user set-password <username> [--password-stdin]
       tessera user set-roles <username> [--role R]…
       tessera user consents <username> [--revoke CLIENT] [--json]
       tessera user mfa <username> [--list | --reset] [--json]
  common: [--database postgres://…|FILE] [--data-dir ./.tessera]
  The password comes from TESSERA_PASSWORD, or stdin with --password-stdin; when neither is
  given, create generates one and prints it once.
  mfa --list (the default) shows the user's TOTP factor, recovery codes left and passkeys; --reset
  removes them (a lost phone) and ends the user's sessions, audited.
`;

/** `tessera user`'s flags (the parser and shell completion both read it). */
export const OPTIONS = {
  ...STORE_OPTIONS,
  role: { type: 'string', multiple: true },
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
  email: { type: 'string' },
  'email-verified': { type: 'boolean' },
  name: { type: 'string' },
  revoke: { type: 'string' },
  list: { type: 'boolean' },
  reset: { type: 'boolean' },
} as const;

const SUBCOMMANDS = [
  'create',
  'list',
  'disable',
  'enable',
  'set-password',
  'set-roles',
  'consents',
  'mfa',
] as const;

type Values = Parsed<typeof OPTIONS>['values'];

interface UserContext {
  readonly io: CliIo;
  readonly values: Values;
  readonly deps: { store: Store; hasher: ReturnType<typeof createPasswordHasher> };
  /** The username argument (checked present for every subcommand but `list`). */
  readonly username: string;
}

/** The password: stdin with --password-stdin, else TESSERA_PASSWORD, else generated (create only). */
async function password(
  io: CliIo,
  values: Values,
  generate: boolean,
): Promise<{ value: string; generated: boolean }> {
  if (values['password-stdin'] === true)
    return { value: await readStdinLine(io), generated: false };
  const env = io.env['TESSERA_PASSWORD'];
  if (env !== undefined) return { value: env, generated: false };
  if (generate) return { value: encodeBase64url(randomBytes(15)), generated: true };
  throw new InputError('give the password with TESSERA_PASSWORD or --password-stdin');
}

async function create({ io, values, deps, username }: UserContext): Promise<number> {
  const pw = await password(io, values, true);
  const user = await createUser(deps, {
    username,
    password: pw.value,
    roles: values.role ?? [],
    ...(values.email !== undefined ? { email: values.email } : {}),
    ...(values['email-verified'] === true ? { emailVerified: true } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
  });
  io.stdout.write(`created user ${user.username} (${user.id})\n`);
  if (pw.generated) io.stdout.write(`password (shown once): ${pw.value}\n`);
  return EXIT.OK;
}

async function list({ io, values, deps }: UserContext): Promise<number> {
  const users = await listUsers(deps);
  if (values.json === true) io.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
  else
    for (const u of users)
      io.stdout.write(
        `${u.username}\t${u.id}\t${u.disabled ? 'disabled' : 'enabled'}\t${u.roles.join(',')}\n`,
      );
  return EXIT.OK;
}

async function consents({ io, values, deps, username }: UserContext): Promise<number> {
  if (values.revoke !== undefined) {
    const had = await revokeConsent(deps, username, values.revoke);
    io.stdout.write(
      had
        ? `consent of ${username} for ${values.revoke} withdrawn\n`
        : `${username} had no consent for ${values.revoke}\n`,
    );
    return EXIT.OK;
  }
  const granted = await listConsents(deps, username);
  if (values.json === true) io.stdout.write(`${JSON.stringify(granted, null, 2)}\n`);
  else
    for (const c of granted)
      io.stdout.write(
        `${c.clientId}\t${c.scopes.join(' ')}\t${new Date(c.grantedAt * 1000).toISOString()}\n`,
      );
  return EXIT.OK;
}

/** `user mfa`: through the issuer's admin path, so a reset is audited and fed to the feed. */
async function mfa(io: CliIo, values: Values, username: string): Promise<number> {
  if (values.list === true && values.reset === true)
    throw usageError('give --list or --reset, not both');
  return withIssuerStore(values, io, async ({ server, store, audit, settings, now }) => {
    if (values.reset === true) {
      const config = server.resolveConfig({ ...settings.start, issuer: 'http://127.0.0.1:4000' });
      const r = await resetMfa(
        {
          store,
          audit,
          now: () => now() * 1000,
          // The feed must outlive every access token of the ended sessions.
          revocationTtlSeconds: config.accessTokenTtl + config.clockTolerance,
        },
        username,
      );
      io.stdout.write(
        `second factors of ${username} reset: ${r.factors} removed, sessions ended and put on the revocation feed\n`,
      );
      return EXIT.OK;
    }
    const status = await listMfa({ store }, username);
    if (values.json === true) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else {
      io.stdout.write(
        `totp\t${status.totp}\tconfirmed=${isoTime(status.confirmedAt)}\tlast-used=${isoTime(status.lastUsedAt)}\trecovery-codes-left=${status.recoveryCodesLeft}\n`,
      );
      // One line per passkey: its credential id (public), when it was added and last used.
      for (const p of status.passkeys)
        io.stdout.write(
          `passkey\t${p.id}\tcreated=${isoTime(p.createdAt)}\tlast-used=${isoTime(p.lastUsedAt)}\tsynced=${p.backupEligible ? 'yes' : 'no'}\ttransports=${p.transports.join(',') || '-'}\n`,
        );
    }
    return EXIT.OK;
  });
}

const HANDLERS: Readonly<
  Record<Exclude<(typeof SUBCOMMANDS)[number], 'mfa'>, (c: UserContext) => Promise<number>>
> = {
  create,
  list,
  consents,
  disable: async ({ io, deps, username }) => {
    await setUserDisabled(deps, username, true);
    io.stdout.write(`disabled user ${username}\n`);
    return EXIT.OK;
  },
  enable: async ({ io, deps, username }) => {
    await setUserDisabled(deps, username, false);
    io.stdout.write(`enabled user ${username}\n`);
    return EXIT.OK;
  },
  'set-password': async ({ io, values, deps, username }) => {
    await setUserPassword(deps, username, (await password(io, values, false)).value);
    io.stdout.write(`password set for ${username}\n`);
    return EXIT.OK;
  },
  'set-roles': async ({ io, values, deps, username }) => {
    await setUserRoles(deps, username, values.role ?? []);
    io.stdout.write(`roles set for ${username}\n`);
    return EXIT.OK;
  },
};

/** `tessera user …`: manage users (Argon2id password hashes at the OWASP baseline). */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runIssuerCommand(io, help, async () => {
    const { values, positionals } = parse(args, OPTIONS);
    const [sub, username, ...extra] = positionals;
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    if (sub === undefined) throw usageError('a subcommand is required');
    if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    if (sub !== 'list' && username === undefined) throw usageError(`user ${sub} needs a username`);
    if (!(SUBCOMMANDS as readonly string[]).includes(sub))
      throw usageError(`unknown subcommand ${JSON.stringify(sub)}`);
    if (sub === 'mfa') return mfa(io, values, username ?? '');
    const handler = HANDLERS[sub as Exclude<(typeof SUBCOMMANDS)[number], 'mfa'>];
    return withStore(values, io, (store) =>
      handler({
        io,
        values,
        deps: { store, hasher: createPasswordHasher(OWASP_ARGON2) },
        username: username ?? '',
      }),
    );
  });
}
