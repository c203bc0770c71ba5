import { InspectError } from './errors.js';

/** Longest token (after cleaning) that is inspected; longer input is refused before parsing. */
export const MAX_TOKEN_CHARS = 65536;

/** A pasted text reduced to the bare token, with what was removed (nothing happens silently). */
export interface CleanedToken {
  readonly token: string;
  /** Human names of what was stripped, e.g. `"Bearer prefix"`, `"quotes"`, `"whitespace"`. */
  readonly removed: readonly string[];
}

/**
 * The one rule set of paste cleaning, in the order it is tried. A new rule is a row here.
 * Field names cover what people copy out of HTTP exchanges, cookies and config files.
 */
const PREFIXES: readonly (readonly [RegExp, string])[] = [
  [/^authorization\s*:\s*/i, '"Authorization:" header name'],
  [/^bearer\s+/i, 'Bearer prefix'],
  [/^(?:access_token|id_token|refresh_token|token|jwt|value)\s*[:=]\s*/i, 'field name'],
];
const QUOTES = /^(["'`])([\s\S]*)\1$/;
/** JSON members that hold the token in a token response or a wrapper object. */
const JSON_MEMBERS = ['access_token', 'id_token', 'token', 'jwt', 'value'] as const;

function tokenFromJson(t: string): string | undefined {
  if (!t.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const o = v as Record<string, unknown>;
    for (const k of JSON_MEMBERS) if (Object.hasOwn(o, k) && typeof o[k] === 'string') return o[k];
  } catch {
    // Not JSON: treated as a token, which then fails to decode with a clear message.
  }
  return undefined;
}

/**
 * Turn what a person pasted into a bare token: strips `Authorization:`, `Bearer `, field names
 * (`access_token=`, `jwt:`, `value=` …), surrounding quotes or backticks, a trailing `,`/`;`, a
 * JSON object holding `access_token`/`id_token`/`token`/`jwt`/`value`, a byte-order mark and every
 * whitespace character (tokens wrapped over lines).
 *
 * Throws {@link InspectError}: `ERR_INPUT_BINARY` (control characters, invalid UTF-8),
 * `ERR_INPUT_TOO_LARGE` (over {@link MAX_TOKEN_CHARS}), `ERR_INPUT_EMPTY`. Messages never echo
 * the input.
 *
 * @example
 * cleanToken('Authorization: Bearer "eyJ…"').token // 'eyJ…'
 */
export function cleanToken(raw: string | Uint8Array): CleanedToken {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new InspectError('ERR_INPUT_BINARY', 'the input is binary, not a token');
    }
  }
  // The cap is checked before any cleaning or parsing (docs/security.md#token-size).
  if (text.length > MAX_TOKEN_CHARS * 2)
    throw new InspectError(
      'ERR_INPUT_TOO_LARGE',
      `the input is too large (limit ${MAX_TOKEN_CHARS} characters)`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1f\x7f]/.test(text))
    throw new InspectError('ERR_INPUT_BINARY', 'the input is binary, not a token');
  const removed: string[] = [];
  const note = (what: string) => {
    if (!removed.includes(what)) removed.push(what);
  };
  let t = text.replace(/^\uFEFF/, '').trim();
  const fromJson = tokenFromJson(t);
  if (fromJson !== undefined) {
    t = fromJson.trim();
    note('JSON wrapper');
  }
  for (let changed = true; changed;) {
    changed = false;
    const q = QUOTES.exec(t);
    if (q !== null) {
      t = q[2]!.trim();
      note('quotes');
      changed = true;
    }
    for (const [re, what] of PREFIXES) {
      if (re.test(t)) {
        t = t.replace(re, '').trim();
        note(what);
        changed = true;
      }
    }
    if (t.endsWith(',') || t.endsWith(';')) {
      t = t.slice(0, -1).trim();
      note('trailing separator');
      changed = true;
    }
  }
  if (/\s/.test(t)) {
    t = t.replace(/\s+/g, '');
    note('whitespace');
  }
  if (t.length === 0) throw new InspectError('ERR_INPUT_EMPTY', 'no token given (empty input)');
  if (t.length > MAX_TOKEN_CHARS)
    throw new InspectError(
      'ERR_INPUT_TOO_LARGE',
      `the token is too large (limit ${MAX_TOKEN_CHARS} characters)`,
    );
  return { token: t, removed };
}
