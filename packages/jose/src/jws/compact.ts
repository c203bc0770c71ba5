import type { KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { encodeBase64url } from '../base/base64url.js';
import type { JwsAlgorithm } from '../base/algorithms.js';
import type { JoseHeader } from '../base/header.js';
import { prepareKey, type KeyInput, type KeyPolicy } from '../keys/keys.js';
import { isKeySet, type KeyResolver, type KeySet } from '../jwks/local.js';
import { signBytes, verifyBytes } from './signature.js';
import {
  checkCompact,
  compactSigningInput,
  planCompactSignature,
  prepareVerify,
  resolvedNoKey,
  type CompactSignOptions,
  type PreparedVerify,
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

export type SignCompactOptions = CompactSignOptions;

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
  const plan = planCompactSignature(options);
  const k = prepareKey(key, plan.alg, 'sign', options);
  const { shown, data } = compactSigningInput(plan, payload, options);
  return `${plan.protectedB64}.${shown}.${encodeBase64url(signBytes(plan.alg, k, data))}`;
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
  const c = checkCompact(jws, p, detachedPayload);
  const key = verifyWithKeys(c.alg, keysFor(source, c.alg, c.kid, p.policy), c.data, c.sig);
  return { payload: c.payload, protectedHeader: c.protectedHeader as JoseHeader, key };
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
