/**
 * The JWS JSON serializations on the Node.js core (RFC 7515 §7.2): the rules are
 * jws/json-rules.ts, shared with the Web Crypto entry; this file adds the keys and the crypto.
 */
import { prepareKey, type KeyInput } from '../keys/keys.js';
import { signBytes } from './signature.js';
import {
  keysFor,
  prepareVerify,
  verifyWithKeys,
  type PreparedVerify,
  type VerifyKey,
} from './compact.js';
import {
  checkFlattenedJws,
  checkFlattenedSignOptions,
  checkSignatureEntry,
  checkSigners,
  generalSignatures,
  payloadPart,
  planSignature,
  signatureEntry,
  signatureInput,
  type FlattenedJws,
  type GeneralJws,
  type JsonSignOptions,
  type JsonVerifyOptions,
  type JsonVerifyResult,
  type JwsSignatureEntry,
} from './json-rules.js';

export { MAX_SIGNATURES } from './json-rules.js';
export type {
  FlattenedJws,
  GeneralJws,
  JsonSignOptions,
  JsonVerifyOptions,
  JsonVerifyResult,
} from './json-rules.js';

function oneSignature(
  payload: string,
  b64: boolean,
  key: KeyInput,
  o: JsonSignOptions,
): JwsSignatureEntry {
  const plan = planSignature(o, b64);
  const k = prepareKey(key, plan.alg, 'sign', o);
  const s = signatureInput(plan, o, payload, b64);
  return signatureEntry(s, signBytes(plan.alg, k, s.data));
}

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
  checkFlattenedSignOptions(options);
  const b64 = options.b64 !== false;
  const p = payloadPart(payload, b64);
  return { payload: p, ...oneSignature(p, b64, key, options) };
}

/**
 * Sign with several keys into the general JWS JSON serialization (RFC 7515 §7.2.1).
 */
export function signGeneral(
  payload: Uint8Array | string,
  signers: readonly (JsonSignOptions & { key: KeyInput })[],
  options: { b64?: boolean } = {},
): GeneralJws {
  checkSigners(signers, options);
  const b64 = options.b64 !== false;
  const p = payloadPart(payload, b64);
  return { payload: p, signatures: signers.map((s) => oneSignature(p, b64, s.key, s)) };
}

function verifyOne(
  payloadMember: unknown,
  entry: unknown,
  source: VerifyKey,
  p: PreparedVerify,
  detached: Uint8Array | string | undefined,
): JsonVerifyResult {
  const c = checkSignatureEntry(payloadMember, entry, p, detached);
  verifyWithKeys(c.alg, keysFor(source, c.alg, c.kid, p.policy), c.data, c.sig);
  return c.result;
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
  const f = checkFlattenedJws(jws, p);
  return verifyOne(f['payload'], f, key, p, options.detachedPayload);
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
  const sigs = generalSignatures(jws, p);
  let firstError: unknown;
  for (const entry of sigs) {
    try {
      return verifyOne(jws.payload, entry, key, p, options.detachedPayload);
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}
