import { inputError } from './exit-codes.js';

/** Longest token (after cleaning) the CLI accepts; longer input is refused before parsing. */
export const MAX_TOKEN_CHARS = 65536;

const PREFIXES = [
  /^authorization\s*:\s*/i,
  /^bearer\s+/i,
  /^(?:access_token|id_token|refresh_token|token|jwt)\s*[:=]\s*/i,
];
const QUOTES = /^(["'`])([\s\S]*)\1$/;

/**
 * Turn what a person pasted into a bare token: strips `Authorization:`, `Bearer `,
 * `access_token: `/`=`, surrounding quotes, a JSON object holding `access_token`/`id_token`/
 * `token`, and all whitespace (tokens wrapped over lines). Refuses binary input and input over
 * {@link MAX_TOKEN_CHARS} with an input error (exit 3). The messages never echo the input.
 */
export function cleanTokenInput(raw: string | Uint8Array): string {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw inputError('the input is binary, not a token');
    }
  }
  if (text.length > MAX_TOKEN_CHARS * 4)
    throw inputError(`the input is too large (limit ${MAX_TOKEN_CHARS} characters)`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1f\x7f]/.test(text)) throw inputError('the input is binary, not a token');
  let t = text.replace(/^\uFEFF/, '').trim();
  const fromJson = tokenFromJson(t);
  if (fromJson !== undefined) t = fromJson;
  for (let changed = true; changed;) {
    changed = false;
    const q = QUOTES.exec(t);
    if (q !== null) {
      t = q[2]!.trim();
      changed = true;
    }
    for (const p of PREFIXES) {
      if (p.test(t)) {
        t = t.replace(p, '').trim();
        changed = true;
      }
    }
    if (t.endsWith(',') || t.endsWith(';')) {
      t = t.slice(0, -1).trim();
      changed = true;
    }
  }
  t = t.replace(/\s+/g, '');
  if (t.length === 0) throw inputError('no token given (empty input)');
  if (t.length > MAX_TOKEN_CHARS)
    throw inputError(`the token is too large (limit ${MAX_TOKEN_CHARS} characters)`);
  return t;
}

function tokenFromJson(t: string): string | undefined {
  if (!t.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    for (const k of ['access_token', 'id_token', 'token', 'jwt'])
      if (typeof o[k] === 'string') return o[k] as string;
  } catch {
    // Not JSON: treat as a token (it will fail to decode with a clear message).
  }
  return undefined;
}
