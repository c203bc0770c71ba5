import type { VerifyCheck } from './verify-token.js';

/** The claim expectations of one verification, already validated. */
export interface ClaimInputs {
  issuer?: string;
  audience?: string;
  subject?: string;
  typ?: string;
  required: readonly string[];
  leeway: number;
  now: number;
}

/**
 * Every claim check on its own, so the Verify card lists all failures at once (like
 * step-cli). Runs only on a payload whose signature verified; `verifyToken` still calls the core's
 * `verifyJwt` afterwards, which stays the authority on the overall answer.
 *
 * @example
 * claimChecks(payload, header.typ, { required: [], leeway: 30, now: Date.now() / 1000, issuer: 'https://as' })
 */
export function claimChecks(
  payload: Record<string, unknown>,
  headerTyp: unknown,
  c: ClaimInputs,
): VerifyCheck[] {
  const out: VerifyCheck[] = [];
  const num = (name: 'exp' | 'nbf' | 'iat'): number | undefined => {
    const v = payload[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      out.push({
        check: name,
        ok: false,
        code: 'ERR_JWT_CLAIM_INVALID',
        message: `"${name}" claim must be a finite number`,
      });
      return undefined;
    }
    return v;
  };
  const exp = num('exp');
  if (exp !== undefined) {
    const ok = c.now - c.leeway < exp;
    out.push(
      ok
        ? { check: 'exp', ok, message: 'not expired' }
        : {
            check: 'exp',
            ok,
            code: 'ERR_JWT_EXPIRED',
            message: '"exp" claim timestamp check failed (expired)',
            expiredSecondsAgo: Math.floor(c.now - exp),
          },
    );
  }
  const nbf = num('nbf');
  if (nbf !== undefined) {
    const ok = c.now + c.leeway >= nbf;
    out.push(
      ok
        ? { check: 'nbf', ok, message: 'already valid' }
        : {
            check: 'nbf',
            ok,
            code: 'ERR_JWT_NOT_YET_VALID',
            message: '"nbf" claim timestamp check failed (not yet valid)',
          },
    );
  }
  const iat = num('iat');
  if (iat !== undefined && iat > c.now + c.leeway) {
    out.push({
      check: 'iat',
      ok: false,
      code: 'ERR_JWT_NOT_YET_VALID',
      message: '"iat" claim is in the future',
    });
  }
  const exact = (name: 'iss' | 'sub', expected: string | undefined) => {
    if (expected === undefined) return;
    const v = payload[name];
    if (v === undefined)
      out.push({
        check: name,
        ok: false,
        code: 'ERR_JWT_CLAIM_INVALID',
        message: `missing required "${name}" claim`,
      });
    else if (v !== expected)
      out.push({
        check: name,
        ok: false,
        code: 'ERR_JWT_CLAIM_INVALID',
        message: `unexpected "${name}" claim value`,
      });
    else out.push({ check: name, ok: true, message: `"${name}" matches` });
  };
  exact('iss', c.issuer);
  exact('sub', c.subject);
  if (c.audience !== undefined) {
    const aud = payload['aud'];
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
    if (aud === undefined)
      out.push({
        check: 'aud',
        ok: false,
        code: 'ERR_JWT_CLAIM_INVALID',
        message: 'missing required "aud" claim',
      });
    else if (list === undefined || list.some((a) => typeof a !== 'string'))
      out.push({
        check: 'aud',
        ok: false,
        code: 'ERR_JWT_CLAIM_INVALID',
        message: '"aud" claim must be a string or an array of strings',
      });
    else if (!list.includes(c.audience))
      out.push({
        check: 'aud',
        ok: false,
        code: 'ERR_JWT_CLAIM_INVALID',
        message: 'unexpected "aud" claim value',
      });
    else out.push({ check: 'aud', ok: true, message: '"aud" matches' });
  }
  if (c.typ !== undefined) {
    const norm = (t: string) => t.toLowerCase().replace(/^application\//, '');
    const ok = typeof headerTyp === 'string' && norm(headerTyp) === norm(c.typ);
    out.push(
      ok
        ? { check: 'typ', ok, message: '"typ" matches' }
        : {
            check: 'typ',
            ok,
            code: 'ERR_JWT_CLAIM_INVALID',
            message: 'unexpected "typ" header value',
          },
    );
  }
  for (const r of c.required) {
    if (payload[r] === undefined)
      out.push({
        check: r,
        ok: false,
        code: 'ERR_JWT_CLAIM_INVALID',
        message: `missing required "${r}" claim`,
      });
  }
  return out;
}
