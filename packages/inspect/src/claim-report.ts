import {
  collectClaimFailures,
  type ClaimFailureReason,
  type ClaimOptions,
  type JoseErrorCode,
} from '@tessera/jose';
import type { InspectErrorCode } from './errors.js';

/**
 * One line of a report: a check that passed or failed. Only an `iss`/`sub`/`aud` mismatch shows
 * values — what was expected and what the token says, made printable and bounded — since those
 * are what a user has to compare; no row holds a secret.
 */
export interface ReportRow {
  /** `token`, `alg`, `key`, `signature`, or a claim/header name (`exp`, `aud`, `typ`, …). */
  readonly check: string;
  readonly ok: boolean;
  /** The @tessera/jose error code of a failure (an @tessera/inspect one for input it refused). */
  readonly code?: JoseErrorCode | InspectErrorCode;
  readonly reason?: ClaimFailureReason;
  readonly message: string;
  /** For an expired token: how long ago `exp` passed, in whole seconds. */
  readonly expiredSecondsAgo?: number;
}

/** The claim checks to report: the core's options, plus the one a debugger adds. */
export interface ClaimReportOptions extends ClaimOptions {
  /** Leave an expired `exp` out of the failures (to look at an old token). Default false. */
  ignoreExp?: boolean;
}

const passed = (check: string, message: string): ReportRow => ({ check, ok: true, message });

/**
 * The claim report of a verified payload: every failure `verifyJwt` would find (from the core's
 * `collectClaimFailures`, in its order, so the first is what `verifyJwt` throws), then a passing
 * row for each check that was asked for or applies (`exp`/`nbf` present, `iss`/`aud`/`sub`/`typ`
 * expected, required claims). Options are validated by the core (ERR_OPTIONS_INVALID).
 *
 * @example
 * claimReport({ exp: 1 }, { currentDate: new Date() }).filter((r) => !r.ok)[0]?.code // 'ERR_JWT_EXPIRED'
 */
export function claimReport(
  payload: Readonly<Record<string, unknown>>,
  options: ClaimReportOptions,
  header?: Readonly<Record<string, unknown>>,
): ReportRow[] {
  const { ignoreExp, ...core } = options;
  const now = (options.currentDate?.getTime() ?? Date.now()) / 1000;
  const failures = collectClaimFailures(payload, core, header).filter(
    (e) => !(ignoreExp === true && e.claim === 'exp' && e.reason === 'expired'),
  );
  const expectedOf: Record<string, string | readonly string[] | undefined> = {
    iss: options.issuer,
    sub: options.subject,
    aud: options.audience,
  };
  const rows: ReportRow[] = failures.map((e) => ({
    check: e.claim,
    ok: false,
    code: e.code,
    reason: e.reason,
    message:
      e.reason === 'mismatch' && expectedOf[e.claim] !== undefined
        ? `unexpected "${e.claim}": expected ${expected(expectedOf[e.claim]!)}, the token has ${shown(payload[e.claim])}`
        : e.message,
    ...(e.claim === 'exp' && e.reason === 'expired'
      ? { expiredSecondsAgo: Math.floor(now - (payload['exp'] as number)) }
      : {}),
  }));
  const failed = new Set(failures.map((e) => e.claim));
  const own = (name: string) => Object.hasOwn(payload, name) && payload[name] !== undefined;
  const add = (check: string, when: boolean, message: string) => {
    if (when && !failed.has(check) && !rows.some((r) => r.check === check))
      rows.push(passed(check, message));
  };
  add('typ', options.typ !== undefined, '"typ" matches');
  add('exp', own('exp') && ignoreExp !== true, 'not expired');
  add('exp', own('exp') && ignoreExp === true, '"exp" not checked (ignored)');
  add('nbf', own('nbf'), 'already valid');
  add('iat', options.maxTokenAge !== undefined, '"iat" within the maximum age');
  add('iss', options.issuer !== undefined, '"iss" matches');
  add('sub', options.subject !== undefined, '"sub" matches');
  add('aud', options.audience !== undefined, '"aud" matches');
  for (const name of options.requiredClaims ?? []) add(name, true, `"${name}" is present`);
  return rows;
}

/** A claim value for a message: JSON, printable ASCII only, at most 80 characters. */
function shown(v: unknown): string {
  const text = (JSON.stringify(v) ?? String(v)).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The accepted values: `"a"`, or `one of "a", "b"`. */
function expected(values: string | readonly string[]): string {
  const list = typeof values === 'string' ? [values] : values;
  const text = list.map(shown).join(', ');
  return list.length === 1 ? text : `one of ${text}`;
}
