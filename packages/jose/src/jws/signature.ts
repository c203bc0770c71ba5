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
import { isWellFormedEdSignature } from '../keys/edwards.js';

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
  switch (alg.family) {
    case 'hmac': {
      if (sig.length !== alg.signatureBytes) return false;
      const mac = createHmac(alg.hash!, key).update(data).digest();
      return timingSafeEqual(mac, sig);
    }
    case 'rsa':
      return sig.length > 0 && nodeVerify(alg.hash!, toBytes(data), key, sig);
    case 'rsa-pss':
      return (
        sig.length > 0 &&
        nodeVerify(
          alg.hash!,
          toBytes(data),
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS },
          sig,
        )
      );
    case 'ecdsa': {
      if (sig.length !== alg.signatureBytes) return false;
      const half = sig.length / 2;
      if (isZero(sig, 0, half) || isZero(sig, half, sig.length)) return false;
      return nodeVerify(alg.hash!, toBytes(data), { key, dsaEncoding: 'ieee-p1363' }, sig);
    }
    case 'eddsa': {
      const curve = key.asymmetricKeyType === 'ed448' ? 'Ed448' : 'Ed25519';
      if (!isWellFormedEdSignature(sig, curve)) return false;
      return nodeVerify(null, toBytes(data), key, sig);
    }
  }
}

/**
 * Only an RSA key let through by `allowInsecureKeySize` can be too small for the digest (or the
 * PSS salt); OpenSSL then throws, and the caller gets a typed error instead.
 */
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

function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}
