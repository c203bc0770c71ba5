import { decodeToken, type DecodedToken } from '../decode.js';
import {
  SEVERITIES,
  withDefaults,
  type AuditFinding,
  type AuditOptions,
  type Rule,
  type Severity,
} from './finding.js';
import { algNone, keyInjection, suspiciousKid, typAndCrit } from './header-rules.js';
import { encoding, jweNote, partial, sensitive, timeClaims, weakSecret } from './token-rules.js';

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

/**
 * Offline lint of one token: `alg: none` variants, HS* signed with a known weak secret,
 * key-injection headers (`jku`/`x5u`/`jwk`/`x5c`), suspicious `kid`, missing or distant `exp`,
 * `iat` in the future, milliseconds, non-canonical encoding, duplicate members and sensitive data
 * in the claims. Nothing is sent anywhere. A new rule is a function in `header-rules.ts` or
 * `token-rules.ts` and a line in {@link RULES}.
 *
 * @example
 * const findings = auditToken(token, { now: new Date() });
 * if (findings.some((f) => f.severity === 'critical')) process.exitCode = 1;
 */
export function auditToken(token: string, options: AuditOptions = {}): AuditFinding[] {
  return auditDecoded(decodeToken(token), options);
}

/** {@link auditToken} on a token already decoded (decode once, audit and render from it). */
export function auditDecoded(decoded: DecodedToken, options: AuditOptions = {}): AuditFinding[] {
  const o = withDefaults(options);
  const out: AuditFinding[] = [];
  for (const rule of RULES) rule(decoded, o, out);
  return out;
}

/** True when `a` is at least as severe as `b`. */
export function atLeast(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b);
}
