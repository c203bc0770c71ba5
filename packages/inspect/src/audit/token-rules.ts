import { verifyCompact, type JwsAlg } from '@tessera/jose';
import type { DecodedToken } from '../decode.js';
import { looksLikeMilliseconds, span } from '../dates.js';
import type { Rule } from './finding.js';
import { WEAK_SECRETS } from './weak-secrets.js';
import { findSensitiveData, type SensitiveHit } from './sensitive-data.js';

const SENSITIVE_WORDING: Readonly<Record<SensitiveHit['kind'], (what: string) => string>> = {
  'secret-name': () => "looks like a password or secret (don't put secrets in a JWT)",
  'payment-name': () => "looks like payment card data (don't put payment data in a JWT)",
  'identifier-name': () =>
    "looks like a national identifier such as a social security number (don't put personal data in a JWT)",
  'card-number': (what) => `holds ${what} (don't put payment data in a JWT)`,
  'national-id': (what) => `holds ${what} (don't put personal data in a JWT)`,
};

/** Rules on the encoding, the claims, the signature and the token as a whole. */

export const encoding: Rule = (t, _o, out) => {
  const parts: ['header' | 'payload', DecodedToken['header']][] = [
    ['header', t.header],
    ['payload', t.payload],
  ];
  for (const [part, seg] of parts) {
    if (seg === undefined || seg.bytes === undefined) continue;
    if (!seg.canonical) {
      const why = /=/.test(seg.raw)
        ? 'padding'
        : /[+/]/.test(seg.raw)
          ? 'base64 (not base64url) characters'
          : 'non-zero trailing bits';
      out.push({
        id: 'non-canonical-encoding',
        severity: 'medium',
        part,
        message: `the ${part} segment is not canonical base64url (${why}); strict verifiers reject it`,
      });
    }
    for (const name of seg.duplicates) {
      out.push({
        id: 'duplicate-member',
        severity: 'high',
        part,
        name,
        message: `the ${part} has "${name}" twice: parsers disagree on which one wins (RFC 7519 §4)`,
      });
    }
  }
  if (t.signature !== undefined && t.signature !== '' && !/^[A-Za-z0-9_-]*$/.test(t.signature)) {
    out.push({
      id: 'non-canonical-encoding',
      severity: 'medium',
      part: 'signature',
      message: 'the signature segment is not canonical base64url',
    });
  }
};

export const timeClaims: Rule = (t, o, out) => {
  const c = t.payload?.json;
  if (c === undefined) return;
  const now = o.now.getTime() / 1000;
  for (const name of ['exp', 'nbf', 'iat']) {
    const v = c[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      out.push({
        id: 'time-claim-type',
        severity: 'medium',
        part: 'payload',
        name,
        message: `"${name}" is not a number of seconds (RFC 7519 §2 NumericDate)`,
      });
    } else if (looksLikeMilliseconds(v)) {
      out.push({
        id: 'milliseconds',
        severity: 'medium',
        part: 'payload',
        name,
        message: `"${name}" looks like milliseconds, not seconds: the token lives for thousands of years`,
      });
    }
  }
  const exp = typeof c['exp'] === 'number' ? c['exp'] : undefined;
  const iat = typeof c['iat'] === 'number' ? c['iat'] : undefined;
  if (c['exp'] === undefined) {
    out.push({
      id: 'exp-missing',
      severity: 'medium',
      part: 'payload',
      name: 'exp',
      message: 'no "exp": the token never expires',
    });
  } else if (exp !== undefined && !looksLikeMilliseconds(exp)) {
    const lifetime = exp - (iat ?? now);
    if (lifetime > o.maxLifetimeSeconds) {
      out.push({
        id: 'exp-distant',
        severity: 'low',
        part: 'payload',
        name: 'exp',
        message: `lifetime of ${span(lifetime)} ${iat !== undefined ? '(exp - iat)' : '(from now)'} exceeds ${span(o.maxLifetimeSeconds)}`,
      });
    }
    if (exp <= now)
      out.push({
        id: 'expired',
        severity: 'info',
        part: 'payload',
        name: 'exp',
        message: `expired ${span(now - exp)} ago`,
      });
  }
  if (iat !== undefined && !looksLikeMilliseconds(iat) && iat > now + o.clockTolerance) {
    out.push({
      id: 'iat-future',
      severity: 'medium',
      part: 'payload',
      name: 'iat',
      message: `"iat" is ${span(iat - now)} in the future`,
    });
  }
};

export const sensitive: Rule = (t, _o, out) => {
  const c = t.payload?.json;
  if (c === undefined) return;
  for (const hit of findSensitiveData(c)) {
    out.push({
      id: `sensitive-${hit.kind}`,
      severity: 'high',
      part: 'payload',
      name: hit.path,
      message: `"${hit.path}" ${SENSITIVE_WORDING[hit.kind](hit.what)}: anyone holding the token can read it (RFC 8725 §3.6)`,
    });
  }
};

export const weakSecret: Rule = (t, o, out) => {
  const alg = t.header?.json?.['alg'];
  if (t.format !== 'jws' || typeof alg !== 'string' || !/^HS(256|384|512)$/.test(alg)) return;
  const lists: [string, readonly string[]][] = [];
  if (!o.skipBuiltinSecrets) lists.push(['built-in list', WEAK_SECRETS]);
  if (o.wordlist.length > 0) lists.push(['wordlist', o.wordlist]);
  const enc = new TextEncoder();
  for (const [source, words] of lists) {
    for (let i = 0; i < words.length; i++) {
      const w = enc.encode(words[i]!);
      if (w.length === 0) continue;
      try {
        verifyCompact(t.token, w, { algorithms: [alg as JwsAlg], allowWeakSecret: true });
      } catch {
        continue;
      }
      out.push({
        id: 'weak-secret',
        severity: 'critical',
        part: 'signature',
        message: `the ${alg} signature verifies with a known secret (${source} entry ${i + 1}): anyone can forge tokens`,
      });
      return;
    }
  }
};

export const jweNote: Rule = (t, _o, out) => {
  if (t.format !== 'jwe') return;
  out.push({
    id: 'jwe-encrypted',
    severity: 'info',
    part: 'token',
    message: 'a JWE: only the protected header can be audited offline',
  });
  const p2c = t.header?.json?.['p2c'];
  if (typeof p2c === 'number' && p2c > 1_000_000) {
    out.push({
      id: 'pbes2-count',
      severity: 'medium',
      part: 'header',
      name: 'p2c',
      message: '"p2c" above 1,000,000: a denial-of-service vector for decrypters',
    });
  }
};

export const partial: Rule = (t, _o, out) => {
  for (const p of t.problems)
    out.push({ id: 'malformed', severity: 'medium', part: 'token', message: p.message });
};
