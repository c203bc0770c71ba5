import { cleanTokenInput } from '../token-input.js';
import { decodeToken, type DecodedToken } from '../token-parts.js';
import {
  RULES,
  SEVERITIES,
  withDefaults,
  type AuditFinding,
  type AuditOptions,
  type Severity,
} from './rules.js';

/**
 * Offline lint of one token: `alg: none` variants, HS* signed with a known weak secret,
 * key-injection headers (`jku`/`x5u`/`jwk`/`x5c`), suspicious `kid`, missing or distant `exp`,
 * `iat` in the future, milliseconds, non-canonical encoding, duplicate members and sensitive data
 * in the claims. Nothing is sent anywhere. Pure apart from @tessera/jose (for the HMAC check).
 *
 * Throws a `CliError` (exit code 3) when the input is not a JWT/JWE even partially.
 *
 * @example
 * const findings = auditToken(token, { now: new Date() });
 * if (findings.some((f) => f.severity === 'critical')) process.exitCode = 1;
 */
export function auditToken(token: string, options: AuditOptions = {}): AuditFinding[] {
  return auditDecoded(decodeToken(cleanTokenInput(token)), options);
}

/** {@link auditToken} on a token already decoded (the CLI decodes once). */
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

export { SEVERITIES };
export type { AuditFinding, AuditOptions, Severity };
