import {
  jsonDate,
  TIME_CLAIMS,
  type DecodedToken,
  type JsonDate,
  type TokenFormat,
} from '@tessera/inspect';

/** One verification failure in `--json` (`verification.errors[]`). */
export interface JsonVerificationError {
  /** A JoseError code such as `ERR_JWT_EXPIRED` or `ERR_SIGNATURE_INVALID`. */
  code: string;
  claim?: string;
  message: string;
  /** For `ERR_JWT_EXPIRED` on `exp`: how long ago the token expired, in seconds. */
  expiredSecondsAgo?: number;
}

export interface JsonVerification {
  status: 'verified' | 'invalid' | 'skipped';
  alg: string | null;
  kid: string | null;
  keySource: string | null;
  errors: JsonVerificationError[];
}

/**
 * The stable `--json` shape of `decode`, `verify` and `sign` (documented in README.md). Keys are
 * always present; absent values are `null`, `{}` or `[]`.
 */
export interface JsonResult {
  /** jwt-cli compatible. */
  header: Record<string, unknown> | null;
  /** jwt-cli compatible; a string when the payload is not JSON; null for JWE. */
  payload: Record<string, unknown> | string | null;
  /** step compatible: the signature segment (base64url). */
  signature: string | null;
  format: TokenFormat | null;
  dates: Record<string, JsonDate>;
  verification: JsonVerification;
  warnings: { code: string; message: string }[];
  /** Set when the command failed before or outside verification (usage, input, key, network). */
  error: { code: string; message: string; exitCode: number } | null;
  /** `sign` only: the token produced. */
  token?: string;
  /** JWE only: the opaque segments. */
  jwe?: { encryptedKey: string; iv: string; ciphertext: string; tag: string };
}

export const SKIPPED: JsonVerification = Object.freeze({
  status: 'skipped',
  alg: null,
  kid: null,
  keySource: null,
  errors: [],
}) as JsonVerification;

/** An empty result (failures before a token was decoded). */
export function emptyResult(): JsonResult {
  return {
    header: null,
    payload: null,
    signature: null,
    format: null,
    dates: {},
    verification: { ...SKIPPED, errors: [] },
    warnings: [],
    error: null,
  };
}

/** Build the `--json` result for a decoded token. */
export function jsonResult(
  d: DecodedToken,
  now: Date,
  warnings: { code: string; message: string }[],
): JsonResult {
  const claims = d.payload?.json;
  const dates: Record<string, JsonDate> = {};
  if (claims !== undefined) {
    for (const c of TIME_CLAIMS) {
      const v = claims[c];
      if (typeof v === 'number' && Number.isFinite(v)) dates[c] = jsonDate(v, now);
    }
  }
  const r: JsonResult = {
    header: d.header?.json ?? null,
    payload: claims ?? (d.format === 'jwe' ? null : (d.payload?.text ?? null)),
    signature: d.signature ?? null,
    format: d.format,
    dates,
    verification: {
      ...SKIPPED,
      alg: typeof d.header?.json?.['alg'] === 'string' ? (d.header.json['alg'] as string) : null,
      kid: typeof d.header?.json?.['kid'] === 'string' ? (d.header.json['kid'] as string) : null,
      errors: [],
    },
    warnings,
    error: null,
  };
  if (d.jwe !== undefined) r.jwe = { ...d.jwe };
  return r;
}

/** Serialize for stdout: two-space indentation and a trailing newline. */
export function stringifyResult(r: unknown): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
