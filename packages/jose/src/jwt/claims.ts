import { JoseError, JwtClaimError } from '../base/errors.js';
import { parseDuration, type Duration } from '../base/duration.js';
import { normalizeTyp } from '../base/header.js';
import type { JsonObject } from '../base/json.js';

/** Registered JWT claims (RFC 7519 §4.1) plus what access tokens commonly carry. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/** Claim checks, shared by verifyJwt, createVerifier and the async twins. */
export interface ClaimOptions {
  /** Expected `iss`: exact string match against one of these. */
  issuer?: string | readonly string[];
  /** Expected audience: `aud` (string or array of strings) must contain one of these. */
  audience?: string | readonly string[];
  /** Expected `sub`, exactly. */
  subject?: string;
  /** Expected header `typ`, compared case-insensitively without `application/` (RFC 8725 §3.11). */
  typ?: string;
  /** Seconds (or "30s") of clock skew allowed for `exp`, `nbf` and `iat`. Default 0. */
  clockTolerance?: Duration;
  /** Maximum age measured from `iat`; makes `iat` required. */
  maxTokenAge?: Duration;
  /** Claims that must be present, e.g. `['exp', 'jti']`. */
  requiredClaims?: readonly string[];
  /** The time to check against (default: now). */
  currentDate?: Date;
}

/** Claim options validated once (see the factories). */
export interface PreparedClaimChecks {
  readonly issuers: readonly string[] | undefined;
  readonly audiences: readonly string[] | undefined;
  readonly subject: string | undefined;
  readonly typ: string | undefined;
  readonly tolerance: number;
  readonly maxTokenAge: number | undefined;
  readonly required: readonly string[];
  readonly currentDate: Date | undefined;
}

function stringList(v: unknown, option: string): readonly string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((s) => typeof s !== 'string' || s.length === 0)
  ) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      `${option} must be a non-empty string or array of strings`,
    );
  }
  return Object.freeze([...list]);
}

/** Validate claim options once; throws ERR_OPTIONS_INVALID at configuration time. */
export function prepareClaimChecks(o: ClaimOptions): PreparedClaimChecks {
  if (typeof o !== 'object' || o === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'options must be an object');
  if (o.subject !== undefined && (typeof o.subject !== 'string' || o.subject.length === 0)) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'subject must be a non-empty string');
  }
  if (o.typ !== undefined && (typeof o.typ !== 'string' || o.typ.length === 0)) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'typ must be a non-empty string');
  }
  if (
    o.currentDate !== undefined &&
    (!(o.currentDate instanceof Date) || !Number.isFinite(o.currentDate.getTime()))
  ) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'currentDate must be a valid Date');
  }
  const required = o.requiredClaims ?? [];
  if (!Array.isArray(required) || required.some((c) => typeof c !== 'string')) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'requiredClaims must be an array of claim names');
  }
  const maxTokenAge =
    o.maxTokenAge === undefined ? undefined : parseDuration(o.maxTokenAge, 'maxTokenAge');
  return {
    issuers: stringList(o.issuer, 'issuer'),
    audiences: stringList(o.audience, 'audience'),
    subject: o.subject,
    typ: o.typ === undefined ? undefined : normalizeTyp(o.typ),
    tolerance:
      o.clockTolerance === undefined ? 0 : parseDuration(o.clockTolerance, 'clockTolerance'),
    maxTokenAge,
    required: Object.freeze([...required, ...(maxTokenAge !== undefined ? ['iat'] : [])]),
    currentDate: o.currentDate,
  };
}

const fail = (
  code: 'ERR_JWT_CLAIM_INVALID' | 'ERR_JWT_EXPIRED' | 'ERR_JWT_NOT_YET_VALID',
  claim: string,
  reason: JwtClaimError['reason'],
  message: string,
) => new JwtClaimError(code, claim, reason, message);

/**
 * Where a failing check goes: thrown at once (`checkClaims`, the verify path) or collected
 * (`collectClaimFailures`, for tools that list every failure). One set of checks serves both, so
 * the two can never drift apart.
 */
type Sink = JwtClaimError[] | undefined;

function report(sink: Sink, e: JwtClaimError): void {
  if (sink === undefined) throw e;
  sink.push(e);
}

function numericDate(
  payload: JsonObject,
  claim: 'exp' | 'nbf' | 'iat',
  sink: Sink,
): number | undefined {
  const v = payload[claim];
  if (v === undefined) return undefined;
  // docs/security.md#time-claims: a present time claim must be a finite JSON number; "present but wrong" is never "absent".
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    report(
      sink,
      fail('ERR_JWT_CLAIM_INVALID', claim, 'type', `"${claim}" claim must be a finite number`),
    );
    return undefined;
  }
  return v;
}

function stringClaim(payload: JsonObject, claim: string, sink: Sink): string | undefined {
  const v = payload[claim];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    report(sink, fail('ERR_JWT_CLAIM_INVALID', claim, 'type', `"${claim}" claim must be a string`));
    return undefined;
  }
  return v;
}

// Own members only: "constructor", "toString" or "__proto__" must never count as present (or
// be read) through the prototype.
const own = (payload: JsonObject, claim: string): unknown =>
  Object.hasOwn(payload, claim) ? payload[claim] : undefined;

function runClaimChecks(
  payload: JsonObject,
  headerTyp: unknown,
  c: PreparedClaimChecks,
  now: number,
  sink: Sink,
): void {
  if (c.typ !== undefined) {
    if (typeof headerTyp !== 'string' || normalizeTyp(headerTyp) !== c.typ) {
      report(
        sink,
        fail(
          'ERR_JWT_CLAIM_INVALID',
          'typ',
          typeof headerTyp === 'string' ? 'mismatch' : 'missing',
          'unexpected "typ" header value',
        ),
      );
    }
  }
  const missing = new Set<string>();
  for (const claim of c.required) {
    if (own(payload, claim) === undefined && !missing.has(claim)) {
      missing.add(claim);
      report(
        sink,
        fail('ERR_JWT_CLAIM_INVALID', claim, 'missing', `missing required "${claim}" claim`),
      );
    }
  }
  const tol = c.tolerance;
  const exp = numericDate(payload, 'exp', sink);
  const nbf = numericDate(payload, 'nbf', sink);
  const iat = numericDate(payload, 'iat', sink);
  // RFC 7519 §4.1.4: the current time MUST be before exp.
  if (exp !== undefined && now - tol >= exp) {
    report(
      sink,
      fail('ERR_JWT_EXPIRED', 'exp', 'expired', '"exp" claim timestamp check failed (expired)'),
    );
  }
  if (nbf !== undefined && now + tol < nbf) {
    report(
      sink,
      fail(
        'ERR_JWT_NOT_YET_VALID',
        'nbf',
        'not_yet_valid',
        '"nbf" claim timestamp check failed (not yet valid)',
      ),
    );
  }
  if (iat !== undefined && iat > now + tol) {
    report(sink, fail('ERR_JWT_NOT_YET_VALID', 'iat', 'future', '"iat" claim is in the future'));
  }
  if (c.maxTokenAge !== undefined && iat !== undefined && now - tol - iat > c.maxTokenAge) {
    report(
      sink,
      fail('ERR_JWT_EXPIRED', 'iat', 'too_old', '"iat" claim is older than maxTokenAge'),
    );
  }
  const exact = (claim: 'iss' | 'sub', expected: readonly string[] | undefined) => {
    const value = stringClaim(payload, claim, sink);
    if (expected === undefined) return;
    if (own(payload, claim) === undefined) {
      if (!missing.has(claim))
        report(
          sink,
          fail('ERR_JWT_CLAIM_INVALID', claim, 'missing', `missing required "${claim}" claim`),
        );
    } else if (value !== undefined && !expected.includes(value)) {
      report(
        sink,
        fail('ERR_JWT_CLAIM_INVALID', claim, 'mismatch', `unexpected "${claim}" claim value`),
      );
    }
  };
  exact('iss', c.issuers);
  exact('sub', c.subject === undefined ? undefined : [c.subject]);
  stringClaim(payload, 'jti', sink);
  const aud = payload['aud'];
  // docs/security.md#string-claims: a string, or an array of strings only; a non-string element fails even beside a match.
  const audOk =
    aud === undefined ||
    typeof aud === 'string' ||
    (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
  if (!audOk)
    report(
      sink,
      fail(
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'type',
        '"aud" claim must be a string or an array of strings',
      ),
    );
  if (c.audiences !== undefined) {
    if (aud === undefined) {
      if (!missing.has('aud'))
        report(
          sink,
          fail('ERR_JWT_CLAIM_INVALID', 'aud', 'missing', 'missing required "aud" claim'),
        );
    } else if (audOk) {
      const match =
        typeof aud === 'string'
          ? c.audiences.includes(aud)
          : (aud as string[]).some((a) => c.audiences!.includes(a));
      if (!match)
        report(
          sink,
          fail('ERR_JWT_CLAIM_INVALID', 'aud', 'mismatch', 'unexpected "aud" claim value'),
        );
    }
  }
}

/**
 * Check a verified payload against prepared options (RFC 7519 §4.1, §7.2; docs/security.md#time-claims,
 * #string-claims, #max-age, #typ) and throw the first failure. Called only after the signature
 * verified. `nowSeconds` may be fractional.
 */
export function checkClaims(
  payload: JsonObject,
  headerTyp: unknown,
  c: PreparedClaimChecks,
  nowSeconds: number,
): void {
  runClaimChecks(payload, headerTyp, c, nowSeconds, undefined);
}

/**
 * Every claim check `verifyJwt` runs, all of them, none thrown: the failures in the order
 * `verifyJwt` would meet them (so the first one is what `verifyJwt` throws). For tools that list
 * every problem at once (the CLI, the debugger page). Options are validated as `verifyJwt`
 * validates them (ERR_OPTIONS_INVALID is thrown). Run it on claims whose signature verified.
 *
 * @param header The protected header, for the `typ` check (optional when `typ` is not asked).
 * @example
 * collectClaimFailures({ exp: 1, aud: 'x' }, { audience: 'api' }).map((e) => e.claim) // ['exp', 'aud']
 */
export function collectClaimFailures(
  payload: Readonly<Record<string, unknown>>,
  options: ClaimOptions,
  header?: Readonly<Record<string, unknown>>,
): JwtClaimError[] {
  const c = prepareClaimChecks(options);
  const out: JwtClaimError[] = [];
  runClaimChecks(payload as JsonObject, header?.['typ'], c, nowSeconds(c), out);
  return out;
}

/** Current time in seconds from prepared options (injectable for tests and replays). */
export function nowSeconds(c: PreparedClaimChecks): number {
  return (c.currentDate?.getTime() ?? Date.now()) / 1000;
}
