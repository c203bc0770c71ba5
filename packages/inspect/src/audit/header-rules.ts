import { isJwsAlg } from '@tessera/jose';
import type { Rule } from './finding.js';

/** Rules on the protected header: alg, key-injection parameters, kid, typ, crit, b64. */

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

export const algNone: Rule = (t, _o, out) => {
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
  } else if (!isJwsAlg(alg) && t.format !== 'jwe') {
    out.push({
      id: 'alg-unknown',
      severity: 'medium',
      part: 'header',
      name: 'alg',
      message: `"alg" is not a registered JWS algorithm`,
    });
  }
};

export const keyInjection: Rule = (t, _o, out) => {
  const h = t.header?.json;
  if (h === undefined) return;
  for (const [name, message] of KEY_INJECTION) {
    if (h[name] !== undefined)
      out.push({ id: `header-${name}`, severity: 'high', part: 'header', name, message });
  }
};

export const suspiciousKid: Rule = (t, _o, out) => {
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

export const typAndCrit: Rule = (t, _o, out) => {
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
