import { JWS_ALGORITHMS, verifyCompact, type JwsAlg } from '@tessera/jose';
import type { DecodedToken } from '../token-parts.js';
import { looksLikeMilliseconds, span } from '../dates.js';
import { WEAK_SECRETS } from './weak-secrets.js';
import { findSensitiveData } from './sensitive-data.js';

/** How bad a finding is, lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One audit finding. `id` is stable (documented in the README); the message never holds a secret. */
export interface AuditFinding {
  id: string;
  severity: Severity;
  message: string;
  /** Where: `header`, `payload`, `signature` or `token`. */
  part: 'header' | 'payload' | 'signature' | 'token';
  /** The header parameter or claim concerned, when there is one. */
  name?: string;
}

export interface AuditOptions {
  /** The time to judge `exp`/`iat` against (default: now). */
  now?: Date;
  /** Your own candidate secrets for HS* tokens, tried after the built-in list. */
  wordlist?: readonly string[];
  /** Skip the built-in weak-secret list. Default false. */
  skipBuiltinSecrets?: boolean;
  /** Longest acceptable lifetime (`exp` − `iat`) in seconds. Default 86400 (24 h). */
  maxLifetimeSeconds?: number;
  /** Allowed clock skew in seconds for "iat in the future". Default 60. */
  clockSkewSeconds?: number;
}

type Rule = (
  t: DecodedToken,
  o: Required<Omit<AuditOptions, 'wordlist'>> & { wordlist: readonly string[] },
  out: AuditFinding[],
) => void;

const KEY_INJECTION: readonly [string, string][] = [
  [
    'jku',
    'header "jku" (JWK Set URL) present: a verifier that fetches it lets the token choose its own key',
  ],
  [
    'x5u',
    'header "x5u" (X.509 URL) present: a verifier that fetches it lets the token choose its own key',
  ],
  [
    'jwk',
    'header "jwk" (embedded key) present: a verifier that trusts it accepts any self-signed token',
  ],
  [
    'x5c',
    'header "x5c" (certificate chain) present: a verifier that trusts it without path validation accepts forged tokens',
  ],
];

const algNone: Rule = (t, _o, out) => {
  const h = t.header?.json;
  if (h === undefined) return;
  const alg = h['alg'];
  if (alg === undefined) {
    out.push({
      id: 'alg-missing',
      severity: 'high',
      part: 'header',
      name: 'alg',
      message: 'the header has no "alg"',
    });
  } else if (typeof alg !== 'string') {
    out.push({
      id: 'alg-invalid',
      severity: 'high',
      part: 'header',
      name: 'alg',
      message: '"alg" is not a string',
    });
  } else if (alg.toLowerCase() === 'none') {
    out.push({
      id: 'alg-none',
      severity: 'critical',
      part: 'header',
      name: 'alg',
      message:
        alg === 'none'
          ? '"alg": "none": the token is unsecured, anyone can forge it'
          : `"alg" is a case variant of "none" (${alg}): a classic filter bypass (CVE-2015-9235 family)`,
    });
    if (t.signature !== undefined && t.signature !== '') {
      out.push({
        id: 'alg-none-with-signature',
        severity: 'high',
        part: 'signature',
        message: '"alg": "none" with a non-empty signature',
      });
    }
  } else if (!Object.prototype.hasOwnProperty.call(JWS_ALGORITHMS, alg) && t.format !== 'jwe') {
    out.push({
      id: 'alg-unknown',
      severity: 'medium',
      part: 'header',
      name: 'alg',
      message: `"alg" is not a registered JWS algorithm`,
    });
  }
};

const keyInjection: Rule = (t, _o, out) => {
  const h = t.header?.json;
  if (h === undefined) return;
  for (const [name, message] of KEY_INJECTION) {
    if (h[name] !== undefined)
      out.push({ id: `header-${name}`, severity: 'high', part: 'header', name, message });
  }
};

const suspiciousKid: Rule = (t, _o, out) => {
  const kid = t.header?.json?.['kid'];
  if (kid === undefined) return;
  if (typeof kid !== 'string') {
    out.push({
      id: 'kid-not-string',
      severity: 'medium',
      part: 'header',
      name: 'kid',
      message: '"kid" is not a string',
    });
    return;
  }
  const reasons: string[] = [];
  if (/\.\.[/\\]|[/\\]/.test(kid))
    reasons.push('path characters (/, \\, ../): path traversal into a key file');
  if (/['"`]/.test(kid)) reasons.push('quotes: SQL or command injection');
  if (/;|--|\/\*|\b(union|select|or|and)\b\s/i.test(kid)) reasons.push('SQL metacharacters');
  if (/[$|&<>]|\$\(/.test(kid)) reasons.push('shell metacharacters');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(kid)) reasons.push('control characters');
  if (kid.length > 256) reasons.push('more than 256 characters');
  if (reasons.length > 0) {
    out.push({
      id: 'kid-suspicious',
      severity: 'high',
      part: 'header',
      name: 'kid',
      message: `"kid" contains ${reasons.join('; ')}`,
    });
  }
};

const typAndCrit: Rule = (t, _o, out) => {
  const h = t.header?.json;
  if (h === undefined) return;
  const typ = h['typ'];
  if (typ !== undefined) {
    const known = [
      'jwt',
      'at+jwt',
      'jose',
      'jose+json',
      'secevent+jwt',
      'logout+jwt',
      'dpop+jwt',
      'jwt-bearer',
      'id_token+jwt',
    ];
    const n = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
    if (n === undefined)
      out.push({
        id: 'typ-invalid',
        severity: 'medium',
        part: 'header',
        name: 'typ',
        message: '"typ" is not a string',
      });
    else if (!known.includes(n) && !n.endsWith('+jwt')) {
      out.push({
        id: 'typ-unusual',
        severity: 'low',
        part: 'header',
        name: 'typ',
        message: `unusual "typ" value (RFC 8725 §3.11 recommends explicit typing such as "at+jwt")`,
      });
    }
  }
  if (typeof h['cty'] === 'string' && h['cty'].toUpperCase() === 'JWT') {
    out.push({
      id: 'nested-jwt',
      severity: 'info',
      part: 'header',
      name: 'cty',
      message: '"cty": "JWT": a nested token; the inner one needs its own verification',
    });
  }
  if (h['crit'] !== undefined) {
    out.push({
      id: 'crit-present',
      severity: 'low',
      part: 'header',
      name: 'crit',
      message:
        '"crit" present: verifiers that ignore it may accept a token they do not understand (RFC 7515 §4.1.11)',
    });
  }
  if (h['b64'] === false) {
    out.push({
      id: 'b64-false',
      severity: 'medium',
      part: 'header',
      name: 'b64',
      message: '"b64": false (RFC 7797) is not valid for a JWT',
    });
  }
};

const encoding: Rule = (t, _o, out) => {
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

const timeClaims: Rule = (t, o, out) => {
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
  if (iat !== undefined && !looksLikeMilliseconds(iat) && iat > now + o.clockSkewSeconds) {
    out.push({
      id: 'iat-future',
      severity: 'medium',
      part: 'payload',
      name: 'iat',
      message: `"iat" is ${span(iat - now)} in the future`,
    });
  }
};

const sensitive: Rule = (t, _o, out) => {
  const c = t.payload?.json;
  if (c === undefined) return;
  for (const hit of findSensitiveData(c)) {
    out.push({
      id: `sensitive-${hit.kind}`,
      severity: 'high',
      part: 'payload',
      name: hit.path,
      message:
        hit.kind === 'secret-name'
          ? `"${hit.path}" looks like a password or secret: anyone holding the token can read it (don't put secrets in a JWT)`
          : `"${hit.path}" holds ${hit.what}: anyone holding the token can read it (don't put personal data in a JWT)`,
    });
  }
};

const weakSecret: Rule = (t, o, out) => {
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

const jweNote: Rule = (t, _o, out) => {
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

const partial: Rule = (t, _o, out) => {
  for (const p of t.problems)
    out.push({ id: 'malformed', severity: 'medium', part: 'token', message: p.message });
};

/** Every rule, in report order. */
export const RULES: readonly Rule[] = [
  partial,
  algNone,
  weakSecret,
  keyInjection,
  suspiciousKid,
  typAndCrit,
  encoding,
  timeClaims,
  sensitive,
  jweNote,
];

/** Options with defaults filled in. */
export function withDefaults(o: AuditOptions): Parameters<Rule>[1] {
  return {
    now: o.now ?? new Date(),
    wordlist: o.wordlist ?? [],
    skipBuiltinSecrets: o.skipBuiltinSecrets === true,
    maxLifetimeSeconds: o.maxLifetimeSeconds ?? 86400,
    clockSkewSeconds: o.clockSkewSeconds ?? 60,
  };
}
