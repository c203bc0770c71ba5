/**
 * `tessera ui`: the local, offline web debugger. @tessera/web (loaded only when this command
 * runs) serves the page; this module owns the flags, the help and the exit codes.
 */
import { spawn } from 'node:child_process';
import { parse } from '../args.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';

export const help = `Usage: tessera ui [--port N] [--no-open] [--allow-network [--allow-http-loopback]]

Start the offline debugger (decode, verify, sign, audit, trace) on 127.0.0.1.
  --port N                port to bind (default: a free port)
  --no-open               print the URL but do not open a browser
  --allow-network         allow fetching a JWKS URL (https only, on a button press)
  --allow-http-loopback   with --allow-network: also plain http to 127.0.0.1 / ::1 / localhost
                          (a local issuer such as npm start's)
The URL holds a one-time token; append #token=<jwt> to preload a token.
Nothing is persisted and nothing leaves this machine unless --allow-network is given.
Exit codes: 0 stopped normally, 2 usage error.
`;

/** `tessera ui`'s flags (the parser and shell completion both read it). */
export const OPTIONS = {
  port: { type: 'string' },
  'no-open': { type: 'boolean' },
  'allow-network': { type: 'boolean' },
  'allow-http-loopback': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What tests (and embedders) may replace: the browser opener; a hook once listening. */
export interface UiHooks {
  /** Called once listening with the URL and port (tests read them here). */
  readonly onListening?: (ui: { url: string; port: number }) => void;
  /** Opens the browser; default: best effort with xdg-open / open, only when a display exists. */
  readonly openBrowser?: (url: string) => void;
}

function defaultOpen(url: string, env: Readonly<Record<string, string | undefined>>): void {
  let cmd: string | undefined;
  let argv: string[] = [url];
  if (process.platform === 'darwin') cmd = 'open';
  else if (process.platform === 'win32') {
    cmd = 'cmd';
    argv = ['/c', 'start', '', url];
  } else if (env['DISPLAY'] || env['WAYLAND_DISPLAY']) cmd = 'xdg-open';
  if (cmd === undefined) return;
  try {
    const child = spawn(cmd, argv, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // Best effort: the URL is printed anyway.
  }
}

/** Resolves on `io.signal`, else on SIGINT/SIGTERM. */
function untilStopped(io: CliIo): Promise<void> {
  return new Promise<void>((resolve) => {
    const signal = io.signal;
    if (signal !== undefined) {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The `--port` value: 0-65535. */
function portOf(v: string | undefined): number {
  if (v === undefined) return 0;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
    throw new CliError(EXIT.USAGE, '--port needs a number 0-65535');
  return Number(v);
}

/**
 * `tessera ui`: start the debugger, print its URL, optionally open a browser, and run until
 * stopped (Ctrl-C, or `io.signal`). Exit codes: 0 stopped normally, 2 usage error or the port
 * cannot be bound.
 */
export async function runUi(args: string[], io: CliIo, hooks: UiHooks = {}): Promise<number> {
  let values;
  let port: number;
  try {
    values = parse(args, OPTIONS, false).values;
    port = portOf(values.port);
    // Like verify's --allow-http-loopback beside --jwks-url: it widens the fetch, never enables it.
    if (values['allow-http-loopback'] === true && values['allow-network'] !== true)
      throw new CliError(EXIT.USAGE, '--allow-http-loopback goes with --allow-network');
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    io.stderr.write(`tessera ui: ${e.message}\n\n${help}`);
    return EXIT.USAGE;
  }
  if (values.help === true) {
    io.stdout.write(help);
    return EXIT.OK;
  }
  const allowNetwork = values['allow-network'] === true;
  const [{ renderSvg }, web] = await Promise.all([
    import('@tessera/trace'),
    import('@tessera/web'),
  ]);
  let ui: Awaited<ReturnType<typeof web.startUi>>;
  try {
    ui = await web.startUi({
      renderTraceSvg: (trace: unknown) => renderSvg(trace as Parameters<typeof renderSvg>[0]),
      allowNetwork,
      allowHttpLoopback: values['allow-http-loopback'] === true,
      port,
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    io.stderr.write(
      `tessera ui: cannot listen on 127.0.0.1:${port}${typeof code === 'string' ? ` (${code})` : ''}\n`,
    );
    return EXIT.USAGE;
  }
  io.stdout.write(`Tessera debugger: ${ui.url}\n`);
  io.stdout.write(
    `Offline — nothing leaves this machine${allowNetwork ? ' (except JWKS fetches you press the button for: --allow-network)' : ''}. Ctrl-C to stop.\n`,
  );
  hooks.onListening?.(ui);
  if (values['no-open'] !== true) (hooks.openBrowser ?? ((u) => defaultOpen(u, io.env)))(ui.url);
  await untilStopped(io);
  await ui.close();
  return EXIT.OK;
}

export const run = (args: string[], io: CliIo): Promise<number> => runUi(args, io);
