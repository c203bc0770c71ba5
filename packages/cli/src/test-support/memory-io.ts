import { Readable } from 'node:stream';
import type { CliIo } from '../io.js';

/** An in-memory CliIo: collect stdout/stderr, feed stdin, fix the clock. */
export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
}

export interface MemoryIoOptions {
  stdin?: string | Buffer;
  /** Pretend stdin is a terminal (no piped input). Default: true when `stdin` is not given. */
  stdinTTY?: boolean;
  stdoutTTY?: boolean;
  env?: Record<string, string | undefined>;
  cwd?: string;
  now?: Date;
  prompt?: string;
  /** Stops a command that runs until Ctrl-C (`trace proxy`). */
  signal?: AbortSignal;
}

export function memoryIo(o: MemoryIoOptions = {}): MemoryIo {
  let out = '';
  let err = '';
  const stdin = Readable.from(
    o.stdin === undefined ? [] : [Buffer.isBuffer(o.stdin) ? o.stdin : Buffer.from(o.stdin)],
  ) as Readable & { isTTY?: boolean };
  stdin.isTTY = o.stdinTTY ?? o.stdin === undefined;
  const io: MemoryIo = {
    stdout: { write: (s: string) => (out += s), isTTY: o.stdoutTTY ?? false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    stdin,
    env: o.env ?? { TZ: 'UTC' },
    cwd: o.cwd ?? process.cwd(),
    out: () => out,
    err: () => err,
  };
  if (o.now !== undefined) {
    const now = o.now;
    io.now = () => now;
  }
  if (o.prompt !== undefined) {
    const answer = o.prompt;
    io.promptHidden = async () => answer;
  }
  if (o.signal !== undefined) io.signal = o.signal;
  return io;
}

/** A fixed instant used across tests: 2026-01-01T00:00:00Z. */
export const NOW = new Date('2026-01-01T00:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);
