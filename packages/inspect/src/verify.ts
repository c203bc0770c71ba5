import type { KeyObject } from 'node:crypto';
import {
  isJoseError,
  JWS_ALGORITHMS,
  isJwsAlg,
  JwtClaimError,
  verifyJwt,
  type JwsAlg,
  type VerifyKey,
} from '@tessera/jose';
import { claimReport, type ClaimReportOptions, type ReportRow } from './claim-report.js';
import type { DecodedToken } from './decode.js';
import { MAX_TOKEN_CHARS } from './paste.js';

/** The verdict of one verification. */
export type VerifyStatus = 'verified' | 'invalid' | 'not_verified';

export interface VerifyReportOptions extends ClaimReportOptions {
  /** The allowlist. `none` is never accepted, whatever is given. */
  readonly algorithms: readonly JwsAlg[];
  /**
   * Accept HMAC secrets shorter than the hash and RSA keys under 2048 bits, reporting a warning
   * (a debugger must show whether a signature matches). Default false: refused as the core does.
   */
  readonly allowWeakKey?: boolean;
}

/** A verification, every check listed: the same rows for the CLI and the page. */
export interface VerifyReport {
  readonly status: VerifyStatus;
  readonly alg?: string;
  readonly kid?: string;
  /** True once the signature verified (claims are only read then). */
  readonly signature: boolean;
  readonly checks: readonly ReportRow[];
  /** The failing checks, in order. */
  readonly errors: readonly ReportRow[];
  readonly warnings: readonly { code: string; message: string }[];
}

/** Core codes that mean "this key cannot do the job" rather than "the token is bad". */
export const KEY_FAILURE_CODES: ReadonlySet<string> = new Set([
  'ERR_KEY_INVALID',
  'ERR_KEY_TOO_WEAK',
  'ERR_KEY_NOT_FOUND',
  'ERR_KEY_AMBIGUOUS',
  'ERR_JWK_INVALID',
  'ERR_PEM_INVALID',
  'ERR_JWKS_INVALID',
]);

function finish(
  checks: ReportRow[],
  warnings: { code: string; message: string }[],
  meta: { alg?: string; kid?: string },
  signature: boolean,
  stop?: 'not_verified',
): VerifyReport {
  const errors = checks.filter((c) => !c.ok);
  const status: VerifyStatus = stop ?? (signature && errors.length === 0 ? 'verified' : 'invalid');
  return { status, ...meta, signature, checks, errors, warnings };
}

/**
 * Verify a decoded token with a key the user chose: the signature (through the core's
 * `verifyJwt`, with its header rules and key checks), then every claim check, all listed (the
 * core's `collectClaimFailures`). Claims are read only once the signature verified. The CLI's
 * `verify` and the page's Verify pane both render this report.
 *
 * @example
 * verifyReport(decodeToken(text), key, { algorithms: ['ES256'], issuer: 'https://as' }).status
 */
export function verifyReport(
  decoded: DecodedToken,
  key: VerifyKey,
  o: VerifyReportOptions,
): VerifyReport {
  const checks: ReportRow[] = [];
  const warnings: { code: string; message: string }[] = [];
  if (decoded.format === 'invalid') {
    const p = decoded.problems[0];
    checks.push({
      check: 'token',
      ok: false,
      code: p?.code ?? 'ERR_NOT_A_JWT',
      message: p?.message ?? 'not a JWT',
    });
    return finish(checks, warnings, {}, false, 'not_verified');
  }
  if (decoded.format === 'jwe') {
    checks.push({
      check: 'token',
      ok: false,
      code: 'ERR_JWS_MALFORMED',
      message: 'this is a JWE: it must be decrypted, not verified',
    });
    return finish(checks, warnings, {}, false, 'not_verified');
  }
  const header = decoded.header?.json;
  const headerAlg = typeof header?.['alg'] === 'string' ? header['alg'] : undefined;
  const kid = typeof header?.['kid'] === 'string' ? header['kid'] : undefined;
  const meta = {
    ...(headerAlg !== undefined ? { alg: headerAlg } : {}),
    ...(kid !== undefined ? { kid } : {}),
  };
  if (header === undefined || decoded.segments.length !== 3) {
    checks.push({
      check: 'token',
      ok: false,
      code: 'ERR_JWS_MALFORMED',
      message: 'not a compact signed token (three segments with a JSON header)',
    });
    return finish(checks, warnings, meta, false);
  }
  // RFC 8725 §3.1: `none` is never accepted, whatever the allowlist says.
  const algorithms = o.algorithms.filter((a) => isJwsAlg(a));
  if (headerAlg === undefined || !isJwsAlg(headerAlg) || !algorithms.includes(headerAlg)) {
    checks.push({
      check: 'alg',
      ok: false,
      code: 'ERR_ALG_NOT_ALLOWED',
      message:
        headerAlg?.toLowerCase() === 'none'
          ? 'alg "none" is never accepted'
          : "the token's alg is not in the allowlist",
    });
    return finish(checks, warnings, meta, false);
  }
  checks.push({ check: 'alg', ok: true, message: `${headerAlg} is allowed` });
  const weak = o.allowWeakKey === true;
  let verifiedWith: KeyObject | undefined;
  try {
    verifiedWith = verifyJwt(decoded.token, key, {
      algorithms,
      // Claims are reported below, all at once; here only the signature and header rules count.
      clockTolerance: Number.MAX_SAFE_INTEGER,
      maxTokenLength: MAX_TOKEN_CHARS,
      allowWeakSecret: weak,
      allowInsecureKeySize: weak,
    }).key;
  } catch (e) {
    if (!(e instanceof JwtClaimError)) {
      if (!isJoseError(e)) throw e;
      const check = KEY_FAILURE_CODES.has(e.code) ? 'key' : 'signature';
      checks.push({ check, ok: false, code: e.code, message: e.message });
      return finish(checks, warnings, meta, false);
    }
  }
  checks.push({
    check: 'signature',
    ok: true,
    message: `signature verified (${headerAlg}${kid !== undefined ? `, kid=${kid}` : ''})`,
  });
  const row = JWS_ALGORITHMS[headerAlg];
  if (weak && key instanceof Uint8Array && key.length < row.minSecretBytes)
    warnings.push({
      code: 'WEAK_SECRET',
      message: `the secret has ${key.length} bytes; ${headerAlg} requires at least ${row.minSecretBytes} (RFC 7518 §3.2)`,
    });
  const bits = verifiedWith?.asymmetricKeyDetails?.modulusLength;
  if (weak && bits !== undefined && bits < row.minRsaBits)
    warnings.push({
      code: 'WEAK_KEY',
      message: `the RSA key has ${bits} bits; at least ${row.minRsaBits} are required (RFC 7518 §3.3)`,
    });
  const payload = decoded.payload?.json;
  if (payload === undefined) {
    checks.push({
      check: 'payload',
      ok: false,
      code: 'ERR_JSON_INVALID',
      message: 'the payload is not a JSON object (not a JWT)',
    });
    return finish(checks, warnings, meta, true);
  }
  const { algorithms: _a, allowWeakKey: _w, ...claimOptions } = o;
  checks.push(...claimReport(payload, claimOptions, header));
  return finish(checks, warnings, meta, true);
}
