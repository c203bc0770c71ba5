import type { CliIo } from '../io.js';
import { runServeCommand } from './issuer-commands.js';

export { SERVE_USAGE as help } from './issuer-commands.js';

/** The issuer package, loaded on first use: `config` and the admin commands work through it. */
export const loadServer = () => import('@tessera/server');

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
  const ui = createUiHandler({
    session: false,
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
      const appUrl = demo.webAppUrl;
      if (appUrl !== undefined) {
        recorder.appUrl = appUrl;
        record = () => {
          recordedAt = Date.now();
          flow
            .traceCodeFlow(recorder, { ...demo, appUrl })
            .then((t) => {
              live = t;
            })
            .catch(() => {
              // The page then shows no live flow; the issuer itself is unaffected.
            });
        };
        record();
        return;
      }
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
