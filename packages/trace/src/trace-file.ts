/**
 * Reading and writing `trace.json`. Files are written with mode 0600: even redacted, a trace
 * names endpoints and users' habits, and with `--reveal` it holds live tokens.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { Trace } from './model.js';
import { TraceInputError } from './model.js';
import { parseTrace } from './validate.js';

/** Serialise a trace (stable member order, two-space indent, trailing newline). */
export function serializeTrace(trace: Trace): string {
  return `${JSON.stringify(trace, null, 2)}\n`;
}

/**
 * Write a file readable by its owner only (0600), also when it already existed.
 *
 * @example
 * writePrivateFile('trace.json', serializeTrace(trace));
 */
export function writePrivateFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

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
export function readTraceFile(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TraceInputError('ERR_TRACE_INVALID', '', `cannot read ${path}`, { cause });
  }
  return parseTrace(text);
}
