/**
 * The JWS JSON serializations' rules both cores share (RFC 7515 §7.2; the Node.js core's
 * jws/json.ts and the Web Crypto entry's webcrypto/jws-json.ts): the object shapes, the
 * unprotected header rules, the size caps, the detached payload, each signature entry parsed and
 * checked up to the signing input. Pure TypeScript: no `node:` module, no key handling; only the
 * sign and verify calls differ per entry.
 */
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { utf8, utf8Decode } from '../base/bytes.js';
import { isJsonObject, type JsonObject } from '../base/json.js';
import { jwsAlgorithm, type JwsAlgorithm } from '../base/algorithms.js';
import { b64Of, checkDisjoint, checkHeaderTypes, type JoseHeader } from '../base/header.js';
import {
  buildProtectedHeader,
  checkJwsHeaders,
  parseProtectedHeader,
  payloadBytes,
  signingInput,
  type PreparedVerify,
  type SignOptions,
  type VerifyOptions,
} from './rules.js';

/** RFC 7515 §7.2.2 flattened JWS JSON serialization. */
export interface FlattenedJws {
  payload?: string;
  protected?: string;
  header?: JoseHeader;
  signature: string;
}

/** One signature of a general JWS. */
export interface JwsSignatureEntry {
  protected?: string;
  header?: JoseHeader;
  signature: string;
}

/** RFC 7515 §7.2.1 general JWS JSON serialization. */
export interface GeneralJws {
  payload?: string;
  signatures: JwsSignatureEntry[];
}

export interface JsonSignOptions extends SignOptions {
  /** Unprotected header parameters (must not repeat protected ones). */
  unprotectedHeader?: Record<string, unknown>;
}

export interface JsonVerifyOptions extends VerifyOptions {
  /** The payload when the JWS has none (detached content). */
  detachedPayload?: Uint8Array | string;
}

export interface JsonVerifyResult {
  payload: Uint8Array;
  protectedHeader: JoseHeader;
  unprotectedHeader: JoseHeader | undefined;
}

/** Maximum number of signatures in a general JWS that will be looked at (docs/security.md#cost-limits). */
export const MAX_SIGNATURES = 16;

/** The `payload` member: base64url, or (RFC 7797 §5.3, `b64: false`) the UTF-8 text itself. */
export function payloadPart(payload: Uint8Array | string, b64: boolean): string {
  const bytes = payloadBytes(payload);
  return b64 ? encodeBase64url(bytes) : utf8Decode(bytes);
}

/** The extra protected parameters of an unencoded payload (`b64: false`, `crit: ["b64"]`). */
export function b64HeaderFor(b64: boolean, o: SignOptions): Record<string, unknown> | undefined {
  return b64
    ? undefined
    : { b64: false, crit: [...new Set([...((o.header?.['crit'] as string[]) ?? []), 'b64'])] };
}

/** One signature about to be made: its protected header and `alg` row, before the key. */
export interface SignaturePlan {
  readonly header: JoseHeader;
  readonly alg: JwsAlgorithm;
}

/** The protected header of one signature (step 1; then the entry prepares the key for `alg`). */
export function planSignature(o: JsonSignOptions, b64: boolean): SignaturePlan {
  const header = buildProtectedHeader(o, b64HeaderFor(b64, o));
  return { header, alg: jwsAlgorithm(header.alg) };
}

/**
 * Step 2, after the key: the unprotected header rules (`alg`, `crit`, `b64` protected only;
 * disjoint headers; types), the protected segment and the signing input.
 */
export function signatureInput(
  plan: SignaturePlan,
  o: JsonSignOptions,
  payload: string,
  b64: boolean,
): { protectedB64: string; unprotected: JoseHeader | undefined; data: Uint8Array | string } {
  const unprotected = o.unprotectedHeader;
  if (unprotected !== undefined) {
    if (!isJsonObject(unprotected))
      throw new JoseError('ERR_OPTIONS_INVALID', 'unprotectedHeader must be an object');
    if (
      unprotected['alg'] !== undefined ||
      unprotected['crit'] !== undefined ||
      unprotected['b64'] !== undefined
    ) {
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        '"alg", "crit" and "b64" belong in the protected header',
      );
    }
    checkDisjoint(plan.header as JsonObject, unprotected);
    checkHeaderTypes(unprotected);
  }
  const protectedB64 = encodeBase64url(JSON.stringify(plan.header));
  return {
    protectedB64,
    unprotected: unprotected === undefined ? undefined : ({ ...unprotected } as JoseHeader),
    data: signingInput(protectedB64, b64 ? payload : utf8(payload), b64),
  };
}

/** Step 3: the signature entry. */
export function signatureEntry(
  s: { protectedB64: string; unprotected: JoseHeader | undefined },
  sig: Uint8Array,
): { protected: string; header?: JoseHeader; signature: string } {
  return {
    protected: s.protectedB64,
    ...(s.unprotected !== undefined ? { header: s.unprotected } : {}),
    signature: encodeBase64url(sig),
  };
}

/** signFlattened's options check. */
export function checkFlattenedSignOptions(options: unknown): void {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
}

/** signGeneral's arguments check. */
export function checkSigners(signers: unknown, options: unknown): void {
  const notObject = (v: unknown) => typeof v !== 'object' || v === null;
  if (
    !Array.isArray(signers) ||
    signers.length === 0 ||
    signers.some(notObject) ||
    notObject(options)
  ) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'at least one signer (an options object with its key) is required',
    );
  }
}

/** One signature entry, parsed and checked, ready for the key lookup and the signature check. */
export interface CheckedSignature {
  readonly alg: JwsAlgorithm;
  readonly kid: unknown;
  readonly data: Uint8Array | string;
  readonly sig: Uint8Array;
  readonly result: JsonVerifyResult;
}

function checkEntryShape(entry: unknown): { prot: string; header?: JsonObject; signature: string } {
  if (!isJsonObject(entry))
    throw new JoseError('ERR_JWS_MALFORMED', 'a JWS signature entry must be an object');
  const { protected: prot, header, signature } = entry;
  if (typeof prot !== 'string' || prot.length === 0) {
    // docs/security.md#protected-alg: alg must come from the protected header, so one is required.
    throw new JoseError('ERR_JWS_MALFORMED', 'a protected header is required');
  }
  if (typeof signature !== 'string')
    throw new JoseError('ERR_JWS_MALFORMED', '"signature" must be a string');
  if (header !== undefined && !isJsonObject(header)) {
    throw new JoseError('ERR_JWS_MALFORMED', '"header" must be an object');
  }
  return { prot, ...(header !== undefined ? { header } : {}), signature };
}

function payloadMemberPart(
  payloadMember: unknown,
  detached: Uint8Array | string | undefined,
  b64: boolean,
): string {
  // RFC 7515 Appendix F: detached content omits "payload"; "" is an empty payload unless the
  // caller supplies the detached one.
  if (payloadMember === undefined || (payloadMember === '' && detached !== undefined)) {
    if (detached === undefined)
      throw new JoseError('ERR_JWS_MALFORMED', 'the JWS has no payload and none was given');
    return payloadPart(detached, b64);
  }
  if (detached !== undefined) {
    // A caller verifying detached content must never get a success for other, attached content.
    throw new JoseError(
      'ERR_JWS_MALFORMED',
      'detached content was given, but the JWS carries a payload',
    );
  }
  if (typeof payloadMember === 'string') return payloadMember;
  throw new JoseError('ERR_JWS_MALFORMED', '"payload" must be a string');
}

/**
 * Everything of one signature entry before its keys, in the verification order: shape → size
 * cap → strict protected header → header rules and `alg` allowlist → payload → strict base64url
 * of every segment.
 */
export function checkSignatureEntry(
  payloadMember: unknown,
  entry: unknown,
  p: PreparedVerify,
  detached: Uint8Array | string | undefined,
): CheckedSignature {
  const { prot, header, signature } = checkEntryShape(entry);
  // docs/security.md#token-size: the size cap covers each signature entry's own strings too, before anything is decoded.
  const size =
    prot.length + signature.length + (typeof payloadMember === 'string' ? payloadMember.length : 0);
  if (size > p.maxTokenLength) {
    throw new JoseError(
      'ERR_TOKEN_TOO_LARGE',
      `the JWS is longer than ${p.maxTokenLength} characters`,
    );
  }
  const protectedHeader = parseProtectedHeader(prot);
  const alg = checkJwsHeaders(protectedHeader, header, p);
  const b64 = b64Of(protectedHeader);
  const part = payloadMemberPart(payloadMember, detached, b64);
  const sig = decodeBase64url(signature, 'signature');
  // docs/architecture.md#verification-order: every segment is strict base64url before the
  // signature is checked (docs/security.md#base64url).
  const payload = b64 ? decodeBase64url(part, 'payload') : utf8(part);
  return {
    alg,
    kid: protectedHeader['kid'] ?? header?.['kid'],
    data: signingInput(prot, b64 ? part : payload, b64),
    sig,
    result: {
      payload,
      protectedHeader: protectedHeader as JoseHeader,
      unprotectedHeader: header as JoseHeader | undefined,
    },
  };
}

function checkJsonSize(jws: JsonObject, max: number): void {
  let n = 0;
  for (const v of Object.values(jws)) if (typeof v === 'string') n += v.length;
  if (n > max)
    throw new JoseError('ERR_TOKEN_TOO_LARGE', `the JWS is longer than ${max} characters`);
}

/** verifyFlattened's object checks; returns the object (it is its own signature entry). */
export function checkFlattenedJws(jws: unknown, p: PreparedVerify): JsonObject {
  if (!isJsonObject(jws))
    throw new JoseError('ERR_JWS_MALFORMED', 'a flattened JWS must be an object');
  if ('signatures' in jws)
    throw new JoseError('ERR_JWS_MALFORMED', 'this is a general JWS: use verifyGeneral');
  checkJsonSize(jws, p.maxTokenLength);
  return jws;
}

/** verifyGeneral's object checks; returns the signature entries (at most MAX_SIGNATURES). */
export function generalSignatures(jws: unknown, p: PreparedVerify): unknown[] {
  if (!isJsonObject(jws) || !Array.isArray(jws['signatures']) || jws['signatures'].length === 0) {
    throw new JoseError('ERR_JWS_MALFORMED', 'a general JWS needs a non-empty "signatures" array');
  }
  const sigs = jws['signatures'] as unknown[];
  if (sigs.length > MAX_SIGNATURES) throw new JoseError('ERR_JWS_MALFORMED', 'too many signatures');
  checkJsonSize(jws, p.maxTokenLength * sigs.length);
  return sigs;
}
