import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { encodeBase64url } from '@tessera/jose';
import {
  ConfigError,
  createClient,
  createPasswordHasher,
  createUser,
  DEFAULT_PORT,
  demoWalkthrough,
  GRANT_TYPES,
  InputError,
  listClients,
  listConsents,
  listUsers,
  loadSettings,
  openStore,
  OWASP_ARGON2,
  revokeConsent,
  rotateClientSecret,
  setClientDisabled,
  settingsFlagOptions,
  setUpDemo,
  registerDemoWebClient,
  type DemoWebAppStarter,
  setUserDisabled,
  setUserPassword,
  setUserRoles,
  startServer,
  toServeSettings,
  type DemoResourceServerStarter,
  type GrantType,
  type IdTokenAlg,
  type RunningServer,
  type StartOptions,
  type Store,
  type TokenEndpointAuthMethod,
} from '@tessera/server';
import { parse } from '../args.js';
import { CliError, EXIT } from '../exit-codes.js';
import { readStdin, type CliIo } from '../io.js';

/**
 * `tessera serve`, `tessera user`, `tessera client`: the issuer's commands. This module is loaded
 * only when one of them runs, so `tessera decode` never loads Fastify or SQLite. Each command's
 * option table is the object literal passed to `parse` below (completion reads
 * {@link SERVE_OPTIONS}, {@link USER_OPTIONS}, {@link CLIENT_OPTIONS}). New flags go into those tables.
 */

function readJwksFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read';
    throw new InputError(`${reason}: ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError('the JWKS file is not JSON');
  }
}

export const STORE_OPTIONS = {
  database: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

async function run(io: CliIo, usage: string, body: () => Promise<number>): Promise<number> {
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

const usageError = (message: string): CliError => new CliError(EXIT.USAGE, message);

async function withStore<T>(
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

/** Largest password accepted on stdin (`--password-stdin`). */
const MAX_PASSWORD_BYTES = 4096;

async function readStdinLine(io: CliIo): Promise<string> {
  const bytes = await readStdin(io, MAX_PASSWORD_BYTES, { line: true });
  if (bytes === undefined)
    throw new InputError(`the password on stdin is longer than ${MAX_PASSWORD_BYTES} bytes`);
  return bytes.toString('utf8').split(/\r?\n/)[0] ?? '';
}

export const SERVE_USAGE = `usage: tessera serve [--config FILE] [--port 4000] [--host 127.0.0.1] [--issuer URL]
                     [--database postgres://…|FILE] [--data-dir ./.tessera] [--alg EdDSA|ES256|RS256]
                     [--dpop-nonce] [--demo] [--verbose] [any setting as a flag: tessera config schema lists them]
  Settings come from the config file (--config, TESSERA_CONFIG, else ./tessera.config.json),
  then TESSERA_… environment variables (or TESSERA_…_FILE holding the value), then flags.
  The key-encryption key comes from TESSERA_KEK or TESSERA_KEK_FILE (generated into the data
  folder for SQLite). \`tessera config check\` shows the resolved settings.
`;

/** `tessera serve`'s flags (the parser and shell completion both read it). */
export const SERVE_OPTIONS = {
  ...settingsFlagOptions(),
  config: { type: 'string' },
  demo: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `serve --demo` set up: where things are and the demo's fresh credentials. */
export interface DemoInfo {
  issuerUrl: string;
  resourceUrl: string;
  /** The demo web app (sign in through the code flow), when the host started one. */
  webAppUrl?: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export interface ServeHooks {
  /** Mount extra routes (the debugger page at `/` in demo mode). */
  mount?: StartOptions['mount'];
  /** Stop serving when aborted (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the server listens. */
  onReady?: (server: RunningServer) => void;
  /** Demo mode: called with the demo's URLs and fresh credentials (the CLI records the live flow). */
  onDemo?: (demo: DemoInfo) => void;
  /** Demo mode: starts the demo resource server (the CLI's, on @tessera/guard). Required with --demo. */
  startDemoResourceServer?: DemoResourceServerStarter;
  /** Demo mode: starts the demo web app (the CLI's, on openid-client); its URL heads the banner. */
  startDemoWebApp?: DemoWebAppStarter;
  /** Demo resource server's revocation-feed poll period (default 5 s). */
  demoRevocationPollMs?: number;
}

/**
 * `tessera serve`: run the issuer until SIGINT/SIGTERM (or `hooks.signal`). Exit codes: 0 ok,
 * 2 usage error, 3 input/configuration error.
 *
 * @example
 * process.exitCode = await runServeCommand(['--demo'], { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runServeCommand(
  args: string[],
  io: CliIo,
  hooks: ServeHooks = {},
): Promise<number> {
  return run(io, SERVE_USAGE, async () => {
    const { values } = parse(args, SERVE_OPTIONS);
    if (values.help === true) {
      io.stdout.write(SERVE_USAGE);
      return EXIT.OK;
    }
    const { config: configFile, demo: _demo, verbose: _verbose, help: _help, ...flags } = values;
    const loaded = loadSettings({
      ...(configFile !== undefined ? { file: configFile } : {}),
      env: io.env,
      flags,
    });
    const settings = toServeSettings(loaded);
    const port = settings.start.port ?? DEFAULT_PORT;
    const portGiven =
      loaded.origins['port'] !== undefined || loaded.origins['issuer'] !== undefined;
    // One JSON line per request at info; the demo stays quiet unless asked (--verbose, log.level).
    const level =
      values.verbose === true
        ? 'info'
        : values.demo === true && loaded.origins['log.level'] === undefined
          ? 'warn'
          : settings.logLevel;
    const start = (p: number) =>
      startServer({
        ...settings.start,
        port: p,
        env: io.env,
        migrate: settings.migrate,
        logger: { level },
        logIp: settings.logIp,
        ...(settings.metrics !== undefined ? { metrics: settings.metrics } : {}),
        ...(hooks.mount !== undefined ? { mount: hooks.mount } : {}),
      });
    let server: RunningServer;
    try {
      server = await start(port);
    } catch (e) {
      // The demo must start: when the default port is taken and none was asked for, take a free one.
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || portGiven) throw e;
      io.stderr.write(`port ${port} is in use; using a free port instead\n`);
      server = await start(0);
    }
    io.stdout.write(`Tessera issuer listening on ${server.url} (${server.store.kind})\n`);
    if (server.metricsUrl !== undefined) io.stdout.write(`metrics on ${server.metricsUrl}\n`);
    let closeDemo = async () => {};
    if (values.demo === true) {
      if (hooks.startDemoResourceServer === undefined)
        throw new Error('serve --demo needs a resource server starter (run it through tessera)');
      const demo = await setUpDemo(
        server.app.tessera,
        hooks.startDemoResourceServer,
        hooks.demoRevocationPollMs !== undefined
          ? { revocationPollMs: hooks.demoRevocationPollMs }
          : {},
      );
      const tessera = server.app.tessera;
      const webApp = await hooks.startDemoWebApp?.({
        issuer: server.url,
        resourceUrl: demo.resourceServer.url,
        register: (appUrl, jwks) => registerDemoWebClient(tessera, appUrl, jwks),
      });
      closeDemo = async () => {
        await webApp?.close();
        await demo.resourceServer.close();
      };
      if (webApp !== undefined)
        io.stdout.write(`\nDemo web app            ${webApp.url}/   (open it and press Sign in)\n`);
      hooks.onDemo?.({
        issuerUrl: server.url,
        resourceUrl: demo.resourceServer.url,
        ...(webApp !== undefined ? { webAppUrl: webApp.url } : {}),
        clientId: demo.clientId,
        clientSecret: demo.clientSecret,
        username: demo.username,
        password: demo.password,
      });
      io.stdout.write(
        `\n${demoWalkthrough(server.url, { ...demo, resourceUrl: demo.resourceServer.url })}\n`,
      );
    }
    hooks.onReady?.(server);
    let drainMs = 0;
    await new Promise<void>((resolve) => {
      if (hooks.signal !== undefined) {
        if (hooks.signal.aborted) return resolve();
        hooks.signal.addEventListener('abort', () => resolve(), { once: true });
        return;
      }
      const stop = (signal: NodeJS.Signals) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // SIGTERM is the orchestrator's: drain first. SIGINT is a person at a terminal.
        if (signal === 'SIGTERM') drainMs = settings.shutdownDrainMs;
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // Graceful: /readyz turns 503, the listener stops accepting, in-flight requests finish
    // (bounded by shutdownTimeout), the rotation lease is released and the store closed.
    io.stderr.write('shutting down: finishing in-flight requests\n');
    await closeDemo();
    await server.shutdown({ drainMs, timeoutMs: settings.shutdownTimeoutMs });
    return EXIT.OK;
  });
}

export const USER_USAGE = `usage: tessera user create <username> [--role R]… [--email E [--email-verified]] [--name N] [--password-stdin]
       tessera user list [--json]
       tessera user disable|enable <username>
       tessera user set-password <username> [--password-stdin]
       tessera user set-roles <username> [--role R]…
       tessera user consents <username> [--revoke CLIENT] [--json]
  common: [--database postgres://…|FILE] [--data-dir ./.tessera]
  The password comes from TESSERA_PASSWORD, or stdin with --password-stdin; when neither is
  given, create generates one and prints it once.
`;

/** `tessera user`'s flags (the parser and shell completion both read it). */
export const USER_OPTIONS = {
  ...STORE_OPTIONS,
  role: { type: 'string', multiple: true },
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
  email: { type: 'string' },
  'email-verified': { type: 'boolean' },
  name: { type: 'string' },
  revoke: { type: 'string' },
} as const;

/** `tessera user …`: manage users (Argon2id password hashes at the OWASP baseline). */
export async function runUserCommand(args: string[], io: CliIo): Promise<number> {
  return run(io, USER_USAGE, async () => {
    const { values, positionals } = parse(args, USER_OPTIONS);
    const [sub, username, ...extra] = positionals;
    if (values.help === true) {
      io.stdout.write(USER_USAGE);
      return EXIT.OK;
    }
    if (sub === undefined) throw usageError('a subcommand is required');
    if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const needsName = sub !== 'list';
    if (needsName && username === undefined) throw usageError(`user ${sub} needs a username`);
    if (
      !['create', 'list', 'disable', 'enable', 'set-password', 'set-roles', 'consents'].includes(
        sub,
      )
    )
      throw usageError(`unknown subcommand ${JSON.stringify(sub)}`);
    const password = async (generate: boolean): Promise<{ value: string; generated: boolean }> => {
      if (values['password-stdin'] === true)
        return { value: await readStdinLine(io), generated: false };
      const env = io.env['TESSERA_PASSWORD'];
      if (env !== undefined) return { value: env, generated: false };
      if (generate) return { value: encodeBase64url(randomBytes(15)), generated: true };
      throw new InputError('give the password with TESSERA_PASSWORD or --password-stdin');
    };
    return withStore(values, io, async (store) => {
      const deps = { store, hasher: createPasswordHasher(OWASP_ARGON2) };
      switch (sub) {
        case 'create': {
          const pw = await password(true);
          const user = await createUser(deps, {
            username: username!,
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
        case 'list': {
          const users = await listUsers(deps);
          if (values.json === true) io.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
          else
            for (const u of users)
              io.stdout.write(
                `${u.username}\t${u.id}\t${u.disabled ? 'disabled' : 'enabled'}\t${u.roles.join(',')}\n`,
              );
          return EXIT.OK;
        }
        case 'disable':
        case 'enable':
          await setUserDisabled(deps, username!, sub === 'disable');
          io.stdout.write(`${sub}d user ${username}\n`);
          return EXIT.OK;
        case 'set-password':
          await setUserPassword(deps, username!, (await password(false)).value);
          io.stdout.write(`password set for ${username}\n`);
          return EXIT.OK;
        case 'consents': {
          if (values.revoke !== undefined) {
            const had = await revokeConsent(deps, username!, values.revoke);
            io.stdout.write(
              had
                ? `consent of ${username} for ${values.revoke} withdrawn\n`
                : `${username} had no consent for ${values.revoke}\n`,
            );
            return EXIT.OK;
          }
          const consents = await listConsents(deps, username!);
          if (values.json === true) io.stdout.write(`${JSON.stringify(consents, null, 2)}\n`);
          else
            for (const c of consents)
              io.stdout.write(
                `${c.clientId}\t${c.scopes.join(' ')}\t${new Date(c.grantedAt * 1000).toISOString()}\n`,
              );
          return EXIT.OK;
        }
        default:
          await setUserRoles(deps, username!, values.role ?? []);
          io.stdout.write(`roles set for ${username}\n`);
          return EXIT.OK;
      }
    });
  });
}

export const CLIENT_USAGE = `usage: tessera client create <name> [--id ID] [--first-party] [--public] [--grant G]… [--scope S]… [--audience A] [--json]
         [--redirect-uri URI]… [--post-logout-redirect-uri URI]… [--require-par]
         [--token-endpoint-auth-method client_secret_basic|client_secret_post|private_key_jwt|none]
         [--jwks-uri URL | --jwks FILE] [--backchannel-logout-uri URL] [--id-token-alg RS256|ES256|EdDSA]
         [--require-dpop]
         [--introspect-audience A]…
       tessera client list [--json]
       tessera client disable|enable <client_id>
       tessera client rotate-secret <client_id>
  common: [--database postgres://…|FILE] [--data-dir ./.tessera]
  grants: ${GRANT_TYPES.join(', ')} (password only for --first-party). The secret is shown once.
  --require-dpop: token requests of this client need a DPoP proof (RFC 9449 §5.2).
  --introspect-audience: a resource server that may introspect tokens for that audience.
`;

/** `tessera client`'s flags (the parser and shell completion both read it). */
export const CLIENT_OPTIONS = {
  ...STORE_OPTIONS,
  id: { type: 'string' },
  'first-party': { type: 'boolean' },
  public: { type: 'boolean' },
  grant: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  audience: { type: 'string' },
  'require-dpop': { type: 'boolean' },
  'introspect-audience': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'require-par': { type: 'boolean' },
  'token-endpoint-auth-method': { type: 'string' },
  'jwks-uri': { type: 'string' },
  jwks: { type: 'string' },
  'backchannel-logout-uri': { type: 'string' },
  'id-token-alg': { type: 'string' },
} as const;

/** `tessera client …`: manage OAuth clients. */
export async function runClientCommand(args: string[], io: CliIo): Promise<number> {
  return run(io, CLIENT_USAGE, async () => {
    const { values, positionals } = parse(args, CLIENT_OPTIONS);
    const [sub, arg, ...extra] = positionals;
    if (values.help === true) {
      io.stdout.write(CLIENT_USAGE);
      return EXIT.OK;
    }
    if (sub === undefined) throw usageError('a subcommand is required');
    if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    if (!['create', 'list', 'disable', 'enable', 'rotate-secret', 'set-secret'].includes(sub))
      throw usageError(`unknown subcommand ${JSON.stringify(sub)}`);
    if (sub !== 'list' && arg === undefined) throw usageError(`client ${sub} needs an argument`);
    return withStore(values, io, async (store) => {
      const deps = { store, defaultAudience: io.env['TESSERA_AUDIENCE'] ?? 'api' };
      switch (sub) {
        case 'create': {
          const { client, clientSecret } = await createClient(deps, {
            name: arg!,
            ...(values.id !== undefined ? { clientId: values.id } : {}),
            firstParty: values['first-party'] === true,
            public: values.public === true,
            ...(values.grant !== undefined
              ? { grantTypes: values.grant.flatMap((g) => g.split(',')) as GrantType[] }
              : {}),
            ...(values.scope !== undefined
              ? { scopes: values.scope.flatMap((s) => s.split(/[ ,]/)).filter((s) => s.length > 0) }
              : {}),
            ...(values.audience !== undefined ? { audience: values.audience } : {}),
            ...(values['redirect-uri'] !== undefined
              ? { redirectUris: values['redirect-uri'] }
              : {}),
            ...(values['post-logout-redirect-uri'] !== undefined
              ? { postLogoutRedirectUris: values['post-logout-redirect-uri'] }
              : {}),
            ...(values['require-par'] === true ? { requirePar: true } : {}),
            ...(values['token-endpoint-auth-method'] !== undefined
              ? {
                  tokenEndpointAuthMethod: values[
                    'token-endpoint-auth-method'
                  ] as TokenEndpointAuthMethod,
                }
              : {}),
            ...(values['jwks-uri'] !== undefined ? { jwksUri: values['jwks-uri'] } : {}),
            ...(values.jwks !== undefined ? { jwks: readJwksFile(values.jwks) } : {}),
            ...(values['backchannel-logout-uri'] !== undefined
              ? { backchannelLogoutUri: values['backchannel-logout-uri'] }
              : {}),
            ...(values['id-token-alg'] !== undefined
              ? { idTokenSignedResponseAlg: values['id-token-alg'] as IdTokenAlg }
              : {}),
            requireDpop: values['require-dpop'] === true,
            ...(values['introspect-audience'] !== undefined
              ? { introspectAudiences: values['introspect-audience'] }
              : {}),
          });
          if (values.json === true)
            io.stdout.write(`${JSON.stringify({ ...client, clientSecret }, null, 2)}\n`);
          else {
            io.stdout.write(`client_id: ${client.clientId}\n`);
            if (clientSecret !== undefined)
              io.stdout.write(`client_secret (shown once): ${clientSecret}\n`);
          }
          return EXIT.OK;
        }
        case 'list': {
          const clients = await listClients(deps);
          if (values.json === true) io.stdout.write(`${JSON.stringify(clients, null, 2)}\n`);
          else {
            for (const c of clients) {
              io.stdout.write(
                `${c.clientId}\t${c.name}\t${c.confidential ? 'confidential' : 'public'}${c.firstParty ? ',first-party' : ''}\t${c.grantTypes.join(',')}\t${c.disabled ? 'disabled' : 'enabled'}\n`,
              );
            }
          }
          return EXIT.OK;
        }
        case 'disable':
        case 'enable':
          await setClientDisabled(deps, arg!, sub === 'disable');
          io.stdout.write(`${sub}d client ${arg}\n`);
          return EXIT.OK;
        default: {
          const secret = await rotateClientSecret(deps, arg!);
          io.stdout.write(`client_secret (shown once): ${secret}\n`);
          return EXIT.OK;
        }
      }
    });
  });
}
