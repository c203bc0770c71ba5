import {
  catalogueEntry,
  CLAIMS,
  formatDate,
  headerCatalogue,
  TIME_CLAIMS,
  type CatalogueEntry,
  type DateMode,
  type DecodedToken,
} from '@tessera/inspect';
import type { Palette } from './colors.js';

/** `Issuer: who created and signed the token (RFC 7519 §4.1.1)`. */
const describe = (e: CatalogueEntry | undefined): string =>
  e === undefined ? '' : `${e.description} (${e.spec})`;

export interface RenderOptions {
  colors: Palette;
  now: Date;
  date: DateMode;
  timeZone?: string | undefined;
}

const MAX_VALUE = 64;

/** The token with its parts coloured as on jwt.io: header red, payload purple, signature blue. */
export function coloredToken(d: DecodedToken, c: Palette): string {
  const s = d.segments;
  if (d.format === 'jwe') {
    return [c.header(s[0]!), c.dim(s[1]!), c.dim(s[2]!), c.payload(s[3]!), c.signature(s[4]!)].join(
      '.',
    );
  }
  const out = [c.header(s[0] ?? '')];
  if (s.length > 1) out.push(c.payload(s[1]!));
  for (const rest of s.slice(2)) out.push(c.signature(rest));
  return out.join('.');
}

function short(v: unknown): string {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > MAX_VALUE ? `${clean.slice(0, MAX_VALUE - 1)}…` : clean;
}

/** Aligned `name  value  (description)` rows. */
function table(rows: [string, string, string][], c: Palette): string[] {
  const w0 = Math.max(0, ...rows.map((r) => r[0].length));
  const w1 = Math.min(MAX_VALUE, Math.max(0, ...rows.map((r) => r[1].length)));
  return rows.map(([a, b, d]) =>
    `  ${c.bold(a.padEnd(w0))}  ${b.padEnd(w1)}  ${c.dim(d)}`.trimEnd(),
  );
}

function timeBadge(name: string, v: number, now: number, c: Palette): string {
  if (name === 'exp' && v <= now) return ` ${c.bad('[expired]')}`;
  if (name === 'nbf' && v > now) return ` ${c.warn('[not yet valid]')}`;
  if (name === 'iat' && v > now + 60) return ` ${c.warn('[in the future]')}`;
  return '';
}

/** Human rendering of a decoded token: parts, header, payload, claims table. */
export function renderToken(d: DecodedToken, o: RenderOptions): string {
  const c = o.colors;
  const lines: string[] = [];
  lines.push(c.bold(`Token (${d.format})`), coloredToken(d, c), '');
  const h = d.header?.json;
  lines.push(c.header(c.bold('Header')));
  if (h !== undefined) {
    lines.push(
      ...JSON.stringify(h, null, 2)
        .split('\n')
        .map((l) => `  ${c.header(l)}`),
    );
    const catalogue = headerCatalogue(d.format);
    const rows = Object.keys(h).filter((k) => catalogueEntry(catalogue, k) !== undefined);
    if (rows.length > 0)
      lines.push(
        ...table(
          rows.map((k) => [k, short(h[k]), describe(catalogueEntry(catalogue, k))]),
          c,
        ),
      );
  } else lines.push(`  ${c.bad('(not decodable)')}`);
  lines.push('');
  if (d.format === 'jwe') {
    lines.push(
      c.payload(c.bold('Payload')),
      `  ${c.dim('(encrypted: decrypting a JWE needs its key; only the header is readable)')}`,
      '',
    );
    return lines.join('\n');
  }
  lines.push(c.payload(c.bold('Payload')));
  const p = d.payload;
  if (p?.json !== undefined) {
    lines.push(
      ...JSON.stringify(p.json, null, 2)
        .split('\n')
        .map((l) => `  ${c.payload(l)}`),
    );
    const claims = p.json;
    const now = o.now.getTime() / 1000;
    const rows: [string, string, string][] = Object.keys(claims).map((k) => {
      const v = claims[k];
      const value =
        TIME_CLAIMS.includes(k) && typeof v === 'number' && Number.isFinite(v)
          ? `${formatDate(v, o.now, o.date, o.timeZone)}${timeBadge(k, v, now, c)}`
          : short(v);
      return [k, value, describe(catalogueEntry(CLAIMS, k))];
    });
    if (rows.length > 0) lines.push('', c.bold('Claims'), ...table(rows, c));
  } else if (p?.text !== undefined) {
    lines.push(`  ${c.payload(short(p.text))}`, `  ${c.dim('(not a JSON object)')}`);
  } else lines.push(`  ${c.dim(p === undefined ? '(missing)' : '(not decodable)')}`);
  lines.push('');
  return lines.join('\n');
}
