/**
 * NumericDate values (RFC 7519 §2: seconds since the epoch) made readable: ISO-8601 UTC and a
 * relative phrase. The page adds the local time itself, in the browser's own time zone.
 */
export interface ReadableDate {
  /** The value as seconds (divided by 1000 when it looked like milliseconds). */
  readonly unix: number;
  readonly iso: string;
  /** e.g. `in 14m`, `3h 5m ago`. */
  readonly relative: string;
  /** True when the value was too large for seconds and was read as milliseconds. */
  readonly milliseconds: boolean;
}

// 1e11 seconds is the year 5138: no real NumericDate is that large, while Date.now() in ms is.
const MILLISECONDS_THRESHOLD = 1e11;

/** Format a duration in seconds as `2d 3h`, `14m`, `45s` (two most significant units). */
export function formatSpan(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const units: [number, string][] = [
    [31557600, 'y'],
    [604800, 'w'],
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  const out: string[] = [];
  let rest = s;
  for (const [size, name] of units) {
    if (rest >= size && out.length < 2) {
      out.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    } else if (out.length > 0) break;
  }
  return out.length === 0 ? '0s' : out.join(' ');
}

/**
 * Read a NumericDate relative to `nowSeconds`. Returns undefined for a value that is not a
 * finite number.
 *
 * @example
 * readableDate(1767225600, 1767225000).relative // 'in 10m'
 */
export function readableDate(value: unknown, nowSeconds: number): ReadableDate | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const milliseconds = Math.abs(value) >= MILLISECONDS_THRESHOLD;
  const unix = milliseconds ? value / 1000 : value;
  const date = new Date(unix * 1000);
  if (!Number.isFinite(date.getTime())) return undefined;
  const iso = date.toISOString().replace(/\.000Z$/, 'Z');
  const delta = unix - nowSeconds;
  const relative =
    Math.abs(delta) < 1
      ? 'now'
      : delta > 0
        ? `in ${formatSpan(delta)}`
        : `${formatSpan(delta)} ago`;
  return { unix, iso, relative, milliseconds };
}
