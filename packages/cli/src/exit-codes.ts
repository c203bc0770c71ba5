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
 * A failure that ends a command with an exit code and a one-line message. Messages never carry
 * a token, a key or a secret.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** A stable machine code for `--json` (e.g. `ERR_INPUT`, or a JoseError code). */
  readonly code: string;
  constructor(exitCode: ExitCode, message: string, code?: string) {
    super(message);
    this.exitCode = exitCode;
    this.code = code ?? DEFAULT_CODES[exitCode];
  }
  override get name(): string {
    return 'CliError';
  }
}

const DEFAULT_CODES: Record<ExitCode, string> = {
  0: 'OK',
  1: 'ERR_VERIFICATION_FAILED',
  2: 'ERR_USAGE',
  3: 'ERR_INPUT',
  4: 'ERR_KEY',
  5: 'ERR_NETWORK',
};

/** Shorthands. */
export const usageError = (message: string): CliError => new CliError(EXIT.USAGE, message);
export const inputError = (message: string, code?: string): CliError =>
  new CliError(EXIT.INPUT, message, code);
export const keyError = (message: string, code?: string): CliError =>
  new CliError(EXIT.KEY, message, code);
export const networkError = (message: string, code?: string): CliError =>
  new CliError(EXIT.NETWORK, message, code);
