import { resolve } from 'node:path';
import {
  DEFAULT_PORT,
  demoWalkthrough,
  loadSettings,
  registerDemoWebClient,
  settingsFlagOptions,
  setUpDemo,
  startServer,
  toServeSettings,
  type DemoResourceServerStarter,
  type DemoWebAppStarter,
  type RunningServer,
  type StartOptions,
} from '@tessera/server';
import { parse, type Parsed } from '../args.js';
import { demoError, EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { runIssuerCommand } from './issuer-store.js';

/** `tessera serve`: the issuer (loaded only when it runs). */
export const help = `usage: tessera serve [--config FILE] [--port 4000] [--host 127.0.0.1] [--issuer URL]
                     [--database postgres://…|FILE] [--data-dir ./.tessera] [--alg EdDSA|ES256|RS256]
                     [--dpop-nonce] [--demo] [--verbose] [--allow-insecure-permissions]
                     [any setting as a flag: tessera config schema lists them]
  Settings come from the config file (--config, TESSERA_CONFIG, else ./tessera.config.json),
  then TESSERA_… environment variables (or TESSERA_…_FILE holding the value), then flags.
  The key-encryption key comes from TESSERA_KEK or TESSERA_KEK_FILE (generated into the data
  folder for SQLite). \`tessera config check\` shows the resolved settings.
  A data folder or SQLite database that group or others can read or write is refused (with the
  chmod that fixes it) unless --allow-insecure-permissions.
`;

/** `tessera serve`'s flags (the parser and shell completion both read it). */
export const OPTIONS = {
  ...settingsFlagOptions(),
  config: { type: 'string' },
  demo: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'allow-insecure-permissions': { type: 'boolean' },
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

type Values = Parsed<typeof OPTIONS>['values'];
type Loaded = ReturnType<typeof loadSettings>;
type Settings = ReturnType<typeof toServeSettings>;

/** One JSON line per request at info; the demo stays quiet unless asked (--verbose, log.level). */
function logLevel(values: Values, loaded: Loaded, settings: Settings) {
  return values.verbose === true
    ? 'info'
    : values.demo === true && loaded.origins['log.level'] === undefined
      ? 'warn'
      : settings.logLevel;
}

/** Start the issuer on the configured port (a free one when the default is taken and none was asked). */
async function listen(
  io: CliIo,
  values: Values,
  loaded: Loaded,
  settings: Settings,
  hooks: ServeHooks,
): Promise<RunningServer> {
  const port = settings.start.port ?? DEFAULT_PORT;
  const portGiven = loaded.origins['port'] !== undefined || loaded.origins['issuer'] !== undefined;
  const level = logLevel(values, loaded, settings);
  const start = (p: number) =>
    startServer({
      ...settings.start,
      port: p,
      env: io.env,
      migrate: settings.migrate,
      logger: { level },
      logIp: settings.logIp,
      allowInsecurePermissions: values['allow-insecure-permissions'] === true,
      ...(settings.metrics !== undefined ? { metrics: settings.metrics } : {}),
      ...(hooks.mount !== undefined ? { mount: hooks.mount } : {}),
    });
  try {
    return await start(port);
  } catch (e) {
    // The demo must start: when the default port is taken and none was asked for, take a free one.
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || portGiven) throw e;
    io.stderr.write(`port ${port} is in use; using a free port instead\n`);
    return start(0);
  }
}

/** `--demo`: the demo client, user, resource server and web app; returns how to close them. */
async function startDemo(
  io: CliIo,
  server: RunningServer,
  hooks: ServeHooks,
  dataDir: string | undefined,
): Promise<() => Promise<void>> {
  if (hooks.startDemoResourceServer === undefined)
    throw demoError('serve --demo needs a resource server starter (run it through tessera)');
  const demo = await setUpDemo(server.app.tessera, hooks.startDemoResourceServer, {
    // For scripts: `tessera trace run examples/demo-flow.json --env-file .tessera/demo.env`.
    envFile: resolve(dataDir ?? '.tessera', 'demo.env'),
    ...(hooks.demoRevocationPollMs !== undefined
      ? { revocationPollMs: hooks.demoRevocationPollMs }
      : {}),
  });
  const tessera = server.app.tessera;
  const webApp = await hooks.startDemoWebApp?.({
    issuer: server.url,
    resourceUrl: demo.resourceServer.url,
    register: (appUrl, jwks) => registerDemoWebClient(tessera, appUrl, jwks),
  });
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
  return async () => {
    await webApp?.close();
    await demo.resourceServer.close();
  };
}

/** Wait for `hooks.signal`, else SIGINT/SIGTERM; returns the drain time (SIGTERM drains first). */
function waitForStop(hooks: ServeHooks, settings: Settings): Promise<number> {
  return new Promise<number>((resolve) => {
    if (hooks.signal !== undefined) {
      if (hooks.signal.aborted) return resolve(0);
      hooks.signal.addEventListener('abort', () => resolve(0), { once: true });
      return;
    }
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // SIGTERM is the orchestrator's: drain first. SIGINT is a person at a terminal.
      resolve(signal === 'SIGTERM' ? settings.shutdownDrainMs : 0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
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
  return runIssuerCommand(io, help, async () => {
    const { values } = parse(args, OPTIONS);
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const {
      config: configFile,
      demo: _demo,
      verbose: _verbose,
      help: _help,
      'allow-insecure-permissions': _allowInsecure,
      ...flags
    } = values;
    const loaded = loadSettings({
      ...(configFile !== undefined ? { file: configFile } : {}),
      env: io.env,
      flags,
    });
    const settings = toServeSettings(loaded);
    const server = await listen(io, values, loaded, settings, hooks);
    io.stdout.write(`Tessera issuer listening on ${server.url} (${server.store.kind})\n`);
    if (server.metricsUrl !== undefined) io.stdout.write(`metrics on ${server.metricsUrl}\n`);
    const closeDemo =
      values.demo === true
        ? await startDemo(io, server, hooks, settings.start.dataDir)
        : async () => {};
    hooks.onReady?.(server);
    const drainMs = await waitForStop(hooks, settings);
    // Graceful: /readyz turns 503, the listener stops accepting, in-flight requests finish
    // (bounded by shutdownTimeout), the rotation lease is released and the store closed.
    io.stderr.write('shutting down: finishing in-flight requests\n');
    await closeDemo();
    await server.shutdown({ drainMs, timeoutMs: settings.shutdownTimeoutMs });
    return EXIT.OK;
  });
}

/**
 * `tessera serve`: the issuer. In `--demo` mode the debugger page is mounted at `/`, and its
 * Trace pane shows the demo's own flow, recorded from real requests: the browser sign-in through
 * the demo web app (browser, app, issuer, resource server; the password crosses one arrow,
 * browser → issuer), or without the app one password login and two resource calls.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  if (!args.includes('--demo')) return runServeCommand(args, io);
  const [{ createUiHandler }, trace, { startDemoResourceServer }, { startDemoWebApp }, flow] =
    await Promise.all([
      import('@tessera/web'),
      import('@tessera/trace'),
      import('../demo/resource-server.js'),
      import('../demo/web-app.js'),
      import('../demo/code-flow-trace.js'),
    ]);
  const recorder = flow.createFlowRecorder();
  let live: unknown;
  let recordedAt = 0;
  let record: (() => void) | undefined;
  let ownJwksUrl: string | undefined;
  const ui = createUiHandler({
    session: false,
    // The Verify pane fetches this issuer's own keys (plain http on loopback), nothing else.
    ownJwksUrl: () => ownJwksUrl,
    renderTraceSvg: (t: unknown) => trace.renderSvg(t as Parameters<typeof trace.renderSvg>[0]),
    liveTrace: () => {
      if (Date.now() - recordedAt > 30_000) record?.();
      return live;
    },
  });
  return runServeCommand(args, io, {
    startDemoResourceServer,
    startDemoWebApp: (o) =>
      startDemoWebApp({ ...o, fetch: flow.recordingFetch(recorder, () => recorder.appUrl) }),
    mount: (app) => {
      app.addHook('onRequest', (req, reply, done) => {
        if (ui.handle(req.raw, reply.raw)) reply.hijack();
        else done();
      });
    },
    onDemo: (demo) => {
      ownJwksUrl = `${demo.issuerUrl}/jwks`;
      const appUrl = demo.webAppUrl;
      if (appUrl !== undefined) recorder.appUrl = appUrl;
      record = () => {
        recordedAt = Date.now();
        (appUrl !== undefined
          ? flow.traceCodeFlow(recorder, { ...demo, appUrl })
          : passwordFlowTrace(trace, demo)
        )
          .then((t) => {
            live = t;
          })
          .catch(() => {
            // The page then shows no live flow; the issuer itself is unaffected.
          });
      };
      record();
    },
  });
}

/** Without the demo web app: one password login and two resource calls, recorded as a trace. */
function passwordFlowTrace(
  trace: typeof import('@tessera/trace'),
  demo: DemoInfo,
): Promise<unknown> {
  return trace.runScenario(
    {
      login: {
        method: 'POST',
        url: `${demo.issuerUrl}/token`,
        form: {
          grant_type: 'password',
          username: demo.username,
          password: '$password',
          client_id: demo.clientId,
          client_secret: demo.clientSecret,
          scope: 'read',
        },
        tokenFrom: 'json:access_token',
      },
      calls: [
        { method: 'GET', url: `${demo.resourceUrl}/hello` },
        { method: 'GET', url: `${demo.resourceUrl}/hello` },
      ],
    },
    {
      password: demo.password,
      clientLabel: 'Demo app',
      names: [
        `${new URL(demo.issuerUrl).host}=Issuer (tessera serve)`,
        `${new URL(demo.resourceUrl).host}=Resource server (guard)`,
      ].flatMap((rule) => trace.parseNameRule(rule) ?? []),
    },
  );
}
