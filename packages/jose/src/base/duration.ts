import { JoseError } from './errors.js';

/** A duration: a number of seconds, or a string like `"15m"` (`s`, `m`, `h`, `d`, `w`). */
export type Duration = number | string;

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const FORMAT = /^(\d+)(s|m|h|d|w)$/;

/**
 * Parse a duration to seconds, or throw ERR_OPTIONS_INVALID at configuration time.
 * Numbers are seconds (finite, >= 0); strings must match `^\d+(s|m|h|d|w)$` — `"120"`,
 * `"1 month"`, `"P1D"`, `"1h30m"` and `" 1h"` are refused, never silently read as something else
 * (docs/security.md#durations; @fastify/jwt CVE-2026-107275).
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    const m = FORMAT.exec(value);
    if (m !== null) {
      const n = Number(m[1]) * UNITS[m[2]!]!;
      if (Number.isSafeInteger(n)) return n;
    }
  }
  throw new JoseError(
    'ERR_OPTIONS_INVALID',
    `${option} must be a number of seconds or a string like "15m" (s, m, h, d, w)`,
  );
}
