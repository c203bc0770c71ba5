/**
 * The JWS JSON serializations on Web Crypto (RFC 7515 §7.2), async: the rules are
 * jws/json-rules.ts, the Node.js core's own; this file adds the keys and the crypto calls.
 */
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
} from '../jws/json-rules.js';
import type { PreparedVerify } from '../jws/rules.js';
import { requireWebJws } from './algorithms.js';
import {
  prepareWebVerify,
  signWith,
  verifyWithWebKeys,
  webKeysFor,
  type WebVerifyKey,
} from './jws.js';
import { prepareWebKey, type WebKeyInput } from './keys.js';

async function oneSignature(
  payload: string,
  b64: boolean,
  key: WebKeyInput,
  o: JsonSignOptions,
): Promise<JwsSignatureEntry> {
  const plan = planSignature(o, b64);
  requireWebJws(plan.alg);
  const k = await prepareWebKey(key, plan.alg, 'sign', o);
  const s = signatureInput(plan, o, payload, b64);
  return signatureEntry(s, await signWith(plan.alg, k, s.data));
}

/**
 * Sign into the flattened JWS JSON serialization (RFC 7515 §7.2.2).
 *
 * @example
 * const jws = await signFlattened('hello', privateKey, { alg: 'ES256', unprotectedHeader: { kid: 'k1' } });
 */
export async function signFlattened(
  payload: Uint8Array | string,
  key: WebKeyInput,
  options: JsonSignOptions & { b64?: boolean },
): Promise<FlattenedJws> {
  checkFlattenedSignOptions(options);
  const b64 = options.b64 !== false;
  const p = payloadPart(payload, b64);
  return { payload: p, ...(await oneSignature(p, b64, key, options)) };
}

/** Sign with several keys into the general JWS JSON serialization (RFC 7515 §7.2.1). */
export async function signGeneral(
  payload: Uint8Array | string,
  signers: readonly (JsonSignOptions & { key: WebKeyInput })[],
  options: { b64?: boolean } = {},
): Promise<GeneralJws> {
  checkSigners(signers, options);
  const b64 = options.b64 !== false;
  const p = payloadPart(payload, b64);
  const signatures: JwsSignatureEntry[] = [];
  // In order, one after the other: the first refusal is the one the Node.js core reports.
  for (const s of signers) signatures.push(await oneSignature(p, b64, s.key, s));
  return { payload: p, signatures };
}

async function verifyOne(
  payloadMember: unknown,
  entry: unknown,
  source: WebVerifyKey,
  p: PreparedVerify,
  detached: Uint8Array | string | undefined,
): Promise<JsonVerifyResult> {
  const c = checkSignatureEntry(payloadMember, entry, p, detached);
  await verifyWithWebKeys(c.alg, await webKeysFor(source, c.alg, c.kid, p.policy), c.data, c.sig);
  return c.result;
}

/**
 * Verify a flattened JWS JSON object. `alg` is read from the protected header only, and the
 * protected and unprotected headers must be disjoint.
 */
export async function verifyFlattened(
  jws: FlattenedJws,
  key: WebVerifyKey,
  options: JsonVerifyOptions,
): Promise<JsonVerifyResult> {
  const p = prepareWebVerify(options, true);
  const f = checkFlattenedJws(jws, p);
  return verifyOne(f['payload'], f, key, p, options.detachedPayload);
}

/**
 * Verify a general JWS JSON object: succeeds when one of its signatures (at most 16 are tried)
 * verifies with the given keys.
 */
export async function verifyGeneral(
  jws: GeneralJws,
  key: WebVerifyKey,
  options: JsonVerifyOptions,
): Promise<JsonVerifyResult> {
  const p = prepareWebVerify(options, true);
  const sigs = generalSignatures(jws, p);
  let firstError: unknown;
  for (const entry of sigs) {
    try {
      return await verifyOne(jws.payload, entry, key, p, options.detachedPayload);
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}
