/**
 * The process boundary of the CLI. Every command receives a {@link CliIo} instead of touching
 * `process`, so tests run commands in-process with in-memory streams.
 */

/** A writable text sink (stdout or stderr). */
export interface CliOutput {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** What a command may use of the outside world. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** The current time (tests inject a fixed clock). Default: `new Date()`. */
  now?: () => Date;
  /**
   * Reads a line without echo (hidden secret prompt). Only called when stdin is a TTY; the
   * real implementation lives in bin.ts.
   */
  promptHidden?: (question: string) => Promise<string>;
  /** Stops a command that runs until Ctrl-C (`trace proxy`) as Ctrl-C does (embedding, tests). */
  signal?: AbortSignal;
}

/** The current time for this invocation. */
export function nowOf(io: CliIo): Date {
  return io.now?.() ?? new Date();
}

/** Largest input read from stdin or a file (tokens are far smaller; JWKS and payloads too). */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** Largest password read from stdin (`user --password-stdin`, `trace run --password-stdin`). */
export const MAX_PASSWORD_BYTES = 4096;

/**
 * Read stdin to a Buffer, at most `max` bytes (one byte more is read to detect overflow).
 * Returns `undefined` when the input is larger than `max`. `line`: only the first line.
 */
export async function readStdin(
  io: CliIo,
  max = MAX_INPUT_BYTES,
  { line = false }: { line?: boolean } = {},
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const b =
      typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
    size += b.length;
    // With `line`, stop at the first newline (a typed password ends at Enter, not at EOF).
    const nl = line ? b.indexOf(0x0a) : -1;
    if (nl >= 0) {
      if (size - b.length + nl > max) return undefined;
      chunks.push(b.subarray(0, nl));
      break;
    }
    if (size > max) return undefined;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
