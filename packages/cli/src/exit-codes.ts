import type { JoseErrorCode } from '@tessera/jose';
import type { InspectErrorCode } from '@tessera/inspect';
import type { TraceErrorCode } from '@tessera/trace';
/**
 * Exit codes of `tessera`, as docs/cli.md#exit-codes lists them. `decode` never returns VERIFY_FAILED:
 * it does not verify, so 0 never means "not checked".
 */
export const EXIT = {
  OK: 0,
  VERIFY_FAILED: 1,
  /** serve/user/client: the operation itself failed (same number as VERIFY_FAILED). */
  FAILED: 1,
  USAGE: 2,
  INPUT: 3,
  KEY: 4,
  NETWORK: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line per code, printed by `tessera --help`. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT.OK, 'success: decoded, signed, or verified and every requested claim check passed'],
  [
    EXIT.VERIFY_FAILED,
    'verification failed (signature or a claim check); audit findings at or above --fail-on; serve/user/client/trace: the operation failed',
  ],
  [EXIT.USAGE, 'usage error: unknown flag or command, conflicting flags, missing key for verify'],
  [EXIT.INPUT, 'input error: not a JWT/JWE even partially, bad JSON, unreadable file'],
  [EXIT.KEY, 'key error: key unusable for alg, kid not found, weak key refused by policy'],
  [EXIT.NETWORK, 'network error (only explicit fetches: --jwks https://..., jwks fetch)'],
];

/**
 * The CLI's own codes (`CliError.code`, the `error.code` of `--json`), each with its one-line
 * meaning; docs/errors.md lists them (a test keeps it so, and every code the source uses in it).
 */
export const CLI_ERROR_CODES = {
  ERR_VERIFICATION_FAILED: 'verification failed: the signature or a requested claim check (exit 1)',
  ERR_USAGE:
    'a usage error: unknown flag or command, conflicting flags, a missing argument (exit 2)',
  ERR_INPUT: 'an input error: unreadable file, bad JSON, input too large (exit 3)',
  ERR_KEY: 'a key error: the key is unusable for the algorithm, or no key fits (exit 4)',
  ERR_NETWORK: 'a network error of an explicit fetch (exit 5)',
  ERR_CONFIG: 'the issuer settings (file, environment, flags) are invalid (exit 3)',
  ERR_CANCELLED: 'the password prompt was cancelled with Ctrl-C (exit 3)',
  ERR_DEMO_FAILED: "the demo's own flow (sign-in, calls, sign-out) could not be run (exit 3)",
  ERR_UNEXPECTED: 'an unexpected failure; the message names only its type, never its text (exit 3)',
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

/**
 * The one error type of the CLI: a failure that ends a command with an exit code and a one-line
 * message. Messages never carry a token, a key or a secret.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /**
   * A stable machine code for `--json`: one of {@link CLI_ERROR_CODES}, or the code of the
   * library that decided (a JoseError, InspectError or TraceError code).
   */
  readonly code: CliErrorCode | PassedOnCode;
  constructor(exitCode: ExitCode, message: string, code?: CliErrorCode | PassedOnCode) {
    super(message);
    this.exitCode = exitCode;
    this.code = code ?? (exitCode === 0 ? 'ERR_UNEXPECTED' : DEFAULT_CODES[exitCode]);
  }
  override get name(): string {
    return 'CliError';
  }
}

/** Codes of the libraries the CLI hands on as they are. */
export type PassedOnCode = JoseErrorCode | InspectErrorCode | TraceErrorCode;

const DEFAULT_CODES: Record<Exclude<ExitCode, 0>, CliErrorCode> = {
  1: 'ERR_VERIFICATION_FAILED',
  2: 'ERR_USAGE',
  3: 'ERR_INPUT',
  4: 'ERR_KEY',
  5: 'ERR_NETWORK',
};

/** Shorthands. */
export const usageError = (message: string): CliError => new CliError(EXIT.USAGE, message);
export const inputError = (message: string, code?: CliErrorCode | PassedOnCode): CliError =>
  new CliError(EXIT.INPUT, message, code);
export const keyError = (message: string, code?: CliErrorCode | PassedOnCode): CliError =>
  new CliError(EXIT.KEY, message, code);
/** A failure of the demo's own web app or recorded flow (exit 3). */
export const demoError = (message: string): CliError =>
  new CliError(EXIT.INPUT, message, 'ERR_DEMO_FAILED');
export const networkError = (message: string, code?: CliErrorCode | PassedOnCode): CliError =>
  new CliError(EXIT.NETWORK, message, code);
