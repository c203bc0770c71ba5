import { isJoseError } from '@tessera/jose';
import type { CliIo } from './io.js';
import { CliError, EXIT } from './exit-codes.js';
import { emptyResult, stringifyResult } from './json-result.js';

const KEY_CODES = new Set([
  'ERR_KEY_INVALID',
  'ERR_KEY_TOO_WEAK',
  'ERR_KEY_NOT_FOUND',
  'ERR_KEY_AMBIGUOUS',
  'ERR_JWK_INVALID',
  'ERR_PEM_INVALID',
]);

/** Any thrown value → a CliError with the right exit code; unknown errors never leak details. */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (isJoseError(e)) {
    if (KEY_CODES.has(e.code)) return new CliError(EXIT.KEY, e.message, e.code);
    if (e.code.startsWith('ERR_JWKS_')) return new CliError(EXIT.NETWORK, e.message, e.code);
    if (e.code === 'ERR_OPTIONS_INVALID') return new CliError(EXIT.USAGE, e.message, e.code);
    return new CliError(EXIT.INPUT, e.message, e.code);
  }
  const name = e instanceof Error ? e.name : typeof e;
  return new CliError(
    EXIT.INPUT,
    `unexpected failure (${name.replace(/[^\w]/g, '')})`,
    'ERR_UNEXPECTED',
  );
}

/**
 * Run a command body; any failure becomes one stderr line `tessera <cmd>: message` and its exit
 * code — never a stack trace. With `--json`, a result with `error` set still goes to stdout.
 */
export async function runGuarded(
  name: string,
  args: readonly string[],
  io: CliIo,
  body: () => Promise<number>,
  emptyJson: () => Record<string, unknown> = () =>
    emptyResult() as unknown as Record<string, unknown>,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const err = toCliError(e);
    io.stderr.write(`tessera ${name}: ${err.message}\n`);
    if (args.includes('--json')) {
      const r = emptyJson();
      r['error'] = { code: err.code, message: err.message, exitCode: err.exitCode };
      io.stdout.write(stringifyResult(r));
    }
    return err.exitCode;
  }
}
