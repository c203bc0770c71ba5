/** `tessera trace run`: a scenario (a file, or `--login`/`--call` flags) run against live servers. */
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import {
  expandScenario,
  parseScenario,
  readInputText,
  runScenario,
  TraceLoginError,
  TraceNetworkError,
  writeTraceFile,
  type RunScenarioOptions,
  type Scenario,
  type ScenarioStep,
  type Trace,
} from '@tessera/trace';
import { parse, type Parsed } from '../args.js';
import { EXIT, inputError, usageError } from '../exit-codes.js';
import { MAX_PASSWORD_BYTES, readStdin, type CliIo } from '../io.js';
import { captureOptions, help, parseFormat, parseNow, RUN_OPTIONS } from './trace-options.js';
import { emit, failed } from './trace-output.js';

type RunValues = Parsed<typeof RUN_OPTIONS>['values'];
interface Steps {
  rest: string[];
  login?: ScenarioStep;
  calls: ScenarioStep[];
}

/** `--login [METHOD] URL` or `--call [METHOD] URL` at `args[i]` → the step and how many words it took. */
function takeStep(args: readonly string[], i: number, m: RegExpExecArray): [ScenarioStep, number] {
  const words: string[] = m[2] !== undefined ? m[2].trim().split(/\s+/) : [];
  let used = 0;
  if (m[2] === undefined) {
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--'))
      throw usageError(`--${m[1]} expects [METHOD] URL`);
    words.push(next);
    used++;
    if (/^[A-Z]+$/.test(next)) {
      const url = args[i + 2];
      if (url === undefined || url.startsWith('--'))
        throw usageError(`--${m[1]} ${next} expects a URL`);
      words.push(url);
      used++;
    }
  }
  const [w1 = '', w2] = words;
  const step: ScenarioStep =
    w2 !== undefined
      ? { method: w1, url: w2 }
      : { method: m[1] === 'login' ? 'POST' : 'GET', url: w1 };
  if (!/^[A-Za-z]+$/.test(step.method) || step.url === '')
    throw usageError(`--${m[1]} expects [METHOD] URL`);
  return [step, used];
}

/** Pull `--login [METHOD] URL` and `--call [METHOD] URL` out before parsing (two values each). */
export function extractSteps(args: readonly string[]): Steps {
  const out: Steps = { rest: [], calls: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--(login|call)(?:=(.*))?$/.exec(a);
    if (!m) {
      out.rest.push(a);
      continue;
    }
    const [step, used] = takeStep(args, i, m);
    i += used;
    if (m[1] === 'login') {
      if (out.login) throw usageError('--login may be given once');
      out.login = step;
    } else out.calls.push(step);
  }
  return out;
}

const kv = (v: string, flag: string, sep: string): [string, string] => {
  const i = v.indexOf(sep);
  if (i <= 0) throw usageError(`${flag} expects NAME${sep}VALUE`);
  return [v.slice(0, i).trim(), v.slice(i + sep.length).trim()];
};

function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms|s)?$/.exec(v);
  if (!m) throw usageError('--timeout expects e.g. 10s or 500ms');
  return Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
}

function scenarioFile(path: string, io: CliIo): Scenario {
  const text = readInputText(resolve(io.cwd, path), path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw inputError('the scenario is not valid JSON', 'ERR_SCENARIO_INVALID');
  }
  return parseScenario(json);
}

function loginStep(step: ScenarioStep, values: RunValues): NonNullable<Scenario['login']> {
  const login: NonNullable<Scenario['login']> = { ...step };
  if (values.form?.length)
    login.form = Object.fromEntries(values.form.map((f) => kv(f, '--form', '=')));
  if (values['json-body']?.length) {
    if (login.form) throw usageError('--form and --json-body conflict');
    login.json = Object.fromEntries(values['json-body'].map((f) => kv(f, '--json-body', '=')));
  }
  if (values.basic !== undefined) login.basic = { username: values.basic, password: '$password' };
  if (values['token-from'] !== undefined) {
    if (!/^(json|cookie|header):.+$/.test(values['token-from']))
      throw usageError('--token-from expects json:PATH, cookie:NAME or header:NAME');
    login.tokenFrom = values['token-from'];
  }
  return login;
}

/** The scenario the `--login`/`--call`/`--form`/… flags describe. */
function scenarioFromFlags(steps: Steps, values: RunValues): Scenario {
  if (!steps.login && steps.calls.length === 0)
    throw usageError('trace run needs a scenario file or --login/--call');
  const scenario: Scenario = {};
  const headers = Object.fromEntries((values.header ?? []).map((h) => kv(h, '--header', ':')));
  if (steps.login) scenario.login = loginStep(steps.login, values);
  else if (values.form || values['json-body'] || values.basic !== undefined)
    throw usageError('--form, --json-body and --basic belong to --login');
  scenario.calls = steps.calls.map((c) => (Object.keys(headers).length ? { ...c, headers } : c));
  if (!steps.login) scenario.base = steps.calls[0]!.url;
  if (!/^https?:\/\//.test(scenario.login?.url ?? scenario.base ?? ''))
    throw usageError('the first URL must be absolute (http:// or https://)');
  return scenario;
}

async function readPassword(io: CliIo): Promise<string> {
  const bytes = await readStdin(io, MAX_PASSWORD_BYTES);
  if (bytes === undefined)
    throw inputError(`the password on stdin is longer than ${MAX_PASSWORD_BYTES} bytes`);
  return bytes.toString('utf8').replace(/\r?\n$/, '');
}

async function runOptions(values: RunValues, io: CliIo): Promise<RunScenarioOptions> {
  const opts: RunScenarioOptions = {};
  if (values['password-stdin']) opts.password = await readPassword(io);
  if (values['password-env'] !== undefined) {
    const pw = io.env[values['password-env']];
    if (pw === undefined)
      throw usageError(`environment variable ${values['password-env']} is not set`);
    opts.password = pw;
  }
  if (values['password-field'] !== undefined) opts.passwordField = values['password-field'];
  const now = parseNow(values.now);
  if (now) opts.now = now;
  const timeout = parseTimeout(values.timeout);
  if (timeout !== undefined) opts.timeoutMs = timeout;
  return Object.assign(opts, captureOptions(values, io));
}

/** `tessera trace run`: exit 0, 1 (an assertion or the login failed), 5 (network error). */
export async function runTraceRun(args: string[], io: CliIo): Promise<number> {
  const steps = extractSteps(args);
  const { values, positionals } = parse(steps.rest, RUN_OPTIONS);
  if (values.help) {
    io.stdout.write(help);
    return EXIT.OK;
  }
  if (positionals.length > 1) throw usageError('trace run takes at most one scenario file');
  if (values['password-stdin'] && values['password-env'] !== undefined)
    throw usageError('--password-stdin and --password-env conflict');
  if (positionals[0] !== undefined && (steps.login || steps.calls.length))
    throw usageError('give a scenario file or --login/--call flags, not both');
  const parsed =
    positionals[0] !== undefined
      ? scenarioFile(positionals[0], io)
      : scenarioFromFlags(steps, values);
  // `${NAME}` values come from --env-file only, never from the process environment.
  const file = values['env-file'];
  const scenario = expandScenario(
    parsed,
    file !== undefined ? parseEnv(readInputText(resolve(io.cwd, file), file)) : {},
  );
  const opts = await runOptions(values, io);
  const format = parseFormat(values.format, 'ascii');
  const out = resolve(io.cwd, values.out ?? 'trace.json');
  let trace: Trace;
  let failure: { message: string; exit: number } | undefined;
  try {
    trace = await runScenario(scenario, opts);
  } catch (err) {
    if (err instanceof TraceNetworkError) failure = { message: err.message, exit: EXIT.NETWORK };
    else if (err instanceof TraceLoginError) failure = { message: err.message, exit: EXIT.FAILED };
    else throw err;
    trace = err.trace;
  }
  writeTraceFile(out, trace);
  emit(trace, format, io);
  io.stderr.write(`trace written to ${out} (mode 0600)\n`);
  if (failure !== undefined) {
    io.stderr.write(`${failure.message}\n`);
    return failure.exit;
  }
  // The default assertions count as much as --assert ones: a failed one is exit 1.
  return failed(trace) ? EXIT.FAILED : EXIT.OK;
}
