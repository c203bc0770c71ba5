import { spawn } from 'node:child_process';
import { startUi, type RunningUi } from './start-ui.js';
import type { UiOptions } from './ui-options.js';

/** Where the command writes: `process.stdout`/`process.stderr` or anything with `write`. */
export interface UiCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export interface UiCommandDeps extends UiOptions {
  /** Stops the server (the command then resolves 0). Default: SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
  /** Called once listening (tests read the URL here). */
  readonly onListening?: (ui: RunningUi) => void;
  /** Opens the browser; default: best effort with xdg-open / open, only when a display exists. */
  readonly openBrowser?: (url: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const UI_USAGE = `Usage: tessera ui [--port N] [--no-open] [--allow-network]

Start the offline debugger (decode, verify, sign, audit, trace) on 127.0.0.1.
  --port N           port to bind (default: a free port)
  --no-open          print the URL but do not open a browser
  --allow-network    allow fetching a JWKS URL (https only, on a button press)
The URL holds a one-time token; append #token=<jwt> to preload a token.
Nothing is persisted and nothing leaves this machine unless --allow-network is given.
Exit codes: 0 stopped normally, 2 usage error.
`;

interface ParsedArgs {
  port: number;
  open: boolean;
  allowNetwork: boolean;
  help: boolean;
}

function parseArgs(args: readonly string[]): ParsedArgs | string {
  const out: ParsedArgs = { port: 0, open: true, allowNetwork: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--no-open') out.open = false;
    else if (a === '--allow-network') out.allowNetwork = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--port' || a.startsWith('--port=')) {
      const v = a === '--port' ? args[++i] : a.slice('--port='.length);
      if (v === undefined || !/^\d{1,5}$/.test(v) || Number(v) > 65535)
        return '--port needs a number 0-65535';
      out.port = Number(v);
    } else return `unknown argument: ${a.startsWith('-') ? a : '(positional)'}`;
  }
  return out;
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

/**
 * `tessera ui`: start the debugger, print its URL, optionally open a browser, and run until
 * stopped. Returns the exit code.
 *
 * @example
 * process.exitCode = await runUiCommand(process.argv.slice(3), process, { renderTraceSvg: renderSvg });
 */
export async function runUiCommand(
  args: readonly string[],
  io: UiCommandIo,
  deps: UiCommandDeps = {},
): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.stderr.write(`tessera ui: ${parsed}\n\n${UI_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(UI_USAGE);
    return 0;
  }
  const { signal, onListening, openBrowser, env = process.env, ...options } = deps;
  let ui: RunningUi;
  try {
    ui = await startUi({
      ...options,
      allowNetwork: parsed.allowNetwork || options.allowNetwork === true,
      port: parsed.port,
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    io.stderr.write(
      `tessera ui: cannot listen on 127.0.0.1:${parsed.port}${typeof code === 'string' ? ` (${code})` : ''}\n`,
    );
    return 2;
  }
  io.stdout.write(`Tessera debugger: ${ui.url}\n`);
  io.stdout.write(
    `Offline — nothing leaves this machine${parsed.allowNetwork ? ' (except JWKS fetches you press the button for: --allow-network)' : ''}. Ctrl-C to stop.\n`,
  );
  onListening?.(ui);
  if (parsed.open) (openBrowser ?? ((u: string) => defaultOpen(u, env)))(ui.url);
  await new Promise<void>((resolve) => {
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
  await ui.close();
  return 0;
}
