/**
 * Reading and writing `trace.json`. Files are written owner-only (0600, through a new file renamed
 * into place, so an existing file's mode does not survive): even redacted, a trace names endpoints
 * and users' habits, and with `--reveal` it holds live tokens.
 */
import { readFileSync } from 'node:fs';
import { writePrivateFile } from '@tessera/jose/internal/node';
import type { Trace } from './model.js';
import { TraceInputError } from './errors.js';
import { parseTrace } from './validate.js';

/** Serialise a trace (stable member order, two-space indent, trailing newline). */
export function serializeTrace(trace: Trace): string {
  return `${JSON.stringify(trace, null, 2)}\n`;
}

/**
 * Write a file readable by its owner only (0600), also when it already existed: a new 0600 file
 * renamed over `path`, never a chmod after writing. The one writer lives in
 * `@tessera/jose/internal` (the CLI's token and key files use it too); re-exported here.
 *
 * @example
 * writePrivateFile('trace.json', serializeTrace(trace));
 */
export { writePrivateFile };

/** Write `trace.json` with mode 0600. */
export function writeTraceFile(path: string, trace: Trace): void {
  writePrivateFile(path, serializeTrace(trace));
}

/**
 * Read and strictly validate a trace file. Throws {@link TraceInputError}.
 *
 * @example
 * const trace = readTraceFile('trace.json');
 */
export function readTraceFile(path: string, shown = path): Trace {
  return parseTrace(readInputText(path, shown));
}

/**
 * Read a trace, HAR or scenario file as text. A missing file is `no such file: PATH`
 * (`ERR_FILE_UNREADABLE`, exit 3), with PATH as the user typed it (`shown`).
 *
 * @example
 * const text = readInputText(resolve(cwd, 'flow.json'), 'flow.json');
 */
export function readInputText(path: string, shown = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code;
    const message =
      reason === 'ENOENT'
        ? `no such file: ${shown}`
        : reason === 'EISDIR'
          ? `a directory, not a file: ${shown}`
          : `cannot read ${shown}${typeof reason === 'string' ? ` (${reason})` : ''}`;
    throw new TraceInputError('ERR_FILE_UNREADABLE', '', message, { cause });
  }
}
