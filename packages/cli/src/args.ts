import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '@tessera/jose';
import { usageError, inputError } from './exit-codes.js';
import { readStdin, type CliIo } from './io.js';
import {
  decodeToken,
  MAX_TOKEN_CHARS,
  parseDateMode,
  type DateMode,
  type DecodedToken,
} from '@tessera/inspect';
import type { ColorMode } from './colors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

type OptionValue<T> = T extends { type: 'boolean' }
  ? T extends { multiple: true }
    ? boolean[]
    : boolean
  : T extends { multiple: true }
    ? string[]
    : string;

/** What {@link parse} returns: every option optional, typed by its declaration. */
export interface Parsed<O extends Options> {
  values: { [K in keyof O]?: OptionValue<O[K]> };
  positionals: string[];
}

/** Options every token-reading command shares. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  color: { type: 'string' },
  date: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** The key options of the commands that sign or verify (`sign`, `verify`). */
export const KEY_OPTIONS = {
  secret: { type: 'string' },
  'secret-file': { type: 'string' },
  'secret-encoding': { type: 'string' },
  key: { type: 'string' },
} as const satisfies Options;

/**
 * `--exp -1h` as `--exp=-1h`: parseArgs refuses a value that starts with a dash, but no flag of
 * ours starts with a digit, so `-<digit>…` after an option that takes a value is that value.
 */
function joinDashValues(args: string[], options: Options): string[] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (o.short !== undefined) takesValue.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (takesValue.has(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * `node:util` parseArgs in strict mode; any parse failure becomes a one-line usage error
 * (exit 2) naming the flag but never its value (it may be a secret).
 */
export function parse<O extends Options>(
  args: string[],
  options: O,
  allowPositionals = true,
): Parsed<O> {
  try {
    return parseArgs({
      args: joinDashValues(args, options),
      options,
      strict: true,
      allowPositionals,
    }) as unknown as Parsed<O>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const msg = e instanceof Error ? e.message : '';
    const flag = /'(-{1,2}[A-Za-z0-9][A-Za-z0-9-]*)/.exec(msg)?.[1];
    switch (code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        // A single-dash "option" is often a value that starts with a dash (a key id is base64url).
        throw usageError(
          flag !== undefined && !flag.startsWith('--')
            ? `unknown option ${flag} (a value that starts with "-" goes after "--")`
            : `unknown option ${flag ?? ''}`.trim(),
        );
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw usageError(
          `option ${flag ?? ''} ${/argument missing/.test(msg) ? 'needs a value' : 'does not take a value'}`.replace(
            / +/g,
            ' ',
          ),
        );
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw usageError('unexpected argument');
      default:
        throw usageError('invalid arguments');
    }
  }
}

/** Output settings shared by commands. */
export interface OutputFlags {
  json: boolean;
  quiet: boolean;
  color: ColorMode;
  date: DateMode;
}

export function outputFlags(v: {
  json?: boolean;
  quiet?: boolean;
  color?: string;
  date?: string;
}): OutputFlags {
  const color = v.color ?? 'auto';
  if (color !== 'auto' && color !== 'always' && color !== 'never')
    throw usageError('--color must be auto, always or never');
  const date = parseDateMode(v.date);
  if (date === undefined)
    throw usageError('--date must be utc, local, relative, unix or an offset like +02:00');
  return { json: v.json === true, quiet: v.quiet === true, color, date };
}

/**
 * Clean and decode a token (through @tessera/inspect); input that is not a JWT/JWE even
 * partially (or binary, empty, too large) is an input error (exit 3).
 */
export function decodeInput(raw: string | Uint8Array): DecodedToken {
  const d = decodeToken(raw);
  const p = d.problems[0];
  if (d.format === 'invalid') throw inputError(p?.message ?? 'not a JWT', p?.code);
  return d;
}

/**
 * The token to work on: the positional argument, `-` for stdin, or stdin when it is a pipe and
 * no argument is given; cleaned and decoded by {@link decodeInput}.
 */
export async function readToken(
  positional: string | undefined,
  io: CliIo,
): Promise<{ token: string; decoded: DecodedToken; fromStdin: boolean }> {
  if (positional !== undefined && positional !== '-') {
    const decoded = decodeInput(positional);
    return { token: decoded.token, decoded, fromStdin: false };
  }
  if (positional === undefined && io.stdin.isTTY === true)
    throw usageError('no token given (pass it as an argument, or pipe it on stdin)');
  const buf = await readStdin(io, MAX_TOKEN_CHARS * 4);
  if (buf === undefined)
    throw inputError(`the input is too large (limit ${MAX_TOKEN_CHARS} characters)`);
  const decoded = decodeInput(buf);
  return { token: decoded.token, decoded, fromStdin: true };
}

/** A duration flag (`30s`, `15m`, or seconds) → seconds; usage error otherwise. */
export function durationFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : v;
  try {
    return parseDuration(n, flag);
  } catch {
    throw usageError(`${flag} must be seconds or a duration like 30s, 15m, 1h, 7d`);
  }
}

/**
 * A time flag: `+15m`/`-1h` relative to `now`, `now`, unix seconds, or an ISO 8601 date.
 * Returns unix seconds (integer).
 */
export function timeFlag(v: string | undefined, flag: string, now: Date): number | undefined {
  if (v === undefined) return undefined;
  const base = Math.floor(now.getTime() / 1000);
  if (v === 'now') return base;
  const rel = /^([+-])(\d+(?:s|m|h|d|w))$/.exec(v);
  if (rel !== null) return base + (rel[1] === '-' ? -1 : 1) * durationFlag(rel[2], flag)!;
  if (/^\d{1,12}$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return Math.floor(t / 1000);
  }
  throw usageError(`${flag} must be +15m / -1h, now, unix seconds, or an ISO 8601 date`);
}

/** `--now` as a Date. */
export function nowFlag(v: string | undefined, fallback: Date): Date {
  if (v === undefined) return fallback;
  return new Date(timeFlag(v, '--now', fallback)! * 1000);
}

/** Split comma-separated and repeated values: `--aud a,b --aud c` → [a, b, c]. */
export function listFlag(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const out = (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return out.length === 0 ? undefined : out;
}
