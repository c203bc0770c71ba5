/**
 * Human dates for NumericDate claims (RFC 7519 §2), one format for the CLI and the page: UTC ISO, local wall time and a relative phrase, e.g.
 * `2026-05-03T10:00:00Z (local 12:00 CEST, in 14m)`.
 */

/** `--date` values: utc, local, relative, unix, or a fixed offset like `+02:00`. */
export type DateMode = 'full' | 'utc' | 'local' | 'relative' | 'unix' | { offsetMinutes: number };

const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/** Parse a `--date` value; undefined when it is not one. */
export function parseDateMode(v: string | undefined): DateMode | undefined {
  if (v === undefined) return 'full';
  if (v === 'utc' || v === 'local' || v === 'relative' || v === 'unix' || v === 'full') return v;
  const m = OFFSET.exec(v);
  if (m === null) return undefined;
  const h = Number(m[2]);
  const min = Number(m[3]);
  if (h > 14 || min > 59) return undefined;
  return { offsetMinutes: (m[1] === '-' ? -1 : 1) * (h * 60 + min) };
}

/** ISO 8601 UTC without milliseconds: `2026-05-03T10:00:00Z`. */
export function isoUtc(unixSeconds: number): string {
  const d = new Date(Math.floor(unixSeconds) * 1000);
  if (!Number.isFinite(d.getTime())) return 'invalid date';
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A short relative phrase: `in 14m`, `3h 5m ago`, `now`. */
export function relative(unixSeconds: number, now: Date): string {
  const delta = Math.round(unixSeconds - now.getTime() / 1000);
  if (delta === 0) return 'now';
  const text = span(Math.abs(delta));
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

/** `1d 2h`, `14m`, `45s`: the two largest units. */
export function span(seconds: number): string {
  const units: [string, number][] = [
    ['y', 365 * 86400],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const out: string[] = [];
  let rest = Math.floor(seconds);
  for (const [name, size] of units) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
      if (out.length === 2) break;
    } else if (out.length > 0) break;
  }
  return out.length === 0 ? '0s' : out.join(' ');
}

/** Local wall time (`12:00 CEST`, with the date when it differs from UTC's) in `timeZone`. */
export function localTime(unixSeconds: number, timeZone?: string): string {
  const d = new Date(Math.floor(unixSeconds) * 1000);
  if (!Number.isFinite(d.getTime())) return 'invalid date';
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
      timeZoneName: 'short',
    });
  } catch {
    return localTime(unixSeconds, undefined);
  }
  const parts = Object.fromEntries(fmt.formatToParts(d).map((p) => [p.type, p.value]));
  const date = `${parts['year']}-${parts['month']}-${parts['day']}`;
  const time = `${parts['hour']}:${parts['minute']} ${parts['timeZoneName'] ?? ''}`.trim();
  return date === isoUtc(unixSeconds).slice(0, 10) ? time : `${date} ${time}`;
}

function withOffset(unixSeconds: number, offsetMinutes: number): string {
  const d = new Date((Math.floor(unixSeconds) + offsetMinutes * 60) * 1000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return d.toISOString().replace(/\.\d{3}Z$/, off);
}

/** Format a NumericDate for humans in the chosen mode. */
export function formatDate(
  unixSeconds: number,
  now: Date,
  mode: DateMode = 'full',
  timeZone?: string,
): string {
  if (typeof mode === 'object') return withOffset(unixSeconds, mode.offsetMinutes);
  switch (mode) {
    case 'unix':
      return String(unixSeconds);
    case 'utc':
      return isoUtc(unixSeconds);
    case 'local':
      return localTime(unixSeconds, timeZone);
    case 'relative':
      return relative(unixSeconds, now);
    case 'full':
      return `${isoUtc(unixSeconds)} (local ${localTime(unixSeconds, timeZone)}, ${relative(unixSeconds, now)})`;
  }
}

/** The `dates` entry of the `--json` shape for one time claim. */
export interface JsonDate {
  unix: number;
  iso: string;
  relative: string;
}

export function jsonDate(unixSeconds: number, now: Date): JsonDate {
  return { unix: unixSeconds, iso: isoUtc(unixSeconds), relative: relative(unixSeconds, now) };
}

// 1e11 seconds is the year 5138: no real NumericDate is that large, while a time in
// milliseconds since 1973 is; beyond 1e14 it is not a plausible date in milliseconds either.
const MS_LOW = 1e11;
const MS_HIGH = 1e14;

/**
 * True when a NumericDate looks like milliseconds (a common bug; RFC 7519 §2 says seconds).
 * The one heuristic of the CLI, the page and the audit.
 */
export function looksLikeMilliseconds(v: number): boolean {
  const a = Math.abs(v);
  return a >= MS_LOW && a < MS_HIGH;
}

/** A NumericDate made readable: the value in seconds, ISO-8601 UTC and a relative phrase. */
export interface ReadableDate {
  /** The value as seconds (divided by 1000 when it looked like milliseconds). */
  readonly unix: number;
  readonly iso: string;
  /** e.g. `in 14m`, `3h 5m ago`, `now`. */
  readonly relative: string;
  /** True when the value looked like milliseconds and was read as such. */
  readonly milliseconds: boolean;
}

/**
 * Read a NumericDate relative to `now`; undefined for a value that is not a finite number.
 *
 * @example
 * readableDate(1767225600, new Date(1767225000_000)).relative // 'in 10m'
 */
export function readableDate(value: unknown, now: Date): ReadableDate | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const milliseconds = looksLikeMilliseconds(value);
  const unix = milliseconds ? value / 1000 : value;
  if (!Number.isFinite(new Date(unix * 1000).getTime())) return undefined;
  return { unix, iso: isoUtc(unix), relative: relative(unix, now), milliseconds };
}
