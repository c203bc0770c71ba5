import type { KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { isJsonObject } from '../base/json.js';
import { jwsAlgorithm, type JwsAlgorithm } from '../base/algorithms.js';
import { b64Of } from '../base/header.js';
import type { JoseHeader } from '../base/header.js';
import { prepareKey, type KeyInput, type KeyPolicy } from '../keys/keys.js';
import { isKeySet, type KeyResolver, type KeySet } from '../jwks/local.js';
import { signBytes, verifyBytes } from './signature.js';
import {
  buildProtectedHeader,
  checkJwsHeaders,
  isUtf8,
  parseProtectedHeader,
  payloadBytes,
  prepareVerify,
  resolvedNoKey,
  signingInput,
  splitCompact,
  type PreparedVerify,
  type SignOptions,
  type VerifyOptions,
} from './rules.js';

export {
  DEFAULT_MAX_TOKEN_LENGTH,
  buildProtectedHeader,
  checkJwsHeaders,
  parseProtectedHeader,
  payloadBytes,
  prepareVerify,
  signingInput,
  splitCompact,
} from './rules.js';
export type { PreparedVerify, SignOptions, VerifyOptions } from './rules.js';

/** Where verification keys come from: one key, a key set, or a resolver of `alg`/`kid`. */
export type VerifyKey = KeyInput | KeySet | KeyResolver;

export interface CompactVerifyOptions extends VerifyOptions {
  /** The payload of a detached-content JWS (RFC 7515 Appendix F), whose payload segment is empty. */
  detachedPayload?: Uint8Array | string;
}

export interface VerifyResult {
  payload: Uint8Array;
  protectedHeader: JoseHeader;
  /** The key that verified the signature. */
  key: KeyObject;
}

/** Candidate keys for a header (docs/security.md#empty-secret: an empty key from a resolver is "not found"). */
export function keysFor(
  source: VerifyKey,
  alg: JwsAlgorithm,
  kid: unknown,
  policy: KeyPolicy,
): KeyObject[] {
  const k = typeof kid === 'string' ? kid : undefined;
  if (isKeySet(source)) return source.select(alg, k, policy);
  if (typeof source === 'function') {
    const found = source(Object.freeze({ alg: alg.alg, kid: k }));
    if (resolvedNoKey(found))
      throw new JoseError('ERR_KEY_NOT_FOUND', 'the key resolver found no key for this token');
    return [prepareKey(found, alg, 'verify', policy)];
  }
  return [prepareKey(source, alg, 'verify', policy)];
}

/** Verify with each candidate in turn; returns the key that verified, or throws. */
export function verifyWithKeys(
  alg: JwsAlgorithm,
  keys: readonly KeyObject[],
  data: Uint8Array | string,
  sig: Uint8Array,
): KeyObject {
  if (sig.length === 0) {
    // docs/security.md#alg-none special case: a key is configured, so an empty signature is never acceptable.
    throw new JoseError('ERR_SIGNATURE_INVALID', 'signature required');
  }
  for (const key of keys) if (verifyBytes(alg, key, data, sig)) return key;
  throw new JoseError('ERR_SIGNATURE_INVALID', 'signature verification failed');
}

export interface SignCompactOptions extends SignOptions {
  /** RFC 7797 unencoded payload: adds `b64: false` and `crit: ["b64"]` to the protected header. */
  b64?: boolean;
  /** Leave the payload segment empty (detached content, RFC 7515 Appendix F). */
  detached?: boolean;
}

/**
 * Sign a payload into a compact JWS.
 *
 * @example
 * const jws = signCompact('hello', secret, { alg: 'HS256' });
 */
export function signCompact(
  payload: Uint8Array | string,
  key: KeyInput,
  options: SignCompactOptions,
): string {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const b64 = options.b64 !== false;
  const header = buildProtectedHeader(
    options,
    b64
      ? undefined
      : {
          b64: false,
          crit: [...new Set([...((options.header?.['crit'] as string[]) ?? []), 'b64'])],
        },
  );
  const alg = jwsAlgorithm(header.alg);
  const k = prepareKey(key, alg, 'sign', options);
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const bytes = payloadBytes(payload);
  let part: string | Uint8Array;
  if (b64) part = encodeBase64url(bytes);
  else {
    if (!options.detached && bytes.includes(0x2e)) {
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        'an unencoded compact payload may not contain "." (use detached)',
      );
    }
    if (!options.detached && !isUtf8(bytes)) {
      // The payload travels as text, so bytes that are not UTF-8 would not survive (RFC 7797 §5.2).
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        'an unencoded compact payload must be UTF-8 text (use detached)',
      );
    }
    part = bytes;
  }
  const sig = signBytes(alg, k, signingInput(protectedB64, part, b64));
  const shown = options.detached
    ? ''
    : typeof part === 'string'
      ? part
      : Buffer.from(part).toString('utf8');
  return `${protectedB64}.${shown}.${encodeBase64url(sig)}`;
}

/**
 * Verify a compact JWS in the fixed order: size → split → strict base64url → strict JSON →
 * header rules → `alg` allowlist → key fits `alg` → signature. Returns the payload bytes.
 */
export function verifyCompactPrepared(
  jws: unknown,
  source: VerifyKey,
  p: PreparedVerify,
  detachedPayload: Uint8Array | string | undefined,
): VerifyResult {
  const [h, pl, s] = splitCompact(jws, p.maxTokenLength);
  const protectedHeader = parseProtectedHeader(h);
  const alg = checkJwsHeaders(protectedHeader, undefined, p);
  const b64 = b64Of(protectedHeader);
  let part: string | Uint8Array = pl;
  if (detachedPayload !== undefined) {
    // A caller verifying detached content must never get a success for other, attached content.
    if (pl.length !== 0)
      throw new JoseError(
        'ERR_JWS_MALFORMED',
        'detached content was given, but the JWS carries a payload',
      );
    const bytes = payloadBytes(detachedPayload);
    part = b64 ? encodeBase64url(bytes) : bytes;
  }
  const sig = decodeBase64url(s, 'signature');
  // docs/architecture.md#verification-order: every segment is strict base64url before the
  // signature is checked (docs/security.md#base64url).
  const payload = b64
    ? decodeBase64url(typeof part === 'string' ? part : '', 'payload')
    : payloadBytes(part);
  const keys = keysFor(source, alg, protectedHeader['kid'], p.policy);
  const data = signingInput(h, part, b64);
  const key = verifyWithKeys(alg, keys, data, sig);
  return { payload, protectedHeader: protectedHeader as JoseHeader, key };
}

/**
 * Verify a compact JWS (RFC 7515 §7.1) and return its payload bytes and protected header.
 *
 * @example
 * const { payload } = verifyCompact(jws, publicKey, { algorithms: ['ES256'] });
 */
export function verifyCompact(
  jws: string,
  key: VerifyKey,
  options: CompactVerifyOptions,
): VerifyResult {
  return verifyCompactPrepared(jws, key, prepareVerify(options, true), options.detachedPayload);
}
