import { normalizeTyp } from '@tessera/jose';
import type { JsonVerificationError } from './json-result.js';

/** The claim checks `verify` was asked for. */
export interface ClaimChecks {
  issuers?: readonly string[] | undefined;
  audiences?: readonly string[] | undefined;
  subject?: string | undefined;
  typ?: string | undefined;
  /** Seconds of clock skew (`--leeway`). */
  leeway: number;
  ignoreExp: boolean;
  required: readonly string[];
  /** `--max-age` in seconds; makes `iat` required. */
  maxAge?: number | undefined;
  now: Date;
}

/**
 * Evaluate every requested claim check and return ALL failures (not just the first, as the core
 * does), with the same codes and meaning as `checkClaims` in @tessera/jose (RFC 7519 §4.1,
 * §7.2). Called only after the signature verified. Messages never contain claim values.
 */
export function evaluateClaims(
  payload: Record<string, unknown>,
  headerTyp: unknown,
  c: ClaimChecks,
): JsonVerificationError[] {
  const errors: JsonVerificationError[] = [];
  const invalid = (claim: string, message: string) =>
    errors.push({ code: 'ERR_JWT_CLAIM_INVALID', claim, message });
  const now = c.now.getTime() / 1000;
  if (c.typ !== undefined) {
    if (typeof headerTyp !== 'string') invalid('typ', 'missing "typ" header');
    else if (normalizeTyp(headerTyp) !== normalizeTyp(c.typ))
      invalid('typ', 'unexpected "typ" header value');
  }
  const required = new Set(c.required);
  if (c.maxAge !== undefined) required.add('iat');
  for (const claim of required)
    if (payload[claim] === undefined) invalid(claim, `missing required "${claim}" claim`);
  const time = (claim: 'exp' | 'nbf' | 'iat'): number | undefined => {
    const v = payload[claim];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      invalid(claim, `"${claim}" claim must be a finite number`);
      return undefined;
    }
    return v;
  };
  const exp = time('exp');
  const nbf = time('nbf');
  const iat = time('iat');
  // RFC 7519 §4.1.4: the current time MUST be before exp.
  if (exp !== undefined && !c.ignoreExp && now - c.leeway >= exp) {
    errors.push({
      code: 'ERR_JWT_EXPIRED',
      claim: 'exp',
      message: '"exp" claim timestamp check failed (expired)',
      expiredSecondsAgo: Math.floor(now - exp),
    });
  }
  if (nbf !== undefined && now + c.leeway < nbf) {
    errors.push({
      code: 'ERR_JWT_NOT_YET_VALID',
      claim: 'nbf',
      message: '"nbf" claim timestamp check failed (not yet valid)',
    });
  }
  if (iat !== undefined && iat > now + c.leeway) {
    errors.push({
      code: 'ERR_JWT_NOT_YET_VALID',
      claim: 'iat',
      message: '"iat" claim is in the future',
    });
  }
  if (c.maxAge !== undefined && iat !== undefined && now - c.leeway - iat > c.maxAge) {
    errors.push({
      code: 'ERR_JWT_EXPIRED',
      claim: 'iat',
      message: '"iat" claim is older than --max-age',
    });
  }
  const str = (claim: string): string | undefined => {
    const v = payload[claim];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      invalid(claim, `"${claim}" claim must be a string`);
      return undefined;
    }
    return v;
  };
  const iss = str('iss');
  if (c.issuers !== undefined && iss !== undefined && !c.issuers.includes(iss))
    invalid('iss', 'unexpected "iss" claim value');
  if (c.issuers !== undefined && payload['iss'] === undefined && !required.has('iss'))
    invalid('iss', 'missing required "iss" claim');
  const sub = str('sub');
  if (c.subject !== undefined && sub !== undefined && sub !== c.subject)
    invalid('sub', 'unexpected "sub" claim value');
  if (c.subject !== undefined && payload['sub'] === undefined && !required.has('sub'))
    invalid('sub', 'missing required "sub" claim');
  str('jti');
  const aud = payload['aud'];
  const audOk =
    aud === undefined ||
    typeof aud === 'string' ||
    (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
  if (!audOk) invalid('aud', '"aud" claim must be a string or an array of strings');
  if (c.audiences !== undefined) {
    if (aud === undefined) {
      if (!required.has('aud')) invalid('aud', 'missing required "aud" claim');
    } else if (audOk) {
      const list = typeof aud === 'string' ? [aud] : (aud as string[]);
      if (!list.some((a) => c.audiences!.includes(a)))
        invalid('aud', 'unexpected "aud" claim value');
    }
  }
  return errors;
}
