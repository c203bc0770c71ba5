/**
 * Spotting data that must not travel in a JWT: a JWT payload is only base64url, readable by
 * anyone who holds the token (RFC 8725 §3.6 — "don't put passwords in a JWT").
 */

/**
 * Claim names by what they hold. Each category has its own wording: an `ssn` is personal data,
 * not a password (RFC 8725 §3.6 covers both: the payload is readable by whoever holds the token).
 */
const NAME_CATEGORIES: readonly { kind: SensitiveHit['kind']; re: RegExp }[] = [
  {
    kind: 'secret-name',
    re: /^(pass(word|wd|phrase)?|pwd|pw|secret|client_secret|api[_-]?key|apikey|private[_-]?key|access[_-]?key|secret[_-]?key|credentials?|pin|otp)$/i,
  },
  {
    kind: 'payment-name',
    re: /^(cvv|cvc|security[_-]?code|card[_-]?(number|no)|credit[_-]?card|ccnum|iban)$/i,
  },
  {
    kind: 'identifier-name',
    re: /^(ssn|social[_-]?security([_-]?number)?|national[_-]?id|tax[_-]?id|passport([_-]?(number|no))?|nin|nino)$/i,
  },
];

/** National id patterns (format only): US SSN, UK NINO, FR NIR, ES DNI, IT codice fiscale. */
const NATIONAL_IDS: readonly { name: string; re: RegExp }[] = [
  { name: 'US social security number', re: /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/ },
  {
    name: 'UK national insurance number',
    re: /^(?![DFIQUV])[A-Z](?![DFIQUVO])[A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$/,
  },
  {
    name: 'French NIR',
    re: /^[12]\s?\d{2}\s?(0[1-9]|1[0-2])\s?(\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}$/,
  },
  { name: 'Spanish DNI', re: /^\d{8}-?[TRWAGMYFPDXBNJZSQVHLCKE]$/ },
  { name: 'Italian codice fiscale', re: /^[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]$/ },
];

/** Luhn checksum (ISO/IEC 7812-1 Annex B). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** A payment card number: 13-19 digits (spaces/dashes allowed), a known prefix, Luhn-valid. */
export function looksLikeCardNumber(v: string | number): boolean {
  const s = typeof v === 'number' ? (Number.isSafeInteger(v) ? String(v) : '') : v;
  if (!/^[\d -]{13,23}$/.test(s)) return false;
  const digits = s.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  // Visa 4, Mastercard 51-55/2221-2720, Amex 34/37, Discover 6011/65, JCB 35, Diners 36/38/30.
  if (!/^(4|5[1-5]|2[2-7]|3[0-9]|6)/.test(digits)) return false;
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhnValid(digits);
}

/** One sensitive value found: where it is, and what it looks like (never the value itself). */
export interface SensitiveHit {
  path: string;
  kind: 'secret-name' | 'payment-name' | 'identifier-name' | 'card-number' | 'national-id';
  what: string;
}

const MAX_NODES = 2000;

/** Walk a claims object (bounded) and report every sensitive-looking member. */
export function findSensitiveData(claims: Record<string, unknown>): SensitiveHit[] {
  const hits: SensitiveHit[] = [];
  const stack: [string, unknown][] = Object.keys(claims).map((k) => [k, claims[k]]);
  let seen = 0;
  while (stack.length > 0 && seen++ < MAX_NODES) {
    const [path, v] = stack.pop()!;
    const name = path.slice(path.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
    const named = NAME_CATEGORIES.find((c) => c.re.test(name));
    if (named !== undefined && v !== null && v !== '' && v !== false) {
      hits.push({ path, kind: named.kind, what: `a claim named "${name}"` });
      continue;
    }
    if (typeof v === 'string' || typeof v === 'number') {
      if (looksLikeCardNumber(v))
        hits.push({ path, kind: 'card-number', what: 'a payment card number (Luhn-valid)' });
      else if (typeof v === 'string') {
        const id = NATIONAL_IDS.find((n) => n.re.test(v.trim().toUpperCase()));
        if (id !== undefined)
          hits.push({ path, kind: 'national-id', what: `what looks like a ${id.name}` });
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push([`${path}[${i}]`, x]));
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v))
        stack.push([`${path}.${k}`, (v as Record<string, unknown>)[k]]);
    }
  }
  return hits.sort((a, b) => a.path.localeCompare(b.path));
}
