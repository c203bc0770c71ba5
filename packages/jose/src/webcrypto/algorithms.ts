/**
 * Web Crypto parameters for the registry's rows (base/algorithms.ts stays the single source of
 * truth: this maps a resolved row to `importKey`/`sign` parameters, never an `alg` string).
 */
import {
  JWS_ALGORITHM_NAMES,
  type Hash,
  type JwsAlg,
  type JwsAlgorithm,
} from '../base/algorithms.js';
import { unsupported } from './runtime.js';

const HASH: Readonly<Record<Hash, string>> = {
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};
const HASH_BYTES: Readonly<Record<Hash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** The Web Crypto name of a registry hash. */
export const webHash = (h: Hash): string => HASH[h];

// Curves no Web Crypto implementation offers (WICG secure curves has Ed448 and X448 only in
// some; none has secp256k1): refused at configuration time, by name.
const UNSUPPORTED_CURVES = new Set(['secp256k1', 'Ed448', 'X448']);

/**
 * JWS algorithms the Web Crypto entry can use. `EdDSA` is Ed25519 only here (an Ed448 key is
 * refused with ERR_ALG_UNSUPPORTED). A runtime may lack more; its error names it.
 */
export const WEBCRYPTO_JWS_ALGORITHMS: readonly JwsAlg[] = Object.freeze(
  JWS_ALGORITHM_NAMES.filter((a) => a !== 'ES256K'),
);
const SUPPORTED = new Set<string>(WEBCRYPTO_JWS_ALGORITHMS);

/** Throw ERR_ALG_UNSUPPORTED unless the row can run on Web Crypto at all. */
export function requireWebJws(alg: JwsAlgorithm): void {
  if (!SUPPORTED.has(alg.alg)) throw unsupported(alg.alg);
}

/** Throw ERR_ALG_UNSUPPORTED for a curve no Web Crypto implements. */
export function requireWebCurve(crv: string): void {
  if (UNSUPPORTED_CURVES.has(crv)) throw unsupported(`the ${crv} curve`);
}

/** `importKey`/`generateKey` parameters of a JWS row (`crv` picks Ed25519 for EdDSA). */
export function jwsImportParams(alg: JwsAlgorithm, crv?: string): Algorithm {
  requireWebJws(alg);
  switch (alg.family) {
    case 'hmac':
      return { name: 'HMAC', hash: HASH[alg.hash!] } as HmacImportParams;
    case 'rsa':
      return { name: 'RSASSA-PKCS1-v1_5', hash: HASH[alg.hash!] } as RsaHashedImportParams;
    case 'rsa-pss':
      return { name: 'RSA-PSS', hash: HASH[alg.hash!] } as RsaHashedImportParams;
    case 'ecdsa':
      return { name: 'ECDSA', namedCurve: alg.curves[0]! } as EcKeyImportParams;
    case 'eddsa': {
      const c = crv ?? alg.curves[0]!;
      requireWebCurve(c);
      return { name: c };
    }
  }
}

/** `sign`/`verify` parameters of a JWS row (RFC 7518 §3.5: PSS salt = hash length). */
export function jwsSignParams(alg: JwsAlgorithm, key: CryptoKey): Algorithm {
  switch (alg.family) {
    case 'rsa-pss':
      return { name: 'RSA-PSS', saltLength: HASH_BYTES[alg.hash!] } as RsaPssParams;
    case 'ecdsa':
      return { name: 'ECDSA', hash: HASH[alg.hash!] } as EcdsaParams;
    default:
      return { name: key.algorithm.name };
  }
}
