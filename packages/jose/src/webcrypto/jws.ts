/**
 * Compact JWS on Web Crypto (RFC 7515 §7.1), async, over the shared rules (jws/rules.ts): the
 * same verification order, header checks, limits and errors as the Node.js core.
 */
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { utf8 } from '../base/bytes.js';
import { isJsonObject, type JsonObject } from '../base/json.js';
import { jwsAlgorithm, type JwsAlgorithm } from '../base/algorithms.js';
import { b64Of, type JoseHeader } from '../base/header.js';
import type { KeyPolicy } from '../keys/policy.js';
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

/** Sign bytes with a prepared CryptoKey. */
export async function signWith(
  alg: JwsAlgorithm,
  key: CryptoKey,
  data: Uint8Array | string,
): Promise<Uint8Array> {
  try {
    return new Uint8Array(await subtle().sign(jwsSignParams(alg, key), key, asBytes(data)));
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

export interface WebSignCompactOptions extends SignOptions {
  /** RFC 7797 unencoded payload: adds `b64: false` and `crit: ["b64"]`. */
  b64?: boolean;
  /** Leave the payload segment empty (detached content, RFC 7515 Appendix F). */
  detached?: boolean;
}

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
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const b64 = options.b64 !== false;
  const crit = [...new Set([...((options.header?.['crit'] as string[]) ?? []), 'b64'])];
  const header = buildProtectedHeader(options, b64 ? undefined : { b64: false, crit });
  const alg = jwsAlgorithm(header.alg);
  requireWebJws(alg);
  const k = await prepareWebKey(key, alg, 'sign', options);
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const bytes = payloadBytes(payload);
  let part: string | Uint8Array = bytes;
  if (b64) part = encodeBase64url(bytes);
  else if (!options.detached && (bytes.includes(0x2e) || !isUtf8(bytes))) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'an unencoded compact payload must be UTF-8 text without "." (use detached)',
    );
  }
  const sig = await signWith(alg, k, signingInput(protectedB64, part, b64));
  const shown = options.detached
    ? ''
    : typeof part === 'string'
      ? part
      : new TextDecoder().decode(part);
  return `${protectedB64}.${shown}.${encodeBase64url(sig)}`;
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
  const [h, pl, s] = splitCompact(jws, p.maxTokenLength);
  const protectedHeader: JsonObject = parseProtectedHeader(h);
  const alg = checkJwsHeaders(protectedHeader, undefined, p);
  const b64 = b64Of(protectedHeader);
  let part: string | Uint8Array = pl;
  const detached = options.detachedPayload;
  if (detached !== undefined) {
    if (pl.length !== 0)
      throw new JoseError(
        'ERR_JWS_MALFORMED',
        'detached content was given, but the JWS carries a payload',
      );
    const bytes = payloadBytes(detached);
    part = b64 ? encodeBase64url(bytes) : bytes;
  }
  const sig = decodeBase64url(s, 'signature');
  const payload = b64
    ? decodeBase64url(typeof part === 'string' ? part : '', 'payload')
    : payloadBytes(part);
  const keys = await webKeysFor(source, alg, protectedHeader['kid'], p.policy);
  const key = await verifyWithWebKeys(alg, keys, signingInput(h, part, b64), sig);
  return { payload, protectedHeader: protectedHeader as JoseHeader, key };
}
