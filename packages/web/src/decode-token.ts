import { Buffer } from 'node:buffer';
import { decodeJwt, isJoseError, isStrictBase64url } from '@tessera/jose';
import { CLAIMS, HEADER_PARAMETERS, TIME_CLAIMS } from './claim-catalog.js';
import { cleanTokenInput } from './token-input.js';
import { readableDate, type ReadableDate } from './readable-date.js';

/** What kind of token the text is, as far as it can be decoded. */
export type TokenFormat = 'jws' | 'jwe' | 'unsecured' | 'partial' | 'invalid';

export type PartKind =
  'header' | 'payload' | 'signature' | 'encrypted_key' | 'iv' | 'ciphertext' | 'tag';

export interface TokenPart {
  readonly kind: PartKind;
  readonly text: string;
}

export interface ClaimRow {
  readonly claim: string;
  /** The value as JSON text. */
  readonly value: string;
  readonly description?: string;
  readonly spec?: string;
  readonly link?: string;
  readonly date?: ReadableDate;
  /** `expired`, `not-yet-valid`, `issued-in-future`, `valid`. */
  readonly badge?: 'expired' | 'not-yet-valid' | 'issued-in-future' | 'valid';
}

export interface DecodeWarning {
  readonly code: string;
  readonly message: string;
}

export interface DecodeResult {
  /** The cleaned token (what was decoded). */
  readonly token: string;
  /** What paste cleaning removed. */
  readonly removed: readonly string[];
  readonly format: TokenFormat;
  readonly parts: readonly TokenPart[];
  readonly header?: Record<string, unknown>;
  readonly headerError?: string;
  readonly payload?: Record<string, unknown>;
  /** The payload as text when it is not a JSON object (e.g. a non-JWT JWS). */
  readonly payloadText?: string;
  readonly payloadError?: string;
  readonly headerRows: readonly ClaimRow[];
  readonly claims: readonly ClaimRow[];
  readonly warnings: readonly DecodeWarning[];
  /** Always false: decoding never verifies. */
  readonly verified: false;
}

/** Longest input the decoder looks at (the JOSE core's default token cap, with room for noise). */
export const MAX_DECODE_INPUT = 65536;

interface SegmentResult {
  object?: Record<string, unknown>;
  text?: string;
  error?: string;
}

// Strict first, through the core (strict base64url, strict JSON, duplicate members), then as far
// as a lenient reading gets, with a warning for each leniency (docs/security.md#page-partial).
function decodeSegment(
  segment: string,
  what: 'header' | 'payload',
  warnings: DecodeWarning[],
): SegmentResult {
  try {
    return {
      object: decodeJwt(`.${segment}.`, { maxTokenLength: MAX_DECODE_INPUT }) as Record<
        string,
        unknown
      >,
    };
  } catch (e) {
    const code = isJoseError(e) ? e.code : 'ERR_JSON_INVALID';
    let bytes: Buffer;
    if (!isStrictBase64url(segment)) {
      const lenient = segment.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      if (!/^[A-Za-z0-9_-]*$/.test(lenient) || lenient.length % 4 === 1) {
        return { error: `the ${what} is not base64url` };
      }
      warnings.push({
        code: 'NON_CANONICAL_BASE64URL',
        message: `the ${what} is not canonical base64url (padding, +, / or trailing bits); strict verifiers reject it`,
      });
      bytes = Buffer.from(lenient, 'base64url');
    } else {
      bytes = Buffer.from(segment, 'base64url');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { error: `the ${what} is not UTF-8` };
    }
    if (code === 'ERR_JSON_DUPLICATE_MEMBER') {
      warnings.push({
        code: 'DUPLICATE_MEMBER',
        message: `the ${what} has the same member name twice; parsers disagree on which wins`,
      });
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return { object: parsed as Record<string, unknown> };
      }
      return { text, error: `the ${what} is JSON but not an object` };
    } catch {
      return { text, error: `the ${what} is not JSON` };
    }
  }
}

function rowFor(name: string, value: unknown, catalog: typeof CLAIMS): ClaimRow {
  const info = catalog[name];
  return {
    claim: name,
    value: JSON.stringify(value) ?? String(value),
    ...(info !== undefined
      ? { description: info.description, spec: info.spec, link: info.link }
      : {}),
  };
}

function claimRows(
  payload: Record<string, unknown>,
  nowSeconds: number,
  warnings: DecodeWarning[],
): ClaimRow[] {
  const rows: ClaimRow[] = [];
  for (const [name, value] of Object.entries(payload)) {
    const base = rowFor(name, value, CLAIMS);
    if (!(TIME_CLAIMS as readonly string[]).includes(name)) {
      rows.push(base);
      continue;
    }
    const date = readableDate(value, nowSeconds);
    if (date === undefined) {
      warnings.push({
        code: 'TIME_CLAIM_NOT_NUMBER',
        message: `"${name}" is not a number of seconds; verifiers reject it`,
      });
      rows.push(base);
      continue;
    }
    if (date.milliseconds) {
      warnings.push({
        code: 'MILLISECONDS',
        message: `"${name}" looks like milliseconds; NumericDate is seconds (RFC 7519 §2)`,
      });
    }
    let badge: ClaimRow['badge'];
    if (name === 'exp') badge = date.unix <= nowSeconds ? 'expired' : 'valid';
    else if (name === 'nbf') badge = date.unix > nowSeconds ? 'not-yet-valid' : 'valid';
    else if (name === 'iat' && date.unix > nowSeconds) badge = 'issued-in-future';
    rows.push({ ...base, date, ...(badge !== undefined ? { badge } : {}) });
  }
  return rows;
}

function headerWarnings(header: Record<string, unknown>, warnings: DecodeWarning[]): void {
  const alg = header['alg'];
  if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
    warnings.push({
      code: 'ALG_NONE',
      message: 'alg "none": the token is unsecured and must never be accepted as signed',
    });
  }
  for (const p of ['jku', 'x5u', 'jwk', 'x5c']) {
    if (header[p] !== undefined) {
      warnings.push({
        code: 'KEY_IN_HEADER',
        message: `header "${p}" present: a verifier that trusts it lets the sender choose the key`,
      });
    }
  }
  if (header['crit'] !== undefined) {
    warnings.push({
      code: 'CRIT_PRESENT',
      message: 'header "crit" present: verifiers must understand every listed extension',
    });
  }
  const typ = header['typ'];
  if (typeof typ === 'string' && /^(application\/)?at\+jwt$/i.test(typ)) {
    warnings.push({
      code: 'TYP_HINT',
      message:
        'typ "at+jwt": an OAuth 2.0 access token (RFC 9068); verify it with typ, iss and aud checks',
    });
  }
}

/**
 * Decode a pasted token WITHOUT verifying it: paste cleaning, the coloured parts, header and
 * payload (strict first, then as far as possible), a claims table with readable dates and
 * badges, and warnings. JWE tokens are decoded up to their protected header.
 *
 * @example
 * const r = decodeToken('Bearer eyJhbGciOi…');
 * r.format; r.claims.find((c) => c.claim === 'exp')?.badge; // 'expired' | 'valid'
 */
export function decodeToken(raw: string, nowSeconds = Date.now() / 1000): DecodeResult {
  const tooLong = typeof raw !== 'string' || raw.length > MAX_DECODE_INPUT * 2;
  // The cap is checked before any cleaning or parsing (docs/security.md#token-size).
  const { token, removed } = tooLong ? { token: '', removed: [] } : cleanTokenInput(raw);
  const warnings: DecodeWarning[] = [];
  const empty = { token, removed, headerRows: [], claims: [], warnings, verified: false as const };
  if (tooLong || token.length === 0 || token.length > MAX_DECODE_INPUT) {
    if (tooLong || token.length > MAX_DECODE_INPUT)
      warnings.push({
        code: 'TOO_LARGE',
        message: `the input is longer than ${MAX_DECODE_INPUT} characters`,
      });
    return { ...empty, format: 'invalid', parts: [] };
  }
  const segments = token.split('.');
  const kinds: PartKind[] =
    segments.length === 5
      ? ['header', 'encrypted_key', 'iv', 'ciphertext', 'tag']
      : ['header', 'payload', 'signature'];
  if (segments.length > 5 || segments.length === 4) {
    return {
      ...empty,
      format: 'invalid',
      parts: [{ kind: 'header', text: token }],
      headerError: `a compact token has 3 (JWS) or 5 (JWE) segments, not ${segments.length}`,
    };
  }
  const parts = segments.map((text, i) => ({ kind: kinds[i]!, text }));
  const h = decodeSegment(segments[0]!, 'header', warnings);
  const result: {
    -readonly [K in keyof DecodeResult]: DecodeResult[K];
  } = { ...empty, format: 'partial', parts };
  if (h.object !== undefined) {
    result.header = h.object;
    result.headerRows = Object.entries(h.object).map(([k, v]) => rowFor(k, v, HEADER_PARAMETERS));
    headerWarnings(h.object, warnings);
  } else {
    result.headerError = h.error ?? 'the header could not be decoded';
  }
  if (segments.length === 5) {
    result.format = h.object !== undefined ? 'jwe' : 'invalid';
    if (h.object !== undefined)
      warnings.push({
        code: 'JWE',
        message: 'an encrypted token (JWE): only its protected header can be read without the key',
      });
    return result;
  }
  if (segments.length >= 2) {
    const p = decodeSegment(segments[1]!, 'payload', warnings);
    if (p.object !== undefined) {
      result.payload = p.object;
      result.claims = claimRows(p.object, nowSeconds, warnings);
      if (p.object['exp'] === undefined)
        warnings.push({ code: 'NO_EXP', message: 'no "exp" claim: the token never expires' });
    } else {
      if (p.text !== undefined) result.payloadText = p.text;
      result.payloadError = p.error ?? 'the payload could not be decoded';
    }
  }
  if (
    segments.length === 3 &&
    h.object !== undefined &&
    (result.payload !== undefined || result.payloadText !== undefined)
  ) {
    const alg = h.object['alg'];
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') result.format = 'unsecured';
    else if (segments[2]!.length > 0 && isStrictBase64url(segments[2]!)) result.format = 'jws';
    else
      warnings.push({
        code: 'SIGNATURE_MISSING',
        message:
          segments[2]!.length === 0
            ? 'the signature segment is empty'
            : 'the signature is not base64url',
      });
  }
  return result;
}
