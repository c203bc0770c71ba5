/**
 * Classification of one exchange: which credentials it carried, which tokens it presented and
 * which tokens its response issued. Works on the raw exchange (secrets in memory only).
 */
import type { BodySummary, CookieFlags, Credential } from './model.js';
import { PASSWORD_FIELD, isJwtShaped } from './redact.js';
import { headerValue, headerValues } from './raw-exchange.js';
import type { RawExchange } from './raw-exchange.js';

export interface FoundToken {
  value: string;
  location: 'authorization' | 'cookie' | 'query' | 'form';
  name?: string;
}

export interface IssuedToken {
  value: string;
  location: 'json' | 'set-cookie';
  name: string;
  cookie?: CookieFlags;
}

export interface Classification {
  credentials: Credential[];
  /** JWT-shaped tokens presented (header, cookie, query). */
  tokensPresented: FoundToken[];
  /** A non-JWT `Authorization: Bearer` value: an issued opaque token or an API key. */
  opaqueBearer?: string;
  tokensIssued: IssuedToken[];
  requestBody?: BodySummary;
  responseBody?: BodySummary;
}

/** JSON members of a response that carry issued tokens (RFC 6749 §5.1, OIDC Core §3.1.3.3). */
const ISSUED_FIELDS = /^(access_token|id_token|refresh_token|token)$/;
const GRANTS_WITH_CREDENTIALS = /^(password|client_credentials)$/;
/**
 * Form fields that present a token to the server: RFC 6750 §2.2 `access_token`, RFC 7009 / RFC
 * 7662 `token`, OIDC RP-Initiated Logout `id_token_hint`, Back-Channel Logout `logout_token`.
 * (A `client_assertion` authenticates the client; it is not a token the trace follows.)
 */
const PRESENTED_FORM_FIELDS = /^(access_token|token|id_token_hint|logout_token)$/;

type Fields = [name: string, value: unknown][];

function parseBody(
  body: string | undefined,
  contentType: string | undefined,
): { summary?: BodySummary; fields: Fields } {
  if (body === undefined || body === '') return { fields: [] };
  const bytes = Buffer.byteLength(body, 'utf8');
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('application/x-www-form-urlencoded')) {
    const fields: Fields = [...new URLSearchParams(body)];
    return { summary: { type: 'form', fields: fields.map(([k]) => safeName(k)), bytes }, fields };
  }
  if (ct.includes('json') || (ct === '' && /^\s*[{[]/.test(body))) {
    try {
      const parsed: unknown = JSON.parse(body);
      const fields: Fields = [];
      walkJson(parsed, '', fields, 0);
      return {
        summary: {
          type: 'json',
          fields: fields.map(([k]) => k.split('.').map(safeName).join('.')),
          bytes,
        },
        fields,
      };
    } catch {
      return { summary: { type: 'text', fields: [], bytes }, fields: [] };
    }
  }
  if (ct.startsWith('text/') || ct.includes('xml') || ct.includes('javascript')) {
    return { summary: { type: 'text', fields: [], bytes }, fields: [] };
  }
  return { summary: { type: 'binary', fields: [], bytes }, fields: [] };
}

function walkJson(v: unknown, prefix: string, out: Fields, depth: number): void {
  if (depth > 8 || out.length > 200) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    if (prefix !== '') out.push([prefix, v]);
    return;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    walkJson(x, prefix === '' ? k : `${prefix}.${k}`, out, depth + 1);
  }
}

const lastSegment = (dotted: string): string => dotted.slice(dotted.lastIndexOf('.') + 1);

// Field names are kept, values never; a "name" that does not look like one (a JSON document
// sent as a form, a token used as a key) could itself be a secret, so it is masked.
const FIELD_NAME = /^[A-Za-z0-9_$@:[\].-]{1,64}$/;
const safeName = (name: string): string => (FIELD_NAME.test(name) ? name : '•••');

/** Parse `Set-Cookie` into name, value and the flags a trace reports (RFC 6265 §4.1). */
export function parseSetCookie(header: string): {
  name: string;
  value: string;
  flags: CookieFlags;
} {
  const [first = '', ...attrs] = header.split(';');
  const eq = first.indexOf('=');
  const name = (eq < 0 ? first : first.slice(0, eq)).trim();
  const value = (eq < 0 ? '' : first.slice(eq + 1)).trim().replace(/^"(.*)"$/, '$1');
  const flags: CookieFlags = { httpOnly: false, secure: false };
  for (const a of attrs) {
    const [k = '', ...rest] = a.split('=');
    const key = k.trim().toLowerCase();
    const val = rest.join('=').trim();
    if (key === 'httponly') flags.httpOnly = true;
    else if (key === 'secure') flags.secure = true;
    else if (key === 'samesite') flags.sameSite = val;
    else if (key === 'path') flags.path = val;
    else if (key === 'max-age' && /^-?\d+$/.test(val)) flags.maxAge = Number(val);
  }
  return { name, value, flags };
}

/**
 * Classify one raw exchange.
 *
 * - credentials: `Authorization: Basic`; form, JSON or query fields named like
 *   `password|passwd|pwd|secret|client_secret|otp|pin`; `grant_type=password|client_credentials`;
 * - tokens presented: `Authorization: Bearer <JWT>`, a cookie whose value is a JWT, a JWT in the
 *   query, a JWT in a form field that presents a token (`id_token_hint`, `token`, …);
 * - tokens issued: JSON members `access_token|id_token|refresh_token|token` (JWT or opaque),
 *   `Set-Cookie` with a JWT value (with its flags).
 *
 * @example
 * const c = classifyExchange(raw);
 * c.credentials // → [{ kind: 'password-field', location: 'form', name: 'password' }]
 */
export function classifyExchange(raw: RawExchange): Classification {
  const credentials: Credential[] = [];
  const tokensPresented: FoundToken[] = [];
  const tokensIssued: IssuedToken[] = [];
  let opaqueBearer: string | undefined;

  const auth = headerValue(raw.requestHeaders, 'authorization');
  if (auth !== undefined) {
    const m = /^(\S+)\s+(\S.*)$/.exec(auth.trim());
    const scheme = m?.[1]?.toLowerCase();
    const value = m?.[2]?.trim() ?? '';
    if (scheme === 'basic') credentials.push({ kind: 'basic', location: 'authorization' });
    else if (scheme === 'bearer' && isJwtShaped(value))
      tokensPresented.push({ value, location: 'authorization' });
    else if (scheme === 'bearer' && value !== '') opaqueBearer = value;
  }

  for (const cookieHeader of headerValues(raw.requestHeaders, 'cookie')) {
    for (const part of cookieHeader.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      if (isJwtShaped(value))
        tokensPresented.push({ value, location: 'cookie', name: safeName(name) });
    }
  }

  const fieldCredentials = (fields: Fields, location: 'form' | 'json' | 'query'): void => {
    for (const [name, value] of fields) {
      const leaf = lastSegment(name);
      if (PASSWORD_FIELD.test(leaf) && value !== '' && value !== null && value !== undefined) {
        credentials.push({
          kind: 'password-field',
          location,
          name: name.split('.').map(safeName).join('.'),
        });
      } else if (
        leaf === 'grant_type' &&
        typeof value === 'string' &&
        GRANTS_WITH_CREDENTIALS.test(value)
      ) {
        credentials.push({ kind: 'grant', location, name: value });
      }
    }
  };

  let url: URL | undefined;
  try {
    url = new URL(raw.url);
  } catch {
    url = undefined;
  }
  if (url) {
    const q: [string, string][] = [...url.searchParams];
    fieldCredentials(q, 'query');
    for (const [name, value] of q) {
      if (isJwtShaped(value))
        tokensPresented.push({ value, location: 'query', name: safeName(name) });
    }
  }

  const req = parseBody(raw.requestBody, headerValue(raw.requestHeaders, 'content-type'));
  if (req.summary?.type === 'form' || req.summary?.type === 'json')
    fieldCredentials(req.fields, req.summary.type);
  if (req.summary?.type === 'form')
    for (const [name, value] of req.fields)
      if (PRESENTED_FORM_FIELDS.test(name) && typeof value === 'string' && isJwtShaped(value))
        tokensPresented.push({ value, location: 'form', name: safeName(name) });

  const res = parseBody(raw.responseBody, headerValue(raw.responseHeaders, 'content-type'));
  if (res.summary?.type === 'json') {
    for (const [name, value] of res.fields) {
      if (!ISSUED_FIELDS.test(lastSegment(name)) || typeof value !== 'string') continue;
      if (isJwtShaped(value) || value.length >= 16)
        tokensIssued.push({ value, location: 'json', name });
    }
  }
  for (const sc of headerValues(raw.responseHeaders, 'set-cookie')) {
    const c = parseSetCookie(sc);
    if (isJwtShaped(c.value))
      tokensIssued.push({ value: c.value, location: 'set-cookie', name: c.name, cookie: c.flags });
  }

  const out: Classification = { credentials, tokensPresented, tokensIssued };
  if (opaqueBearer !== undefined) out.opaqueBearer = opaqueBearer;
  if (req.summary) out.requestBody = req.summary;
  if (res.summary) out.responseBody = res.summary;
  return out;
}
