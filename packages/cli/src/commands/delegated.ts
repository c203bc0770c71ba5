import type { CliIo } from '../io.js';

/**
 * Commands implemented by other packages: `serve`, `user`, `client` → @tessera/server,
 * `trace` → @tessera/trace, `ui` → @tessera/web. Each package is loaded only when its command
 * runs, so `tessera decode` never pays for Fastify or SQLite.
 */
export const DELEGATED_COMMANDS = ['serve', 'user', 'client', 'trace', 'ui'] as const;
export type DelegatedCommand = (typeof DELEGATED_COMMANDS)[number];

/** The issuer package, loaded on first use: `config` and the admin commands work through it. */
export const loadServer = () => import('@tessera/server');

/** Run a delegated command. */
export async function runDelegated(
  name: DelegatedCommand,
  args: string[],
  io: CliIo,
): Promise<number> {
  switch (name) {
    case 'serve':
      return runServe(args, io);
    case 'user':
      return (await import('@tessera/server')).runUserCommand(args, io);
    case 'client':
      return (await import('@tessera/server')).runClientCommand(args, io);
    case 'trace':
      return (await import('@tessera/trace')).runTraceCommand(args, io);
    case 'ui': {
      const { renderSvg } = await import('@tessera/trace');
      return (await import('@tessera/web')).runUiCommand(args, io, {
        renderTraceSvg: (trace: unknown) => renderSvg(trace as Parameters<typeof renderSvg>[0]),
      });
    }
  }
}

/**
 * `tessera serve`: the issuer. In `--demo` mode the debugger page is mounted at `/`, and its
 * Trace pane shows the demo's own flow, recorded from real requests: one login carrying the
 * demo credentials, then calls to the demo resource server carrying only the token.
 */
async function runServe(args: string[], io: CliIo): Promise<number> {
  const server = await import('@tessera/server');
  if (!args.includes('--demo')) return server.runServeCommand(args, io);
  const [{ createUiHandler }, trace, { startDemoResourceServer }, { startDemoWebApp }] =
    await Promise.all([
      import('@tessera/web'),
      import('@tessera/trace'),
      import('../demo/resource-server.js'),
      import('../demo/web-app.js'),
    ]);
  let live: unknown;
  let recordedAt = 0;
  let record: (() => void) | undefined;
  const ui = createUiHandler({
    session: false,
    renderTraceSvg: (t: unknown) => trace.renderSvg(t as Parameters<typeof trace.renderSvg>[0]),
    liveTrace: () => {
      if (Date.now() - recordedAt > 30_000) record?.();
      return live;
    },
  });
  return server.runServeCommand(args, io, {
    startDemoResourceServer,
    startDemoWebApp,
    mount: (app) => {
      app.addHook('onRequest', (req, reply, done) => {
        if (ui.handle(req.raw, reply.raw)) reply.hijack();
        else done();
      });
    },
    onDemo: (demo) => {
      record = () => {
        recordedAt = Date.now();
        trace
          .runScenario(
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
