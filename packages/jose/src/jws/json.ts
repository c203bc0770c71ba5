import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { utf8, utf8Decode } from '../base/bytes.js';
import { isJsonObject, type JsonObject } from '../base/json.js';
import { jwsAlgorithm } from '../base/algorithms.js';
import { b64Of, checkDisjoint, checkHeaderTypes, type JoseHeader } from '../base/header.js';
import { prepareKey, type KeyInput } from '../keys/keys.js';
import { signBytes } from './signature.js';
import {
  buildProtectedHeader,
  checkJwsHeaders,
  keysFor,
  parseProtectedHeader,
  payloadBytes,
  prepareVerify,
  signingInput,
  verifyWithKeys,
  type PreparedVerify,
  type SignOptions,
  type VerifyKey,
  type VerifyOptions,
} from './compact.js';

/** RFC 7515 §7.2.2 flattened JWS JSON serialization. */
export interface FlattenedJws {
  payload?: string;
  protected?: string;
  header?: JoseHeader;
  signature: string;
}

/** RFC 7515 §7.2.1 general JWS JSON serialization. */
export interface GeneralJws {
  payload?: string;
  signatures: { protected?: string; header?: JoseHeader; signature: string }[];
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

function payloadPart(payload: Uint8Array | string, b64: boolean): string {
  const bytes = payloadBytes(payload);
  // RFC 7797 §5.3: in the JSON forms an unencoded payload is the JSON string of its UTF-8 text.
  return b64 ? encodeBase64url(bytes) : utf8Decode(bytes);
}

function oneSignature(
  payload: string,
  b64: boolean,
  key: KeyInput,
  o: JsonSignOptions,
  b64Header: Record<string, unknown> | undefined,
): { protected: string; header?: JoseHeader; signature: string } {
  const header = buildProtectedHeader(o, b64Header);
  const alg = jwsAlgorithm(header.alg);
  const k = prepareKey(key, alg, 'sign', o);
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
    checkDisjoint(header as JsonObject, unprotected);
    checkHeaderTypes(unprotected);
  }
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const sig = signBytes(alg, k, signingInput(protectedB64, b64 ? payload : utf8(payload), b64));
  return {
    protected: protectedB64,
    ...(unprotected !== undefined ? { header: { ...unprotected } as JoseHeader } : {}),
    signature: encodeBase64url(sig),
  };
}

const b64HeaderFor = (b64: boolean, o: SignOptions) =>
  b64
    ? undefined
    : { b64: false, crit: [...new Set([...((o.header?.['crit'] as string[]) ?? []), 'b64'])] };

/**
 * Sign into the flattened JWS JSON serialization (RFC 7515 §7.2.2).
 *
 * @example
 * const jws = signFlattened('hello', privateKey, { alg: 'ES256', unprotectedHeader: { kid: 'k1' } });
 */
export function signFlattened(
  payload: Uint8Array | string,
  key: KeyInput,
  options: JsonSignOptions & { b64?: boolean },
): FlattenedJws {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const b64 = options.b64 !== false;
  const p = payloadPart(payload, b64);
  return { payload: p, ...oneSignature(p, b64, key, options, b64HeaderFor(b64, options)) };
}

/**
 * Sign with several keys into the general JWS JSON serialization (RFC 7515 §7.2.1).
 */
export function signGeneral(
  payload: Uint8Array | string,
  signers: readonly (JsonSignOptions & { key: KeyInput })[],
  options: { b64?: boolean } = {},
): GeneralJws {
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
  const b64 = options.b64 !== false;
  const p = payloadPart(payload, b64);
  return {
    payload: p,
    signatures: signers.map((s) => oneSignature(p, b64, s.key, s, b64HeaderFor(b64, s))),
  };
}

function verifyOne(
  payloadMember: unknown,
  entry: unknown,
  source: VerifyKey,
  p: PreparedVerify,
  detached: Uint8Array | string | undefined,
): JsonVerifyResult {
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
  let part: string;
  // RFC 7515 Appendix F: detached content omits "payload"; "" is an empty payload unless the
  // caller supplies the detached one.
  if (payloadMember === undefined || (payloadMember === '' && detached !== undefined)) {
    if (detached === undefined)
      throw new JoseError('ERR_JWS_MALFORMED', 'the JWS has no payload and none was given');
    part = payloadPart(detached, b64);
  } else if (detached !== undefined) {
    // A caller verifying detached content must never get a success for other, attached content.
    throw new JoseError(
      'ERR_JWS_MALFORMED',
      'detached content was given, but the JWS carries a payload',
    );
  } else if (typeof payloadMember === 'string') {
    part = payloadMember;
  } else {
    throw new JoseError('ERR_JWS_MALFORMED', '"payload" must be a string');
  }
  const sig = decodeBase64url(signature, 'signature');
  // docs/architecture.md#verification-order: every segment is strict base64url before the
  // signature is checked (docs/security.md#base64url).
  const payload = b64 ? decodeBase64url(part, 'payload') : utf8(part);
  const kid = protectedHeader['kid'] ?? header?.['kid'];
  const keys = keysFor(source, alg, kid, p.policy);
  verifyWithKeys(alg, keys, signingInput(prot, b64 ? part : payload, b64), sig);
  return {
    payload,
    protectedHeader: protectedHeader as JoseHeader,
    unprotectedHeader: header as JoseHeader | undefined,
  };
}

/**
 * Verify a flattened JWS JSON object. `alg` is read from the protected header only, and the
 * protected and unprotected headers must be disjoint (docs/security.md#protected-alg, #crit).
 */
export function verifyFlattened(
  jws: FlattenedJws,
  key: VerifyKey,
  options: JsonVerifyOptions,
): JsonVerifyResult {
  const p = prepareVerify(options, true);
  if (!isJsonObject(jws))
    throw new JoseError('ERR_JWS_MALFORMED', 'a flattened JWS must be an object');
  if ('signatures' in jws)
    throw new JoseError('ERR_JWS_MALFORMED', 'this is a general JWS: use verifyGeneral');
  checkJsonSize(jws, p.maxTokenLength);
  return verifyOne(jws['payload'], jws, key, p, options.detachedPayload);
}

/**
 * Verify a general JWS JSON object: succeeds when one of its signatures (at most 16 are tried)
 * verifies with the given keys.
 */
export function verifyGeneral(
  jws: GeneralJws,
  key: VerifyKey,
  options: JsonVerifyOptions,
): JsonVerifyResult {
  const p = prepareVerify(options, true);
  if (!isJsonObject(jws) || !Array.isArray(jws['signatures']) || jws['signatures'].length === 0) {
    throw new JoseError('ERR_JWS_MALFORMED', 'a general JWS needs a non-empty "signatures" array');
  }
  const sigs = jws['signatures'] as unknown[];
  if (sigs.length > MAX_SIGNATURES) throw new JoseError('ERR_JWS_MALFORMED', 'too many signatures');
  checkJsonSize(jws, p.maxTokenLength * sigs.length);
  let firstError: unknown;
  for (const entry of sigs) {
    try {
      return verifyOne(jws['payload'], entry, key, p, options.detachedPayload);
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}

function checkJsonSize(jws: JsonObject, max: number): void {
  let n = 0;
  for (const v of Object.values(jws)) if (typeof v === 'string') n += v.length;
  if (n > max)
    throw new JoseError('ERR_TOKEN_TOO_LARGE', `the JWS is longer than ${max} characters`);
}
