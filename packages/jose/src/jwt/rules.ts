/**
 * The JWT rules both cores share (this folder's Node.js core and the Web Crypto entry): option
 * types and validation, the signed header, the JWT-specific header checks. No `node:` module.
 */
import { JoseError } from '../base/errors.js';
import { isJsonObject, type JsonObject } from '../base/json.js';
import type { JwsAlg, JwsAlgorithm } from '../base/algorithms.js';
import type { JoseHeader } from '../base/header.js';
import type { KeyPolicy } from '../keys/policy.js';
import {
  buildProtectedHeader,
  checkJwsHeaders,
  prepareVerify,
  type PreparedVerify,
} from '../jws/rules.js';
import type { ClaimSetOptions } from './claim-set.js';
import { prepareClaimChecks, type ClaimOptions } from './claims.js';

export interface SignJwtOptions extends KeyPolicy, ClaimSetOptions {
  alg: JwsAlg;
  kid?: string;
  /** Header `typ` (default `"JWT"`; `false` leaves it out). */
  typ?: string | false;
  /** Further protected header parameters. */
  header?: Record<string, unknown>;
}

export interface VerifyJwtOptions extends ClaimOptions, KeyPolicy {
  /** Allowlist of accepted `alg` values. Required. */
  algorithms: readonly JwsAlg[];
  /** Critical header extensions the caller understands. */
  crit?: readonly string[] | Readonly<Record<string, boolean>>;
  /** Maximum token length in characters (default 16384). */
  maxTokenLength?: number;
  /** Accept duplicate member names in the claims (last wins). Default false. */
  allowDuplicateClaims?: boolean;
}

/** JWT verify options validated once. */
export interface PreparedJwtVerify {
  readonly jws: PreparedVerify;
  readonly claims: ReturnType<typeof prepareClaimChecks>;
  readonly allowDuplicateClaims: boolean;
}

/** Validate JWT verify options (ERR_OPTIONS_INVALID at configuration time). */
export function prepareJwtVerify(o: VerifyJwtOptions): PreparedJwtVerify {
  // b64 is not understood: RFC 7797 §7 — JWTs always use base64url payloads.
  const jws = prepareVerify(o, false);
  return {
    jws,
    claims: prepareClaimChecks(o),
    allowDuplicateClaims: o.allowDuplicateClaims === true,
  };
}

/** The protected header a JWT is signed with: `typ` defaults to "JWT"; no `b64`, no `crit`. */
export function jwtSignHeader(o: SignJwtOptions): JoseHeader {
  if (!isJsonObject(o)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  // An explicit `header.typ` is kept; the "JWT" default only fills an absent one.
  const headerTyp = isJsonObject(o.header) ? o.header['typ'] : undefined;
  const typ = o.typ === undefined ? (headerTyp === undefined ? 'JWT' : headerTyp) : o.typ;
  if (typ !== false && (typeof typ !== 'string' || typ.length === 0)) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'typ must be a non-empty string or false');
  }
  const header = buildProtectedHeader(o, typ === false ? undefined : { typ });
  if (header['b64'] !== undefined || header['crit'] !== undefined) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'a JWT header may not carry "b64" or "crit" here');
  }
  return header;
}

/** The JWS header rules, then the JWT ones; returns the algorithm row. */
export function checkJwtHeader(protectedHeader: JsonObject, v: PreparedJwtVerify): JwsAlgorithm {
  const alg = checkJwsHeaders(protectedHeader, undefined, v.jws);
  if (protectedHeader['b64'] !== undefined) {
    // RFC 7797 §7: a JWT payload is always base64url. Reading one that says otherwise as
    // base64url would be a split-brain with verifiers that honour it (even without `crit`).
    throw new JoseError('ERR_HEADER_INVALID', '"b64" is not used in JWTs (RFC 7797 §7)');
  }
  const cty = protectedHeader['cty'];
  if (typeof cty === 'string' && cty.toUpperCase() === 'JWT') {
    // docs/security.md#nested: a nested JWT is never unwrapped silently; the caller verifies the inner one itself.
    throw new JoseError('ERR_JWT_NESTED', 'nested JWTs (cty: JWT) are not accepted here');
  }
  return alg;
}
