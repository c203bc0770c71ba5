import {
  JWS_ALGORITHMS,
  isJoseError,
  parseDuration,
  verifyCompact,
  verifyJwt,
  JwtClaimError,
  type JwsAlg,
  type VerifyKey,
} from '@tessera/jose';
import { KeyObject } from 'node:crypto';
import { cleanTokenInput } from './token-input.js';
import { claimChecks, type ClaimInputs } from './claim-checks.js';
import { decodeToken } from './decode-token.js';
import {
  SECRET_ENCODINGS,
  decodeSecret,
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
  readonly leeway?: number | string;
  /** The time to check against, ISO 8601 (default now). */
  readonly now?: string;
}

export type VerifyStatus = 'verified' | 'invalid' | 'not_verified' | 'warning';

export interface VerifyCheck {
  /** `token`, `alg`, `key`, `signature`, or a claim name (`exp`, `aud`, …). */
  readonly check: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message: string;
  readonly expiredSecondsAgo?: number;
}

export interface VerifyReport {
  readonly status: VerifyStatus;
  readonly alg?: string;
  readonly kid?: string;
  readonly keySource?: KeySource;
  readonly checks: readonly VerifyCheck[];
  /** The failing checks (the status card lists every one). */
  readonly errors: readonly VerifyCheck[];
  readonly warnings: readonly { code: string; message: string }[];
  /** e.g. "the secret verifies when read as base64". */
  readonly hints: readonly string[];
}

const isJwsAlg = (a: string): a is JwsAlg =>
  Object.prototype.hasOwnProperty.call(JWS_ALGORITHMS, a);

// Error messages from @tessera/jose never contain a token, key or secret, so they are shown as
// they are; anything else is replaced, since we cannot vouch for what it contains.
function failure(check: string, e: unknown): VerifyCheck {
  if (isJoseError(e))
    return {
      check: e instanceof JwtClaimError ? e.claim : check,
      ok: false,
      code: e.code,
      message: e.message,
    };
  return { check, ok: false, code: 'ERR_UNEXPECTED', message: 'unexpected failure' };
}

function finish(
  checks: VerifyCheck[],
  warnings: { code: string; message: string }[],
  hints: string[],
  extra: { alg?: string; kid?: string; keySource?: KeySource },
  stop?: 'not_verified',
): VerifyReport {
  const errors = checks.filter((c) => !c.ok);
  const status: VerifyStatus =
    stop ?? (errors.length > 0 ? 'invalid' : warnings.length > 0 ? 'warning' : 'verified');
  return { status, ...extra, checks, errors, warnings, hints };
}

/**
 * Verify a token for the Verify pane: the signature with the given key and algorithm
 * allow-list, then every claim check, all listed. Weak HMAC secrets and short RSA keys still
 * verify, with a warning (status `warning`), because a debugger must show whether a signature
 * matches; the JOSE core keeps refusing them by default everywhere else. The token is never
 * rewritten.
 *
 * @example
 * verifyToken({ token, key: { kind: 'secret', value: 'a-32-byte-secret…', encoding: 'utf8' } }).status
 */
export function verifyToken(req: VerifyRequest, nowMs = Date.now()): VerifyReport {
  const checks: VerifyCheck[] = [];
  const warnings: { code: string; message: string }[] = [];
  const hints: string[] = [];
  const token = cleanTokenInput(typeof req.token === 'string' ? req.token : '').token;
  const decoded = decodeToken(token, nowMs / 1000);
  const header = decoded.header;
  const kid = typeof header?.['kid'] === 'string' ? header['kid'] : undefined;
  if (decoded.format === 'jwe') {
    checks.push({
      check: 'token',
      ok: false,
      code: 'ERR_JWS_MALFORMED',
      message: 'an encrypted token (JWE) cannot be verified as a signed token',
    });
    return finish(checks, warnings, hints, {}, 'not_verified');
  }
  if (header === undefined || decoded.parts.length !== 3) {
    checks.push({
      check: 'token',
      ok: false,
      code: 'ERR_JWS_MALFORMED',
      message: 'not a compact signed token (three segments with a JSON header)',
    });
    return finish(checks, warnings, hints, {});
  }
  const headerAlg = typeof header['alg'] === 'string' ? header['alg'] : undefined;
  // The allow-list defaults to the header's alg, but `none` is never accepted (docs/security.md#alg-none).
  const requested =
    req.algorithms !== undefined && req.algorithms.length > 0
      ? [...req.algorithms]
      : headerAlg !== undefined
        ? [headerAlg]
        : [];
  const algorithms = requested.filter(
    (a): a is JwsAlg => typeof a === 'string' && a.toLowerCase() !== 'none' && isJwsAlg(a),
  );
  const meta = {
    ...(headerAlg !== undefined ? { alg: headerAlg } : {}),
    ...(kid !== undefined ? { kid } : {}),
  };
  if (headerAlg === undefined || !algorithms.includes(headerAlg as JwsAlg)) {
    checks.push({
      check: 'alg',
      ok: false,
      code: 'ERR_ALG_NOT_ALLOWED',
      message:
        headerAlg?.toLowerCase() === 'none'
          ? 'alg "none" is never accepted'
          : "the token's alg is not in the allow-list",
    });
    return finish(checks, warnings, hints, meta);
  }
  const alg = JWS_ALGORITHMS[headerAlg as JwsAlg];
  checks.push({ check: 'alg', ok: true, message: `${alg.alg} is allowed` });

  let key: VerifyKey;
  let keySource: KeySource;
  let secretBytes: Uint8Array | undefined;
  const material = req.key;
  try {
    if (
      material === undefined ||
      typeof material.value !== 'string' ||
      material.value.length === 0
    ) {
      checks.push({
        check: 'key',
        ok: false,
        code: 'ERR_KEY_INVALID',
        message: 'no key given: the signature was not checked',
      });
      return finish(checks, warnings, hints, meta, 'not_verified');
    }
    if (material.kind === 'secret') {
      if (alg.family !== 'hmac') {
        checks.push({
          check: 'key',
          ok: false,
          code: 'ERR_KEY_INVALID',
          message: `${alg.alg} needs a public key, not a secret`,
        });
        return finish(checks, warnings, hints, meta);
      }
      const encoding: SecretEncoding = material.encoding ?? 'utf8';
      secretBytes = decodeSecret(material.value, encoding);
      if (secretBytes === undefined) {
        checks.push({
          check: 'key',
          ok: false,
          code: 'ERR_KEY_INVALID',
          message: `the secret is not valid ${encoding}`,
        });
        return finish(checks, warnings, hints, meta, 'not_verified');
      }
      key = secretBytes;
      keySource = 'secret';
      if (secretBytes.length < alg.minSecretBytes) {
        warnings.push({
          code: 'WEAK_SECRET',
          message: `the secret has ${secretBytes.length} bytes; ${alg.alg} requires at least ${alg.minSecretBytes} (RFC 7518 §3.2)`,
        });
      }
    } else {
      if (alg.family === 'hmac') {
        checks.push({
          check: 'key',
          ok: false,
          code: 'ERR_KEY_INVALID',
          message: `${alg.alg} needs a secret, not a public key (RFC 8725 §3.1)`,
        });
        return finish(checks, warnings, hints, meta);
      }
      const read = readVerificationKey(material.value, alg.alg, material.kid);
      key = read.key;
      keySource = read.source;
    }
  } catch (e) {
    checks.push(failure('key', e));
    return finish(checks, warnings, hints, meta);
  }
  const policy = { allowWeakSecret: true, allowInsecureKeySize: true };
  const withSource = { ...meta, keySource };
  let verifiedWith: KeyObject;
  try {
    verifiedWith = verifyCompact(token, key, { algorithms, ...policy }).key;
    checks.push({
      check: 'signature',
      ok: true,
      message: `signature verified (${alg.alg}${kid !== undefined ? `, kid=${kid}` : ''})`,
    });
  } catch (e) {
    checks.push(failure('signature', e));
    if (secretBytes !== undefined && material.kind === 'secret') {
      for (const other of SECRET_ENCODINGS) {
        if (other === (material.encoding ?? 'utf8')) continue;
        const bytes = decodeSecret(material.value, other);
        if (bytes === undefined || bytes.length === 0) continue;
        try {
          verifyCompact(token, bytes, { algorithms, ...policy });
          hints.push(`the signature verifies when the secret is read as ${other}`);
        } catch {
          // not this encoding either
        }
      }
    }
    return finish(checks, warnings, hints, withSource);
  }
  if (alg.family !== 'hmac' && verifiedWith.asymmetricKeyType === 'rsa') {
    const bits = verifiedWith.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048)
      warnings.push({
        code: 'WEAK_KEY',
        message: `the RSA key has ${bits} bits; at least 2048 are required (RFC 7518 §3.3)`,
      });
  }

  // Claims are read only now that the signature verified (docs/architecture.md#verification-order).
  let leeway = 0;
  let now = nowMs / 1000;
  try {
    if (req.leeway !== undefined && req.leeway !== '') leeway = parseDuration(req.leeway, 'leeway');
    if (req.now !== undefined && req.now !== '') {
      const t = Date.parse(req.now);
      if (!Number.isFinite(t)) throw new Error('bad date');
      now = t / 1000;
    }
  } catch {
    checks.push({
      check: 'options',
      ok: false,
      code: 'ERR_OPTIONS_INVALID',
      message: 'leeway must be seconds or like "30s"; now must be an ISO 8601 date',
    });
    return finish(checks, warnings, hints, withSource);
  }
  const payload = decoded.payload;
  if (payload === undefined) {
    checks.push({
      check: 'payload',
      ok: false,
      code: 'ERR_JSON_INVALID',
      message: 'the payload is not a JSON object (not a JWT)',
    });
    return finish(checks, warnings, hints, withSource);
  }
  const inputs: ClaimInputs = {
    required: (req.requiredClaims ?? []).filter((r) => typeof r === 'string' && r !== ''),
    leeway,
    now,
  };
  const opt = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  if (opt(req.issuer) !== undefined) inputs.issuer = opt(req.issuer)!;
  if (opt(req.audience) !== undefined) inputs.audience = opt(req.audience)!;
  if (opt(req.subject) !== undefined) inputs.subject = opt(req.subject)!;
  if (opt(req.typ) !== undefined) inputs.typ = opt(req.typ)!;
  const listed = claimChecks(payload, header['typ'], inputs);
  checks.push(...listed);
  try {
    verifyJwt(token, key, {
      algorithms,
      ...policy,
      clockTolerance: leeway,
      currentDate: new Date(now * 1000),
      requiredClaims: inputs.required,
      ...(inputs.issuer !== undefined ? { issuer: inputs.issuer } : {}),
      ...(inputs.audience !== undefined ? { audience: inputs.audience } : {}),
      ...(inputs.subject !== undefined ? { subject: inputs.subject } : {}),
      ...(inputs.typ !== undefined ? { typ: inputs.typ } : {}),
    });
  } catch (e) {
    // The core refused for a reason the per-claim list did not name (e.g. nested cty): add it.
    const f = failure('claims', e);
    if (!checks.some((c) => !c.ok && c.code === f.code && c.check === f.check)) checks.push(f);
  }
  return finish(checks, warnings, hints, withSource);
}
