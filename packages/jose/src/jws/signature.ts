import {
  constants,
  createHmac,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { JoseError } from '../base/errors.js';
import type { JwsAlgorithm } from '../base/algorithms.js';
import { isPlausibleSignature } from './signature-shape.js';

const PSS = constants.RSA_PSS_SALTLEN_DIGEST;

/**
 * Produce a JWS signature over `data` with a key already checked for `alg` (keys.ts).
 * ECDSA signatures are raw R‖S (RFC 7518 §3.4), PSS salts equal the hash length (§3.5).
 */
export function signBytes(alg: JwsAlgorithm, key: KeyObject, data: Uint8Array | string): Buffer {
  switch (alg.family) {
    case 'hmac':
      return createHmac(alg.hash!, key).update(data).digest();
    case 'rsa':
    case 'rsa-pss':
      return rsaSign(alg, key, toBytes(data));
    case 'ecdsa':
      return nodeSign(alg.hash!, toBytes(data), { key, dsaEncoding: 'ieee-p1363' });
    case 'eddsa':
      return nodeSign(null, toBytes(data), key);
  }
}

/**
 * Verify a JWS signature. Length rules come first (docs/security.md#ecdsa-encoding, #hmac-length): an HMAC must be exactly the hash
 * length and is compared in constant time; ECDSA must be exactly 2 × the field size with
 * neither half zero (docs/security.md#ecdsa-zero, also refused by OpenSSL); EdDSA R must be canonical and not of small
 * order, and S < L (docs/security.md#eddsa-small-order).
 */
export function verifyBytes(
  alg: JwsAlgorithm,
  key: KeyObject,
  data: Uint8Array | string,
  sig: Uint8Array,
): boolean {
  const edCurve = alg.family === 'eddsa' && key.asymmetricKeyType === 'ed448' ? 'Ed448' : 'Ed25519';
  if (!isPlausibleSignature(alg, sig, edCurve)) return false;
  switch (alg.family) {
    case 'hmac':
      return timingSafeEqual(createHmac(alg.hash!, key).update(data).digest(), sig);
    case 'rsa':
      return nodeVerify(alg.hash!, toBytes(data), key, sig);
    case 'rsa-pss':
      return nodeVerify(
        alg.hash!,
        toBytes(data),
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS },
        sig,
      );
    case 'ecdsa':
      return nodeVerify(alg.hash!, toBytes(data), { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'eddsa':
      return nodeVerify(null, toBytes(data), key, sig);
  }
}

function rsaSign(alg: JwsAlgorithm, key: KeyObject, data: Uint8Array): Buffer {
  try {
    return alg.family === 'rsa'
      ? nodeSign(alg.hash!, data, key)
      : nodeSign(alg.hash!, data, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: PSS,
        });
  } catch (cause) {
    throw new JoseError('ERR_KEY_TOO_WEAK', `the RSA key is too small for ${alg.alg}`, { cause });
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}
