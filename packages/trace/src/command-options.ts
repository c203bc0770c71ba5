/**
 * Options, help text and exit codes of `tessera trace …`: parsing helpers shared by the
 * subcommands in command.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLocalKeySet, JWS_ALGORITHM_NAMES } from '@tessera/jose';
import type { JwkSet, JwsAlg, KeySet } from '@tessera/jose';
import type { AssertionName } from './model.js';
import { ASSERTION_NAMES, DEFAULT_ASSERTIONS, TraceInputError } from './model.js';
import { parseNameRule } from './participants.js';
import type { NameRule } from './participants.js';
import type { ScenarioStep } from './capture/driver.js';
import type { CaptureOptions } from './build-trace.js';
import type { TokenVerification } from './correlate.js';

export interface TraceCommandIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  stdin?: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Stops `trace proxy` like Ctrl-C does (for embedding and tests). */
  signal?: AbortSignal;
}

export const TRACE_EXIT = {
  ok: 0,
  assertionFailed: 1,
  usage: 2,
  input: 3,
  key: 4,
  network: 5,
} as const;

export const FORMATS = ['svg', 'html', 'mermaid', 'ascii', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export const TRACE_HELP = `tessera trace — record an authentication flow, draw it, check it

Usage:
  tessera trace run [scenario.json] [--login [METHOD] URL] [--form k=v]… [--json-body k=v]…
                    [--basic USER] [--password-stdin | --password-env NAME] [--password-field NAME]
                    [--token-from json:access_token|cookie:NAME|header:NAME] [--call [METHOD] PATH]…
                    [--header 'name: value']… [--timeout 10s] [--env-file FILE]
  tessera trace proxy --target http://127.0.0.1:3000 [--listen 127.0.0.1:8899]   (Ctrl-C writes the trace)
  tessera trace import session.har
  tessera trace render trace.json [--format svg|html|mermaid|ascii|json]
  tessera trace check trace.json [--assert NAME[,NAME…]|all] [--json]

Common options:
  -o, --out FILE        run/proxy/import: trace file (default trace.json, mode 0600);
                        render: output file (default stdout)
  --format FORMAT       svg, html, mermaid, ascii or json (capture default ascii, render default svg)
  --name HOST[/PREFIX]=LABEL   relabel a participant, e.g. --name 127.0.0.1:3000/auth="Auth API"
  --reveal              keep full tokens in the trace (never passwords); for local debugging only
  --assert LIST         ${ASSERTION_NAMES.join(', ')} or all
                        (default: ${DEFAULT_ASSERTIONS.join(', ')}); run exits 1 when one fails
  --now ISO-DATE        fixed clock: deterministic timestamps and output

Scenario files (run):
  --env-file FILE       values for the scenario's \${NAME} placeholders (NAME=value lines, as the
                        demo's .tessera/demo.env); never read from the process environment

Capture options (run, proxy, import):
  --client LABEL        label of the client lifeline (default CLI, Client or Browser)
  --actor NAME          add a human actor lifeline left of the client
  --jwks FILE           check JWT signatures with this local JWKS (never fetched)
  --alg LIST            algorithms allowed for that check (default: every asymmetric one)

Exit codes:
  0  success; assertions hold
  1  an assertion failed (the exchanges are named)
  2  usage error
  3  input error: unreadable or invalid trace, HAR or scenario file
  4  key error: the --jwks file holds no usable key
  5  network error during trace run
`;

export class UsageError extends Error {}

/** Options of the capture commands (run, proxy, import) beyond COMMON. */
export const CAPTURE = {
  client: { type: 'string' },
  actor: { type: 'string' },
  jwks: { type: 'string' },
  alg: { type: 'string', multiple: true },
} as const;

export class KeyError extends Error {}

/** `--jwks FILE` (a local file: the trace never fetches) and `--alg` → signature checks. */
export function parseVerification(
  values: { jwks?: string | undefined; alg?: string[] | undefined },
  io: TraceCommandIo,
): TokenVerification | undefined {
  if (values.jwks === undefined) {
    if (values.alg?.length) throw new UsageError('--alg needs --jwks');
    return undefined;
  }
  if (/^https?:\/\//i.test(values.jwks))
    throw new UsageError('--jwks takes a local file (fetch it with tessera jwks fetch)');
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(resolve(io.cwd, values.jwks), 'utf8'));
  } catch (cause) {
    throw new TraceInputError('ERR_TRACE_INVALID', '', `cannot read the JWKS ${values.jwks}`, {
      cause,
    });
  }
  let keys: KeySet;
  try {
    keys = createLocalKeySet(jwks as JwkSet);
  } catch (err) {
    throw new KeyError(
      `the JWKS is unusable (${String((err as { code?: unknown }).code ?? 'invalid')})`,
    );
  }
  const names = (values.alg ?? [])
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const a of names)
    if (!(JWS_ALGORITHM_NAMES as readonly string[]).includes(a))
      throw new UsageError(`unknown --alg "${a}"`);
  // Public keys only: the default allow-list is every asymmetric JWS algorithm (never HS*, never none).
  const algorithms = (
    names.length ? names : JWS_ALGORITHM_NAMES.filter((a) => !a.startsWith('HS'))
  ) as JwsAlg[];
  return { keys, algorithms };
}

export function captureOptions(
  values: {
    name?: string[] | undefined;
    reveal?: boolean | undefined;
    assert?: string[] | undefined;
    client?: string | undefined;
    actor?: string | undefined;
    jwks?: string | undefined;
    alg?: string[] | undefined;
  },
  io: TraceCommandIo,
): CaptureOptions {
  const o: CaptureOptions = { names: parseNames(values.name) };
  if (values.reveal) {
    o.reveal = true;
    io.stderr.write(
      'warning: --reveal keeps full tokens in the trace file (passwords are still never stored)\n',
    );
  }
  const assertions = parseAssertions(values.assert);
  if (assertions) o.assertions = assertions;
  if (values.client !== undefined) o.clientLabel = values.client;
  if (values.actor !== undefined) o.actor = values.actor;
  const verify = parseVerification(values, io);
  if (verify) o.verify = verify;
  return o;
}

export const COMMON = {
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  name: { type: 'string', multiple: true },
  reveal: { type: 'boolean' },
  assert: { type: 'string', multiple: true },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseFormat(v: string | undefined, fallback: Format): Format {
  if (v === undefined) return fallback;
  if (!(FORMATS as readonly string[]).includes(v))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return v as Format;
}

export function parseAssertions(
  values: readonly string[] | undefined,
): AssertionName[] | undefined {
  if (!values || values.length === 0) return undefined;
  const names = values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.includes('all')) return [...ASSERTION_NAMES];
  for (const n of names)
    if (!(ASSERTION_NAMES as readonly string[]).includes(n))
      throw new UsageError(`unknown assertion "${n}"`);
  return [...new Set(names)] as AssertionName[];
}

export function parseNames(values: readonly string[] | undefined): NameRule[] {
  return (values ?? []).map((v) => {
    const r = parseNameRule(v);
    if (!r) throw new UsageError(`--name expects HOST[/PREFIX]=LABEL, got "${v}"`);
    return r;
  });
}

export function parseNow(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(d.getTime()))
    throw new UsageError('--now expects an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z');
  return d;
}

export function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms|s)?$/.exec(v);
  if (!m) throw new UsageError('--timeout expects e.g. 10s or 500ms');
  return Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
}

export async function readStdin(stdin: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stdin) throw new UsageError('--password-stdin needs a stdin');
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Pull `--login [METHOD] URL` and `--call [METHOD] URL` out before parseArgs (two values each). */
export function extractSteps(args: readonly string[]): {
  rest: string[];
  login?: ScenarioStep;
  calls: ScenarioStep[];
} {
  const rest: string[] = [];
  const calls: ScenarioStep[] = [];
  let login: ScenarioStep | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--(login|call)(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const words: string[] = m[2] !== undefined ? m[2].trim().split(/\s+/) : [];
    if (m[2] === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new UsageError(`--${m[1]} expects [METHOD] URL`);
      words.push(next);
      i++;
      if (/^[A-Z]+$/.test(next)) {
        const url = args[i + 1];
        if (url === undefined || url.startsWith('--'))
          throw new UsageError(`--${m[1]} ${next} expects a URL`);
        words.push(url);
        i++;
      }
    }
    const [w1 = '', w2] = words;
    const step: ScenarioStep =
      w2 !== undefined
        ? { method: w1, url: w2 }
        : { method: m[1] === 'login' ? 'POST' : 'GET', url: w1 };
    if (!/^[A-Za-z]+$/.test(step.method) || step.url === '')
      throw new UsageError(`--${m[1]} expects [METHOD] URL`);
    if (m[1] === 'login') {
      if (login) throw new UsageError('--login may be given once');
      login = step;
    } else calls.push(step);
  }
  const out: { rest: string[]; login?: ScenarioStep; calls: ScenarioStep[] } = { rest, calls };
  if (login) out.login = login;
  return out;
}

export const kv = (v: string, flag: string, sep: string): [string, string] => {
  const i = v.indexOf(sep);
  if (i <= 0) throw new UsageError(`${flag} expects NAME${sep}VALUE`);
  return [v.slice(0, i).trim(), v.slice(i + sep.length).trim()];
};
