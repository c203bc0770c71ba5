/**
 * `tessera trace run|proxy|import|render|check`: record an authentication flow, draw it, check
 * it. @tessera/trace (loaded only when this command runs) records and draws; this module owns the
 * flags, the help and the exit codes (docs/cli.md#exit-codes: 0 ok, 1 assertion failed, 2 usage,
 * 3 input error, 4 key error, 5 network error during `trace run`).
 */
import { resolve } from 'node:path';
import {
  checkAssertions,
  DEFAULT_ASSERTIONS,
  importHar,
  readInputText,
  readTraceFile,
  relabelParticipants,
  startProxy,
  TRACE_ERROR_CODES,
  TraceInputError,
  writePrivateFile,
  writeTraceFile,
} from '@tessera/trace';
import { parse } from '../args.js';
import { CliError, EXIT, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import {
  captureOptions,
  CHECK_OPTIONS,
  help,
  IMPORT_OPTIONS,
  parseAssertions,
  parseFormat,
  parseNames,
  parseNow,
  PROXY_OPTIONS,
  RENDER_OPTIONS,
} from './trace-options.js';
import { assertionLines, emit, failed, render } from './trace-output.js';
import { runTraceRun } from './trace-run.js';

export { help, OPTIONS } from './trace-options.js';

/** Resolves on Ctrl-C, SIGTERM or `io.signal`. */
function untilStopped(io: CliIo): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
}

async function proxy(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, PROXY_OPTIONS);
  if (values.help) {
    io.stdout.write(help);
    return EXIT.OK;
  }
  if (positionals.length) throw usageError('trace proxy takes no positional arguments');
  if (values.target === undefined) throw usageError('trace proxy needs --target http://HOST:PORT');
  if (!/^http:\/\/[^/]+/.test(values.target))
    throw usageError('--target must be an http:// URL (the proxy does not intercept TLS)');
  const m = /^(?:(.+):)?(\d+)$/.exec(values.listen ?? '127.0.0.1:8899');
  if (!m) throw usageError('--listen expects [HOST:]PORT');
  const format = parseFormat(values.format, 'ascii');
  const capture = captureOptions(values, io);
  const out = resolve(io.cwd, values.out ?? 'trace.json');
  const now = parseNow(values.now);
  const proxyOptions: Parameters<typeof startProxy>[0] = {
    ...capture,
    host: m[1] ?? '127.0.0.1',
    port: Number(m[2]),
    target: values.target,
  };
  if (now) {
    const frozen = now.getTime();
    proxyOptions.clock = () => frozen;
  }
  const running = await startProxy(proxyOptions);
  io.stderr.write(`recording ${running.url} → ${values.target}; press Ctrl-C to write ${out}\n`);
  await untilStopped(io);
  const trace = await running.close();
  writeTraceFile(out, trace);
  emit(trace, format, io);
  io.stderr.write(`${trace.exchanges.length} exchanges; trace written to ${out} (mode 0600)\n`);
  return failed(trace) ? EXIT.FAILED : EXIT.OK;
}

function importCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, IMPORT_OPTIONS);
  if (values.help) {
    io.stdout.write(help);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw usageError('trace import expects one HAR file');
  const format = parseFormat(values.format, 'ascii');
  const capture = captureOptions(values, io);
  const text = readInputText(resolve(io.cwd, positionals[0]!), positionals[0]!);
  const trace = importHar(text, capture);
  const out = resolve(io.cwd, values.out ?? 'trace.json');
  writeTraceFile(out, trace);
  emit(trace, format, io);
  io.stderr.write(`${trace.exchanges.length} exchanges; trace written to ${out} (mode 0600)\n`);
  return failed(trace) ? EXIT.FAILED : EXIT.OK;
}

function renderCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, RENDER_OPTIONS);
  if (values.help) {
    io.stdout.write(help);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw usageError('trace render expects one trace.json');
  if (values.reveal || values.now !== undefined)
    throw usageError('--reveal and --now apply to capture commands');
  const format = parseFormat(values.format, 'svg');
  let trace = readTraceFile(resolve(io.cwd, positionals[0]!), positionals[0]!);
  const names = parseNames(values.name);
  if (names.length || values.client !== undefined)
    trace = relabelParticipants(trace, names, values.client);
  const assertions = parseAssertions(values.assert);
  if (assertions) trace = { ...trace, assertions: checkAssertions(trace, assertions) };
  const text = render(trace, format);
  if (values.out !== undefined) {
    const path = resolve(io.cwd, values.out);
    // Every rendering owner-only: a trace captured with --reveal draws live tokens in any format.
    writePrivateFile(path, text);
  } else io.stdout.write(text);
  return EXIT.OK;
}

function check(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, CHECK_OPTIONS);
  if (values.help) {
    io.stdout.write(help);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw usageError('trace check expects one trace.json');
  const trace = readTraceFile(resolve(io.cwd, positionals[0]!), positionals[0]!);
  const results = checkAssertions(trace, parseAssertions(values.assert) ?? DEFAULT_ASSERTIONS);
  if (values.json)
    io.stdout.write(
      `${JSON.stringify({ ok: results.every((r) => r.status === 'pass'), assertions: results }, null, 2)}\n`,
    );
  else io.stdout.write(assertionLines({ assertions: results }));
  return results.some((r) => r.status === 'fail') ? EXIT.FAILED : EXIT.OK;
}

async function dispatch(sub: string | undefined, rest: string[], io: CliIo): Promise<number> {
  switch (sub) {
    case 'run':
      return runTraceRun(rest, io);
    case 'proxy':
      return proxy(rest, io);
    case 'import':
      return importCommand(rest, io);
    case 'render':
      return renderCommand(rest, io);
    case 'check':
      return check(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(help);
      return sub === undefined ? EXIT.USAGE : EXIT.OK;
    default:
      throw usageError(`unknown trace subcommand "${sub}"`);
  }
}

/**
 * `tessera trace <subcommand> …` → the exit code. User errors are printed on stderr (never a
 * stack) and mapped to their exit codes; anything else reaches main's last net.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  try {
    return await dispatch(sub, rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      // An input error the trace library defines names its code, as a TraceInputError does.
      const code = Object.hasOwn(TRACE_ERROR_CODES, err.code) ? ` (${err.code})` : '';
      io.stderr.write(
        err.exitCode === EXIT.USAGE
          ? `error: ${err.message}\nrun "tessera trace --help" for usage\n`
          : `error: ${err.message}${code}\n`,
      );
      return err.exitCode;
    }
    if (err instanceof TraceInputError) {
      io.stderr.write(`error: ${err.message} (${err.code})\n`);
      return EXIT.INPUT;
    }
    throw err;
  }
}
