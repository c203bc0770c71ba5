import {
  auditDecoded,
  catalogueEntry,
  CLAIMS,
  decodeToken as inspectToken,
  FORMAT_LABELS,
  headerCatalogue,
  readableDate,
  TIME_CLAIMS,
  type CatalogueEntry,
  type DecodedToken,
  type ReadableDate,
  type TokenFormat,
  type TokenPart,
} from '@tessera/inspect';

export type { TokenFormat, TokenPart, ReadableDate };

/** One row of the page's claims (or header) table. */
export interface ClaimRow {
  readonly claim: string;
  /** The value as JSON text. */
  readonly value: string;
  readonly description?: string;
  readonly spec?: string;
  readonly link?: string;
  readonly date?: ReadableDate;
  readonly badge?: 'expired' | 'not-yet-valid' | 'issued-in-future' | 'valid';
}

export interface DecodeWarning {
  readonly code: string;
  readonly message: string;
}

/** What the Decode pane shows: @tessera/inspect's decoding, shaped for the page. */
export interface DecodeResult {
  /** The cleaned token (what was decoded). */
  readonly token: string;
  /** What paste cleaning removed. */
  readonly removed: readonly string[];
  readonly format: TokenFormat;
  /** The words for the format badge, the same as the CLI's (`not a JWT` for garbage). */
  readonly formatLabel: string;
  readonly parts: readonly TokenPart[];
  readonly header?: Record<string, unknown>;
  readonly headerError?: string;
  readonly payload?: Record<string, unknown>;
  /** The payload as text when it is not a JSON object (e.g. a non-JWT JWS). */
  readonly payloadText?: string;
  readonly payloadError?: string;
  readonly headerRows: readonly ClaimRow[];
  readonly claims: readonly ClaimRow[];
  /** The audit findings (as `tessera decode` prints them): code = the finding id. */
  readonly warnings: readonly DecodeWarning[];
  /** Always false: decoding never verifies. */
  readonly verified: false;
}

function rowFor(name: string, value: unknown, entry: CatalogueEntry | undefined): ClaimRow {
  return {
    claim: name,
    value: JSON.stringify(value) ?? String(value),
    ...(entry !== undefined
      ? { description: entry.description, spec: entry.spec, link: entry.link }
      : {}),
  };
}

function badgeOf(name: string, unix: number, now: number): ClaimRow['badge'] {
  if (name === 'exp') return unix <= now ? 'expired' : 'valid';
  if (name === 'nbf') return unix > now ? 'not-yet-valid' : 'valid';
  if (name === 'iat' && unix > now) return 'issued-in-future';
  return undefined;
}

function claimRows(payload: Record<string, unknown>, now: Date): ClaimRow[] {
  return Object.entries(payload).map(([name, value]) => {
    const base = rowFor(name, value, catalogueEntry(CLAIMS, name));
    const date = TIME_CLAIMS.includes(name) ? readableDate(value, now) : undefined;
    if (date === undefined) return base;
    const badge = badgeOf(name, date.unix, now.getTime() / 1000);
    return { ...base, date, ...(badge !== undefined ? { badge } : {}) };
  });
}

/** Shape a decoded token for the page. */
export function decodeResult(d: DecodedToken, now: Date): DecodeResult {
  const catalogue = headerCatalogue(d.format);
  const header = d.header?.json;
  const payload = d.payload?.json;
  // Garbage gets the reason it is not a token; a token gets the audit, as `tessera decode` shows.
  const warnings =
    d.format === 'invalid'
      ? [...d.problems]
      : auditDecoded(d, { now, skipBuiltinSecrets: true }).map((f) => ({
          code: f.id,
          message: f.message,
        }));
  return {
    token: d.token,
    removed: d.removed,
    format: d.format,
    formatLabel: FORMAT_LABELS[d.format],
    parts: d.parts,
    ...(header !== undefined ? { header } : {}),
    ...(header === undefined && d.format !== 'invalid'
      ? { headerError: d.header?.error ?? 'the header could not be decoded' }
      : {}),
    ...(d.format === 'invalid' ? { headerError: d.problems[0]?.message ?? 'not a JWT' } : {}),
    ...(payload !== undefined ? { payload } : {}),
    ...(payload === undefined && d.payload?.text !== undefined
      ? { payloadText: d.payload.text }
      : {}),
    ...(payload === undefined && d.payload?.error !== undefined
      ? { payloadError: d.payload.error }
      : {}),
    headerRows:
      header === undefined
        ? []
        : Object.entries(header).map(([k, v]) => rowFor(k, v, catalogueEntry(catalogue, k))),
    claims: payload === undefined ? [] : claimRows(payload, now),
    warnings,
    verified: false,
  };
}

/**
 * Decode a pasted token WITHOUT verifying it, for the Decode pane: @tessera/inspect's paste
 * cleaning and lenient decoding (the same as `tessera decode`), the claims table with readable
 * dates and badges, and the audit findings as warnings. JWE tokens are decoded up to their
 * protected header.
 *
 * @example
 * const r = decodeToken('Bearer eyJhbGciOi…');
 * r.format; r.claims.find((c) => c.claim === 'exp')?.badge; // 'expired' | 'valid'
 */
export function decodeToken(raw: string, nowSeconds = Date.now() / 1000): DecodeResult {
  return decodeResult(
    inspectToken(typeof raw === 'string' ? raw : ''),
    new Date(nowSeconds * 1000),
  );
}
