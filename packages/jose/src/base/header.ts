import { JoseError } from './errors.js';
import { printable } from './algorithms.js';
import type { JsonObject } from './json.js';

/** A JOSE header as parsed from the wire. */
export interface JoseHeader {
  alg?: string;
  kid?: string;
  typ?: string;
  cty?: string;
  crit?: string[];
  b64?: boolean;
  jku?: string;
  jwk?: unknown;
  x5u?: string;
  x5c?: string[];
  [parameter: string]: unknown;
}

/** Longest `kid` accepted (docs/security.md#kid: a bounded opaque string). */
export const MAX_KID_LENGTH = 256;

// RFC 7515 §4.1, RFC 7516 §4.1, RFC 7518 §4.6-4.8: registered names may not be listed in crit.
const REGISTERED = new Set([
  'alg',
  'jku',
  'jwk',
  'kid',
  'x5u',
  'x5c',
  'x5t',
  'x5t#S256',
  'typ',
  'cty',
  'crit',
  'enc',
  'zip',
  'epk',
  'apu',
  'apv',
  'iv',
  'tag',
  'p2s',
  'p2c',
]);

/**
 * RFC 7515 §4.1.11 `crit` processing (docs/security.md#crit): `crit` only in the protected header,
 * a non-empty array of distinct strings, never a registered name, each one understood by the
 * caller (`understood`) and present in the protected header.
 */
export function checkCrit(
  protectedHeader: JsonObject | undefined,
  unprotectedHeader: JsonObject | undefined,
  understood: ReadonlySet<string>,
): void {
  if (unprotectedHeader !== undefined && unprotectedHeader['crit'] !== undefined) {
    throw new JoseError('ERR_CRIT_UNSUPPORTED', '"crit" must be in the protected header');
  }
  const crit = protectedHeader?.['crit'];
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0) {
    throw new JoseError('ERR_CRIT_UNSUPPORTED', '"crit" must be a non-empty array');
  }
  const seen = new Set<string>();
  for (const name of crit) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new JoseError('ERR_CRIT_UNSUPPORTED', '"crit" must list header parameter names');
    }
    if (seen.has(name)) throw new JoseError('ERR_CRIT_UNSUPPORTED', '"crit" lists a name twice');
    seen.add(name);
    if (REGISTERED.has(name)) {
      throw new JoseError(
        'ERR_CRIT_UNSUPPORTED',
        `"crit" may not list the registered parameter "${name}"`,
      );
    }
    if (!understood.has(name)) {
      throw new JoseError(
        'ERR_CRIT_UNSUPPORTED',
        `critical extension "${printable(name.slice(0, 64))}" is not supported`,
      );
    }
    if (!Object.hasOwn(protectedHeader!, name) || protectedHeader![name] === undefined) {
      throw new JoseError(
        'ERR_CRIT_UNSUPPORTED',
        `critical extension "${printable(name.slice(0, 64))}" is absent`,
      );
    }
  }
}

/**
 * Protected and unprotected header parameter names must be disjoint (RFC 7515 §7.2.1;
 * docs/security.md#protected-alg).
 */
export function checkDisjoint(...headers: (JsonObject | undefined)[]): void {
  const seen = new Set<string>();
  for (const h of headers) {
    if (h === undefined) continue;
    for (const k of Object.keys(h)) {
      if (seen.has(k)) {
        throw new JoseError(
          'ERR_HEADER_INVALID',
          'protected and unprotected headers share a parameter name',
        );
      }
      seen.add(k);
    }
  }
}

/**
 * Type checks of the parameters Tessera reads. `kid` is an opaque bounded string (docs/security.md#kid); `jku`,
 * `x5u`, `jwk` and `x5c` are never used to find or trust a key (docs/security.md#embedded-keys, #key-urls) so only their presence
 * is reported upward by callers that lint.
 */
export function checkHeaderTypes(h: JsonObject): void {
  const kid = h['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH)) {
    throw new JoseError(
      'ERR_HEADER_INVALID',
      `"kid" must be a string of at most ${MAX_KID_LENGTH} characters`,
    );
  }
  for (const name of ['typ', 'cty'] as const) {
    if (h[name] !== undefined && typeof h[name] !== 'string') {
      throw new JoseError('ERR_HEADER_INVALID', `"${name}" must be a string`);
    }
  }
  if (h['b64'] !== undefined && typeof h['b64'] !== 'boolean') {
    throw new JoseError('ERR_HEADER_INVALID', '"b64" must be a boolean');
  }
}

/** The `b64` value of a JWS (RFC 7797 §3, §6: when present, `crit` must list it). */
export function b64Of(protectedHeader: JsonObject | undefined): boolean {
  const b64 = protectedHeader?.['b64'];
  if (b64 === undefined) return true;
  const crit = protectedHeader!['crit'];
  if (!Array.isArray(crit) || !crit.includes('b64')) {
    throw new JoseError('ERR_HEADER_INVALID', '"b64" requires "crit" to list "b64" (RFC 7797 §6)');
  }
  return b64 === true;
}

/**
 * `typ` comparison per RFC 8725 §3.11 and RFC 9068 §2.1: case-insensitive, with an optional
 * `application/` prefix (so `at+jwt` equals `application/AT+JWT`).
 */
export function normalizeTyp(typ: string): string {
  const t = typ.toLowerCase();
  return t.startsWith('application/') ? t.slice(12) : t;
}
