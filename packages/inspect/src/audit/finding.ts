import type { DecodedToken } from '../decode.js';

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
  clockTolerance?: number;
}

export type Rule = (
  t: DecodedToken,
  o: Required<Omit<AuditOptions, 'wordlist'>> & { wordlist: readonly string[] },
  out: AuditFinding[],
) => void;

/** Options with defaults filled in. */
export function withDefaults(o: AuditOptions): Parameters<Rule>[1] {
  return {
    now: o.now ?? new Date(),
    wordlist: o.wordlist ?? [],
    skipBuiltinSecrets: o.skipBuiltinSecrets === true,
    maxLifetimeSeconds: o.maxLifetimeSeconds ?? 86400,
    clockTolerance: o.clockTolerance ?? 60,
  };
}
