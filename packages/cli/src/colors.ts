import type { CliIo, CliOutput } from './io.js';

/** `--color` values. */
export type ColorMode = 'auto' | 'always' | 'never';

/**
 * Whether to colour a stream: `--color=always|never` wins, then `NO_COLOR` (no-color.org: any
 * non-empty value), then `FORCE_COLOR` (non-empty and not `0`), then "is it a TTY".
 */
export function useColor(io: CliIo, stream: CliOutput, mode: ColorMode = 'auto'): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  const no = io.env['NO_COLOR'];
  if (no !== undefined && no !== '') return false;
  const force = io.env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return stream.isTTY === true;
}

/** A palette of SGR wrappers, or identity functions when colour is off. */
export interface Palette {
  readonly enabled: boolean;
  /** Token header part (jwt.io: red/pink). */
  header(s: string): string;
  /** Token payload part (jwt.io: purple/magenta). */
  payload(s: string): string;
  /** Token signature part (jwt.io: blue/cyan). */
  signature(s: string): string;
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const sgr = (open: string, close: string) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const id = (s: string) => s;

/** Build a palette (jwt.io colours for the three parts). */
export function palette(enabled: boolean): Palette {
  if (!enabled) {
    return {
      enabled,
      header: id,
      payload: id,
      signature: id,
      ok: id,
      bad: id,
      warn: id,
      dim: id,
      bold: id,
    };
  }
  return {
    enabled,
    header: sgr('38;5;204', '39'),
    payload: sgr('35', '39'),
    signature: sgr('36', '39'),
    ok: sgr('32', '39'),
    bad: sgr('31', '39'),
    warn: sgr('33', '39'),
    dim: sgr('2', '22'),
    bold: sgr('1', '22'),
  };
}

/** Strip SGR sequences (tests, width computations). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
