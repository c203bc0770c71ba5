/** An in-memory `io` for runTraceCommand tests. */
import { Readable } from 'node:stream';
import type { TraceCommandIo } from '../command.js';

export interface MemoryIo extends TraceCommandIo {
  out(): string;
  err(): string;
}

export function memoryIo(
  cwd: string,
  options: { stdin?: string; env?: Record<string, string>; signal?: AbortSignal } = {},
): MemoryIo {
  let out = '';
  let err = '';
  const io: MemoryIo = {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s) },
    env: options.env ?? {},
    cwd,
    out: () => out,
    err: () => err,
  };
  if (options.stdin !== undefined) io.stdin = Readable.from([Buffer.from(options.stdin)]);
  if (options.signal) io.signal = options.signal;
  return io;
}
