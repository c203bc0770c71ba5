/**
 * `tessera trace run|proxy|import|render|check`: the command-line face of the flow trace.
 * The CLI delegates `tessera trace …` here. Exit codes follow docs/cli.md#exit-codes: 0 ok, 1 assertion failed,
 * 2 usage, 3 input error, 5 network error (`trace run`).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import type { Trace } from './model.js';
import { DEFAULT_ASSERTIONS, TraceInputError } from './model.js';
import { checkAssertions } from './assertions.js';
import { relabelParticipants } from './participants.js';
import {
  expandScenario,
  parseScenario,
  runScenario,
  TraceLoginError,
  TraceNetworkError,
} from './capture/driver.js';
import type { RunScenarioOptions, Scenario } from './capture/driver.js';
import { startProxy } from './capture/proxy.js';
import { importHar } from './capture/har.js';
import {
  readInputText,
  readTraceFile,
  serializeTrace,
  writePrivateFile,
  writeTraceFile,
} from './trace-file.js';
import { renderSvg } from './render/svg.js';
import { renderMermaid } from './render/mermaid.js';
import { renderAscii } from './render/ascii.js';
import { renderHtml } from './render/html.js';
import {
  CAPTURE,
  COMMON,
  KeyError,
  TRACE_EXIT,
  TRACE_HELP,
  UsageError,
  captureOptions,
  extractSteps,
  kv,
  parseAssertions,
  parseFormat,
  parseNames,
  parseNow,
  parseTimeout,
  readStdin,
} from './command-options.js';
import type { Format, TraceCommandIo } from './command-options.js';

export { TRACE_EXIT, TRACE_HELP } from './command-options.js';
export type { TraceCommandIo } from './command-options.js';

function render(trace: Trace, format: Format): string {
  switch (format) {
    case 'svg':
      return renderSvg(trace);
    case 'html':
      return renderHtml(trace);
    case 'mermaid':
      return renderMermaid(trace);
    case 'ascii':
      return renderAscii(trace);
    case 'json':
      return serializeTrace(trace);
  }
}

function assertionLines(trace: Trace): string {
  return trace.assertions
    .map((a) => `${a.status === 'pass' ? '✓' : '✗'} ${a.name}: ${a.message}\n`)
    .join('');
}

const failed = (trace: Trace): boolean => trace.assertions.some((a) => a.status === 'fail');

async function cmdRun(args: string[], io: TraceCommandIo): Promise<number> {
  const steps = extractSteps(args);
  const { values, positionals } = parseArgs({
    args: steps.rest,
    allowPositionals: true,
    strict: true,
    options: {
      ...COMMON,
      ...CAPTURE,
      form: { type: 'string', multiple: true },
      'json-body': { type: 'string', multiple: true },
      basic: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      'password-env': { type: 'string' },
      'password-field': { type: 'string' },
      'token-from': { type: 'string' },
      header: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'env-file': { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(TRACE_HELP);
    return TRACE_EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError('trace run takes at most one scenario file');
  if (values['password-stdin'] && values['password-env'] !== undefined)
    throw new UsageError('--password-stdin and --password-env conflict');
  let scenario: Scenario;
  if (positionals[0] !== undefined) {
    if (steps.login || steps.calls.length)
      throw new UsageError('give a scenario file or --login/--call flags, not both');
    const text = readInputText(resolve(io.cwd, positionals[0]), positionals[0]);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new TraceInputError('ERR_SCENARIO_INVALID', '', 'the scenario is not valid JSON', {
        cause,
      });
    }
    scenario = parseScenario(json);
  } else {
    if (!steps.login && steps.calls.length === 0)
      throw new UsageError('trace run needs a scenario file or --login/--call');
    scenario = {};
    const headers = Object.fromEntries((values.header ?? []).map((h) => kv(h, '--header', ':')));
    if (steps.login) {
      const login: NonNullable<Scenario['login']> = { ...steps.login };
      if (values.form?.length)
        login.form = Object.fromEntries(values.form.map((f) => kv(f, '--form', '=')));
      if (values['json-body']?.length) {
        if (login.form) throw new UsageError('--form and --json-body conflict');
        login.json = Object.fromEntries(values['json-body'].map((f) => kv(f, '--json-body', '=')));
      }
      if (values.basic !== undefined)
        login.basic = { username: values.basic, password: '$password' };
      if (values['token-from'] !== undefined) {
        if (!/^(json|cookie|header):.+$/.test(values['token-from']))
          throw new UsageError('--token-from expects json:PATH, cookie:NAME or header:NAME');
        login.tokenFrom = values['token-from'];
      }
      scenario.login = login;
    } else if (values.form || values['json-body'] || values.basic !== undefined) {
      throw new UsageError('--form, --json-body and --basic belong to --login');
    }
    scenario.calls = steps.calls.map((c) => (Object.keys(headers).length ? { ...c, headers } : c));
    if (!steps.login) scenario.base = steps.calls[0]!.url;
    if (!/^https?:\/\//.test(scenario.login?.url ?? scenario.base ?? ''))
      throw new UsageError('the first URL must be absolute (http:// or https://)');
  }
  if (values['env-file'] !== undefined) {
    const file = values['env-file'];
    scenario = expandScenario(scenario, parseEnv(readInputText(resolve(io.cwd, file), file)));
  } else scenario = expandScenario(scenario, {});
  const opts: RunScenarioOptions = {};
  if (values['password-stdin']) opts.password = await readStdin(io.stdin);
  if (values['password-env'] !== undefined) {
    const pw = io.env[values['password-env']];
    if (pw === undefined)
      throw new UsageError(`environment variable ${values['password-env']} is not set`);
    opts.password = pw;
  }
  if (values['password-field'] !== undefined) opts.passwordField = values['password-field'];
  const now = parseNow(values.now);
  if (now) opts.now = now;
  const timeout = parseTimeout(values.timeout);
  if (timeout !== undefined) opts.timeoutMs = timeout;
  const capture = captureOptions(values, io);
  Object.assign(opts, capture);
  const format = parseFormat(values.format, 'ascii');
  const out = resolve(io.cwd, values.out ?? 'trace.json');

  let trace: Trace;
  let networkError: string | undefined;
  let loginError: string | undefined;
  try {
    trace = await runScenario(scenario, opts);
  } catch (err) {
    if (err instanceof TraceNetworkError) networkError = err.message;
    else if (err instanceof TraceLoginError) loginError = err.message;
    else throw err;
    trace = err.trace;
  }
  writeTraceFile(out, trace);
  emit(trace, format, io);
  io.stderr.write(`trace written to ${out} (mode 0600)\n`);
  if (networkError !== undefined) {
    io.stderr.write(`${networkError}\n`);
    return TRACE_EXIT.network;
  }
  if (loginError !== undefined) {
    io.stderr.write(`${loginError}\n`);
    return TRACE_EXIT.assertionFailed;
  }
  // The default assertions count as much as --assert ones: a failed one is exit 1.
  return failed(trace) ? TRACE_EXIT.assertionFailed : TRACE_EXIT.ok;
}

function emit(trace: Trace, format: Format, io: TraceCommandIo): void {
  io.stdout.write(render(trace, format));
  if (format === 'ascii') io.stdout.write(`\n${assertionLines(trace)}`);
  else io.stderr.write(assertionLines(trace));
}

async function cmdProxy(args: string[], io: TraceCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...COMMON, ...CAPTURE, listen: { type: 'string' }, target: { type: 'string' } },
  });
  if (values.help) {
    io.stdout.write(TRACE_HELP);
    return TRACE_EXIT.ok;
  }
  if (positionals.length) throw new UsageError('trace proxy takes no positional arguments');
  if (values.target === undefined)
    throw new UsageError('trace proxy needs --target http://HOST:PORT');
  if (!/^http:\/\/[^/]+/.test(values.target))
    throw new UsageError('--target must be an http:// URL (the proxy does not intercept TLS)');
  const m = /^(?:(.+):)?(\d+)$/.exec(values.listen ?? '127.0.0.1:8899');
  if (!m) throw new UsageError('--listen expects [HOST:]PORT');
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
  const proxy = await startProxy(proxyOptions);
  io.stderr.write(`recording ${proxy.url} → ${values.target}; press Ctrl-C to write ${out}\n`);
  await new Promise<void>((done) => {
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
  const trace = await proxy.close();
  writeTraceFile(out, trace);
  emit(trace, format, io);
  io.stderr.write(`${trace.exchanges.length} exchanges; trace written to ${out} (mode 0600)\n`);
  return failed(trace) ? TRACE_EXIT.assertionFailed : TRACE_EXIT.ok;
}

async function cmdImport(args: string[], io: TraceCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...COMMON, ...CAPTURE },
  });
  if (values.help) {
    io.stdout.write(TRACE_HELP);
    return TRACE_EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('trace import expects one HAR file');
  const format = parseFormat(values.format, 'ascii');
  const capture = captureOptions(values, io);
  const text = readInputText(resolve(io.cwd, positionals[0]!), positionals[0]!);
  const trace = importHar(text, capture);
  const out = resolve(io.cwd, values.out ?? 'trace.json');
  writeTraceFile(out, trace);
  emit(trace, format, io);
  io.stderr.write(`${trace.exchanges.length} exchanges; trace written to ${out} (mode 0600)\n`);
  return failed(trace) ? TRACE_EXIT.assertionFailed : TRACE_EXIT.ok;
}

function cmdRender(args: string[], io: TraceCommandIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...COMMON, client: { type: 'string' } },
  });
  if (values.help) {
    io.stdout.write(TRACE_HELP);
    return TRACE_EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('trace render expects one trace.json');
  if (values.reveal || values.now !== undefined)
    throw new UsageError('--reveal and --now apply to capture commands');
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
    if (format === 'json') writePrivateFile(path, text);
    else writeFileSync(path, text);
  } else io.stdout.write(text);
  return TRACE_EXIT.ok;
}

function cmdCheck(args: string[], io: TraceCommandIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { assert: COMMON.assert, json: { type: 'boolean' }, help: COMMON.help },
  });
  if (values.help) {
    io.stdout.write(TRACE_HELP);
    return TRACE_EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('trace check expects one trace.json');
  const trace = readTraceFile(resolve(io.cwd, positionals[0]!), positionals[0]!);
  const results = checkAssertions(trace, parseAssertions(values.assert) ?? DEFAULT_ASSERTIONS);
  if (values.json)
    io.stdout.write(
      `${JSON.stringify({ ok: results.every((r) => r.status === 'pass'), assertions: results }, null, 2)}\n`,
    );
  else io.stdout.write(assertionLines({ ...trace, assertions: results }));
  return results.some((r) => r.status === 'fail') ? TRACE_EXIT.assertionFailed : TRACE_EXIT.ok;
}

/**
 * Run `tessera trace <subcommand> …` and return the exit code. Never throws for user errors:
 * they are printed on stderr and mapped to exit codes.
 *
 * @example
 * process.exitCode = await runTraceCommand(process.argv.slice(3), {
 *   stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(),
 * });
 */
export async function runTraceCommand(args: string[], io: TraceCommandIo): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'run':
        return await cmdRun(rest, io);
      case 'proxy':
        return await cmdProxy(rest, io);
      case 'import':
        return await cmdImport(rest, io);
      case 'render':
        return cmdRender(rest, io);
      case 'check':
        return cmdCheck(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(TRACE_HELP);
        return sub === undefined ? TRACE_EXIT.usage : TRACE_EXIT.ok;
      default:
        throw new UsageError(`unknown trace subcommand "${sub}"`);
    }
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
      String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr.write(`error: ${(err as Error).message}\nrun "tessera trace --help" for usage\n`);
      return TRACE_EXIT.usage;
    }
    if (err instanceof KeyError) {
      io.stderr.write(`error: ${err.message}\n`);
      return TRACE_EXIT.key;
    }
    if (err instanceof TraceInputError) {
      io.stderr.write(`error: ${err.message} (${err.code})\n`);
      return TRACE_EXIT.input;
    }
    throw err;
  }
}
