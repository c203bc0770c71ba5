/**
 * `tessera trace …`: the option tables, the help text and the flag parsers its subcommands share
 * (trace.ts dispatches, trace-run.ts builds `trace run`'s scenario). Loaded only when `trace` runs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLocalKeySet, JWS_ALGORITHM_NAMES } from '@tessera/jose';
import type { JwkSet, JwsAlg, KeySet } from '@tessera/jose';
import {
  ASSERTION_NAMES,
  DEFAULT_ASSERTIONS,
  parseNameRule,
  type AssertionName,
  type CaptureOptions,
  type NameRule,
  type TokenVerification,
} from '@tessera/trace';
import { inputError, keyError, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';

export const FORMATS = ['svg', 'html', 'mermaid', 'ascii', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export const help = `tessera trace — record an authentication flow, draw it, check it

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
                        render: output file (default stdout; mode 0600)
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

/** Options every subcommand but `check` takes. */
export const COMMON = {
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  name: { type: 'string', multiple: true },
  reveal: { type: 'boolean' },
  assert: { type: 'string', multiple: true },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options of the capture commands (run, proxy, import) beyond {@link COMMON}. */
export const CAPTURE = {
  client: { type: 'string' },
  actor: { type: 'string' },
  jwks: { type: 'string' },
  alg: { type: 'string', multiple: true },
} as const;

/** `trace run`'s flags (`--login` and `--call` take two words and are pulled out before parsing). */
export const RUN_OPTIONS = {
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
} as const;

export const PROXY_OPTIONS = {
  ...COMMON,
  ...CAPTURE,
  listen: { type: 'string' },
  target: { type: 'string' },
} as const;
export const IMPORT_OPTIONS = { ...COMMON, ...CAPTURE } as const;
export const RENDER_OPTIONS = { ...COMMON, client: { type: 'string' } } as const;
export const CHECK_OPTIONS = {
  assert: COMMON.assert,
  json: { type: 'boolean' },
  help: COMMON.help,
} as const;

/** Every flag of every subcommand (shell completion). */
export const OPTIONS = { ...RUN_OPTIONS, ...PROXY_OPTIONS, ...CHECK_OPTIONS } as const;

/** `--jwks FILE` (a local file: the trace never fetches) and `--alg` → signature checks. */
export function parseVerification(
  values: { jwks?: string | undefined; alg?: string[] | undefined },
  io: CliIo,
): TokenVerification | undefined {
  if (values.jwks === undefined) {
    if (values.alg?.length) throw usageError('--alg needs --jwks');
    return undefined;
  }
  if (/^https?:\/\//i.test(values.jwks))
    throw usageError('--jwks takes a local file (fetch it with tessera jwks fetch)');
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(resolve(io.cwd, values.jwks), 'utf8'));
  } catch {
    throw inputError(`cannot read the JWKS ${values.jwks}`, 'ERR_TRACE_INVALID');
  }
  let keys: KeySet;
  try {
    keys = createLocalKeySet(jwks as JwkSet);
  } catch (err) {
    throw keyError(
      `the JWKS is unusable (${String((err as { code?: unknown }).code ?? 'invalid')})`,
    );
  }
  const names = (values.alg ?? [])
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const a of names)
    if (!(JWS_ALGORITHM_NAMES as readonly string[]).includes(a))
      throw usageError(`unknown --alg "${a}"`);
  // Public keys only: the default allow-list is every asymmetric JWS algorithm (never HS*, never none).
  const algorithms = (
    names.length ? names : JWS_ALGORITHM_NAMES.filter((a) => !a.startsWith('HS'))
  ) as JwsAlg[];
  return { keys, algorithms };
}

/** The capture flags (`--name`, `--reveal`, `--assert`, `--client`, `--actor`, `--jwks`, `--alg`). */
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
  io: CliIo,
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

export function parseFormat(v: string | undefined, fallback: Format): Format {
  if (v === undefined) return fallback;
  if (!(FORMATS as readonly string[]).includes(v))
    throw usageError(`--format must be one of ${FORMATS.join(', ')}`);
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
      throw usageError(`unknown assertion "${n}"`);
  return [...new Set(names)] as AssertionName[];
}

export function parseNames(values: readonly string[] | undefined): NameRule[] {
  return (values ?? []).map((v) => {
    const r = parseNameRule(v);
    if (!r) throw usageError(`--name expects HOST[/PREFIX]=LABEL, got "${v}"`);
    return r;
  });
}

export function parseNow(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(d.getTime()))
    throw usageError('--now expects an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z');
  return d;
}
