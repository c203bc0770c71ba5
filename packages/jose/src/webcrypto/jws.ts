/**
 * Compact JWS on Web Crypto (RFC 7515 §7.1), async, over the shared rules (jws/rules.ts): the
 * same verification order, header checks, limits and errors as the Node.js core.
 */
import { JoseError } from '../base/errors.js';
import { encodeBase64url } from '../base/base64url.js';
import { utf8 } from '../base/bytes.js';
import type { JwsAlgorithm } from '../base/algorithms.js';
import type { JoseHeader } from '../base/header.js';
import type { KeyPolicy } from '../keys/policy.js';
import {
  checkCompact,
  compactSigningInput,
  planCompactSignature,
  prepareVerify,
  resolvedNoKey,
  type CompactSignOptions,
  type PreparedVerify,
  type VerifyOptions,
} from '../jws/rules.js';
import { isPlausibleSignature } from '../jws/signature-shape.js';
import { jwsSignParams, requireWebJws } from './algorithms.js';
import { isWebKeySet, type WebKeyResolver, type WebKeySet } from './key-sets.js';
import { prepareWebKey, type WebKeyInput } from './keys.js';
import { mapCryptoError, subtle } from './runtime.js';

/** Where verification keys come from: one key, a key set, or a resolver of `alg`/`kid`. */
export type WebVerifyKey = WebKeyInput | WebKeySet | WebKeyResolver;

export interface WebVerifyResult {
  payload: Uint8Array;
  protectedHeader: JoseHeader;
  /** The key that verified the signature. */
  key: CryptoKey;
}

const asBytes = (data: Uint8Array | string): Uint8Array<ArrayBuffer> =>
  (typeof data === 'string' ? utf8(data) : new Uint8Array(data)) as Uint8Array<ArrayBuffer>;

/** Sign bytes with a prepared CryptoKey (`params`: its sign parameters, when kept by the caller). */
export async function signWith(
  alg: JwsAlgorithm,
  key: CryptoKey,
  data: Uint8Array | string,
  params: Algorithm = jwsSignParams(alg, key),
): Promise<Uint8Array> {
  try {
    return new Uint8Array(await subtle().sign(params, key, asBytes(data)));
  } catch (e) {
    throw mapCryptoError(e, alg.alg, () => new JoseError('ERR_KEY_INVALID', 'signing failed'));
  }
}

/** Allowlisted rows must all exist on Web Crypto: ERR_ALG_UNSUPPORTED at configuration time. */
export function prepareWebVerify(options: VerifyOptions, understandsB64: boolean): PreparedVerify {
  const p = prepareVerify(options, understandsB64);
  for (const row of p.algorithms.values()) requireWebJws(row);
  return p;
}

/** Candidate CryptoKeys for a header (an empty key from a resolver is "not found"). */
export async function webKeysFor(
  source: WebVerifyKey,
  alg: JwsAlgorithm,
  kid: unknown,
  policy: KeyPolicy,
): Promise<CryptoKey[]> {
  const k = typeof kid === 'string' ? kid : undefined;
  if (isWebKeySet(source)) return source.select(alg, k, policy);
  if (typeof source === 'function') {
    const found = await source(Object.freeze({ alg: alg.alg, kid: k }));
    if (resolvedNoKey(found))
      throw new JoseError('ERR_KEY_NOT_FOUND', 'the key resolver found no key for this token');
    return [await prepareWebKey(found, alg, 'verify', policy)];
  }
  return [await prepareWebKey(source, alg, 'verify', policy)];
}

/** Verify with each candidate in turn; returns the key that verified, or throws. */
export async function verifyWithWebKeys(
  alg: JwsAlgorithm,
  keys: readonly CryptoKey[],
  data: Uint8Array | string,
  sig: Uint8Array,
): Promise<CryptoKey> {
  if (sig.length === 0) throw new JoseError('ERR_SIGNATURE_INVALID', 'signature required');
  const bytes = asBytes(data);
  for (const key of keys) {
    if (!isPlausibleSignature(alg, sig, 'Ed25519')) break;
    let ok: boolean;
    try {
      ok = await subtle().verify(jwsSignParams(alg, key), key, new Uint8Array(sig), bytes);
    } catch (e) {
      throw mapCryptoError(
        e,
        alg.alg,
        () => new JoseError('ERR_SIGNATURE_INVALID', 'signature verification failed'),
      );
    }
    if (ok) return key;
  }
  throw new JoseError('ERR_SIGNATURE_INVALID', 'signature verification failed');
}

export type WebSignCompactOptions = CompactSignOptions;

/**
 * Sign a payload into a compact JWS.
 *
 * @example
 * const jws = await signCompact('hello', privateKey, { alg: 'ES256' });
 */
export async function signCompact(
  payload: Uint8Array | string,
  key: WebKeyInput,
  options: WebSignCompactOptions,
): Promise<string> {
  const plan = planCompactSignature(options);
  requireWebJws(plan.alg);
  const k = await prepareWebKey(key, plan.alg, 'sign', options);
  const { shown, data } = compactSigningInput(plan, payload, options);
  return `${plan.protectedB64}.${shown}.${encodeBase64url(await signWith(plan.alg, k, data))}`;
}

/**
 * Verify a compact JWS in the fixed order: size → split → strict base64url → strict JSON →
 * header rules → `alg` allowlist → key fits `alg` → signature.
 *
 * @example
 * const { payload } = await verifyCompact(jws, publicKey, { algorithms: ['ES256'] });
 */
export async function verifyCompact(
  jws: string,
  source: WebVerifyKey,
  options: VerifyOptions & { detachedPayload?: Uint8Array | string },
): Promise<WebVerifyResult> {
  const p = prepareWebVerify(options, true);
  const c = checkCompact(jws, p, options.detachedPayload);
  const keys = await webKeysFor(source, c.alg, c.kid, p.policy);
  const key = await verifyWithWebKeys(c.alg, keys, c.data, c.sig);
  return { payload: c.payload, protectedHeader: c.protectedHeader as JoseHeader, key };
}
