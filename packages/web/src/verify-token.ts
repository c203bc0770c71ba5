import {
  isJoseError,
  isJwsAlg,
  JWS_ALGORITHMS,
  parseDuration,
  verifyCompact,
  type JwsAlg,
  type VerifyKey,
} from '@tessera/jose';
import {
  decodeSecret,
  decodeToken,
  isInspectError,
  verifyReport,
  type ReportRow,
  type VerifyReport as InspectReport,
} from '@tessera/inspect';
import {
  SECRET_ENCODINGS,
  readVerificationKey,
  type KeyMaterial,
  type KeySource,
  type SecretEncoding,
} from './key-material.js';

export interface VerifyRequest {
  readonly token: string;
  readonly key: KeyMaterial;
  /** Accepted algorithms; default: the header's `alg`. `none` is never accepted. */
  readonly algorithms?: readonly string[];
  readonly issuer?: string;
  readonly audience?: string;
  readonly subject?: string;
  readonly typ?: string;
  readonly requiredClaims?: readonly string[];
  /** Clock skew: seconds or a duration such as `"30s"`. */
  readonly clockTolerance?: number | string;
  /** The time to check against, ISO 8601 (default now). */
  readonly now?: string;
}

export type VerifyStatus = 'verified' | 'invalid' | 'not_verified' | 'warning';

/** One row of the status card (@tessera/inspect's report row). */
export type VerifyCheck = ReportRow;

export interface VerifyReport {
  readonly status: VerifyStatus;
  readonly alg?: string;
  readonly kid?: string;
  readonly keySource?: KeySource;
  readonly checks: readonly VerifyCheck[];
  /** The failing checks (the status card lists every one). */
  readonly errors: readonly VerifyCheck[];
  readonly warnings: readonly { code: string; message: string }[];
  /** e.g. "the signature verifies when the secret is read as base64". */
  readonly hints: readonly string[];
}

const fail = (
  check: string,
  code: NonNullable<VerifyCheck['code']>,
  message: string,
): VerifyCheck => ({
  check,
  ok: false,
  code,
  message,
});

function stopped(
  checks: VerifyCheck[],
  meta: { alg?: string; kid?: string },
  status: 'invalid' | 'not_verified',
): VerifyReport {
  return { status, ...meta, checks, errors: checks.filter((c) => !c.ok), warnings: [], hints: [] };
}

// A debugger must show whether a signature matches: with a secret that does not verify, say
// which other encoding of the same text would.
function encodingHints(token: string, material: KeyMaterial, algorithms: JwsAlg[]): string[] {
  if (material.kind !== 'secret') return [];
  const hints: string[] = [];
  for (const other of SECRET_ENCODINGS) {
    if (other === (material.encoding ?? 'utf8')) continue;
    const bytes = decodeSecret(material.value, other);
    if (bytes === undefined || bytes.length === 0) continue;
    try {
      verifyCompact(token, bytes, { algorithms, allowWeakSecret: true });
      hints.push(`the signature verifies when the secret is read as ${other}`);
    } catch {
      // not this encoding either
    }
  }
  return hints;
}

type Meta = { alg?: string; kid?: string };

/** The verification key from the request's key material, or the stopped report saying why not. */
function keyOf(
  material: VerifyRequest['key'],
  alg: (typeof JWS_ALGORITHMS)[JwsAlg],
  meta: Meta,
): { key: VerifyKey; source: KeySource } | VerifyReport {
  if (material === undefined || typeof material.value !== 'string' || material.value === '')
    return stopped(
      [fail('key', 'ERR_KEY_INVALID', 'no key given: the signature was not checked')],
      meta,
      'not_verified',
    );
  if (material.kind === 'secret') {
    if (alg.family !== 'hmac')
      return stopped(
        [fail('key', 'ERR_KEY_INVALID', `${alg.alg} needs a public key, not a secret`)],
        meta,
        'invalid',
      );
    const encoding: SecretEncoding = material.encoding ?? 'utf8';
    const bytes = decodeSecret(material.value, encoding);
    if (bytes === undefined)
      return stopped(
        [fail('key', 'ERR_KEY_INVALID', `the secret is not valid ${encoding}`)],
        meta,
        'not_verified',
      );
    return { key: bytes, source: 'secret' };
  }
  if (alg.family === 'hmac')
    return stopped(
      // RFC 8725 §3.1: a public key is never used as an HMAC secret.
      [fail('key', 'ERR_KEY_INVALID', `${alg.alg} needs a secret, not a public key`)],
      meta,
      'invalid',
    );
  try {
    return readVerificationKey(material.value, alg.alg, material.kid);
  } catch (e) {
    if (isJoseError(e) || isInspectError(e))
      return stopped([fail('key', e.code, e.message)], meta, 'invalid');
    throw e;
  }
}

/** The request's clock tolerance (seconds) and `now` (ms), or undefined when either is malformed. */
function clockOf(
  req: VerifyRequest,
  nowMs: number,
): { clockTolerance: number; now: number } | undefined {
  let clockTolerance = 0;
  let now = nowMs;
  try {
    if (req.clockTolerance !== undefined && req.clockTolerance !== '')
      // Bare digits are seconds, as the CLI's --clock-tolerance reads them.
      clockTolerance = parseDuration(
        typeof req.clockTolerance === 'string' && /^\d+$/.test(req.clockTolerance)
          ? Number(req.clockTolerance)
          : req.clockTolerance,
        'clockTolerance',
      );
    if (req.now !== undefined && req.now !== '') {
      now = Date.parse(req.now);
      if (!Number.isFinite(now)) return undefined;
    }
  } catch {
    return undefined;
  }
  return { clockTolerance, now };
}

/**
 * Verify a token for the Verify pane with @tessera/inspect's `verifyReport` — the same checks,
 * failures and wording as `tessera verify` — from key text the user typed. Weak HMAC secrets and
 * short RSA keys still verify, with a warning (status `warning`), because a debugger must show
 * whether a signature matches; the core keeps refusing them by default everywhere else.
 *
 * @example
 * verifyToken({ token, key: { kind: 'secret', value: 'a-32-byte-secret…', encoding: 'utf8' } }).status
 */
export function verifyToken(req: VerifyRequest, nowMs = Date.now()): VerifyReport {
  const decoded = decodeToken(typeof req.token === 'string' ? req.token : '');
  const header = decoded.header?.json;
  const headerAlg = typeof header?.['alg'] === 'string' ? header['alg'] : undefined;
  const kid = typeof header?.['kid'] === 'string' ? header['kid'] : undefined;
  const meta = {
    ...(headerAlg !== undefined ? { alg: headerAlg } : {}),
    ...(kid !== undefined ? { kid } : {}),
  };
  // The allowlist defaults to the header's alg; `none` is never accepted (docs/security.md#alg-none).
  const requested =
    req.algorithms !== undefined && req.algorithms.length > 0
      ? [...req.algorithms]
      : headerAlg !== undefined
        ? [headerAlg]
        : [];
  const algorithms = requested.filter((a): a is JwsAlg => isJwsAlg(a));
  const material = req.key;
  let key: VerifyKey = new Uint8Array(0);
  let keySource: KeySource | undefined;
  const usable =
    decoded.format !== 'invalid' &&
    decoded.format !== 'jwe' &&
    headerAlg !== undefined &&
    isJwsAlg(headerAlg) &&
    algorithms.includes(headerAlg);
  if (usable) {
    const read = keyOf(material, JWS_ALGORITHMS[headerAlg], meta);
    if ('status' in read) return read;
    key = read.key;
    keySource = read.source;
  }
  const clock = clockOf(req, nowMs);
  if (clock === undefined)
    return stopped(
      [
        fail(
          'options',
          'ERR_OPTIONS_INVALID',
          'clock tolerance must be seconds or like "30s"; now must be an ISO 8601 date',
        ),
      ],
      meta,
      'invalid',
    );
  const { clockTolerance, now } = clock;
  const opt = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  let report: InspectReport;
  try {
    report = verifyReport(decoded, key, {
      algorithms,
      allowWeakKey: true,
      clockTolerance,
      currentDate: new Date(now),
      requiredClaims: (req.requiredClaims ?? []).filter((r) => typeof r === 'string' && r !== ''),
      issuer: opt(req.issuer),
      audience: opt(req.audience),
      subject: opt(req.subject),
      typ: opt(req.typ),
    });
  } catch (e) {
    if (isJoseError(e)) return stopped([fail('options', e.code, e.message)], meta, 'invalid');
    throw e;
  }
  const hints =
    !report.signature && usable ? encodingHints(decoded.token, material, algorithms) : [];
  const status: VerifyStatus =
    report.status === 'verified' && report.warnings.length > 0 ? 'warning' : report.status;
  return {
    status,
    ...meta,
    ...(keySource !== undefined ? { keySource } : {}),
    checks: report.checks,
    errors: report.errors,
    warnings: report.warnings,
    hints,
  };
}
