import { JoseError } from './errors.js';

/**
 * The algorithm registry: the single source of truth for every JWS `alg` (RFC 7518 §3,
 * RFC 8037, RFC 8812 for ES256K, RFC 9864 for the fully-specified `Ed25519`).
 * Everything below receives a resolved row, never the `alg` string. Adding an algorithm is
 * adding a row. `none` is not here: unsecured JWTs have their own API.
 */
export type JwsAlg =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'ES256K'
  | 'EdDSA'
  | 'Ed25519';

export type Hash = 'sha256' | 'sha384' | 'sha512';
export type SignatureFamily = 'hmac' | 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa';
export type Kty = 'oct' | 'RSA' | 'EC' | 'OKP';

/** How a node:crypto key of a given asymmetric type is named as a JWK curve. */
export interface CurveInfo {
  /** JWK `crv`. */
  readonly crv: string;
  /** node:crypto `asymmetricKeyType` ('ec' for the NIST curves, 'ed25519' …). */
  readonly nodeKeyType: string;
  /** node:crypto `namedCurve` for EC keys. */
  readonly namedCurve?: string;
  /** Size in bytes of a coordinate / scalar (ECDSA raw R and S each; EdDSA key). */
  readonly size: number;
}

export const CURVES: Readonly<Record<string, CurveInfo>> = {
  'P-256': { crv: 'P-256', nodeKeyType: 'ec', namedCurve: 'prime256v1', size: 32 },
  'P-384': { crv: 'P-384', nodeKeyType: 'ec', namedCurve: 'secp384r1', size: 48 },
  'P-521': { crv: 'P-521', nodeKeyType: 'ec', namedCurve: 'secp521r1', size: 66 },
  secp256k1: { crv: 'secp256k1', nodeKeyType: 'ec', namedCurve: 'secp256k1', size: 32 },
  Ed25519: { crv: 'Ed25519', nodeKeyType: 'ed25519', size: 32 },
  Ed448: { crv: 'Ed448', nodeKeyType: 'ed448', size: 57 },
  X25519: { crv: 'X25519', nodeKeyType: 'x25519', size: 32 },
  X448: { crv: 'X448', nodeKeyType: 'x448', size: 56 },
};

/** node:crypto namedCurve → JWK crv. */
export const CRV_BY_NAMED_CURVE: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  secp256k1: 'secp256k1',
};

export interface JwsAlgorithm {
  readonly alg: JwsAlg;
  readonly family: SignatureFamily;
  readonly kty: Kty;
  /** Digest for node:crypto; undefined for EdDSA (the curve fixes it). */
  readonly hash: Hash | undefined;
  /** Accepted JWK curves (EC and OKP). */
  readonly curves: readonly string[];
  /** HMAC: minimum secret length in bytes (RFC 7518 §3.2: at least the hash output). */
  readonly minSecretBytes: number;
  /** RSA: minimum modulus length in bits (RFC 7518 §3.3 and §3.5). */
  readonly minRsaBits: number;
  /** Exact signature length in bytes where the algorithm fixes it (HMAC, ECDSA raw R‖S). */
  readonly signatureBytes: number | undefined;
}

const hmac = (alg: JwsAlg, hash: Hash, bytes: number): JwsAlgorithm => ({
  alg,
  family: 'hmac',
  kty: 'oct',
  hash,
  curves: [],
  minSecretBytes: bytes,
  minRsaBits: 0,
  signatureBytes: bytes,
});
const rsa = (alg: JwsAlg, family: 'rsa' | 'rsa-pss', hash: Hash): JwsAlgorithm => ({
  alg,
  family,
  kty: 'RSA',
  hash,
  curves: [],
  minSecretBytes: 0,
  minRsaBits: 2048,
  signatureBytes: undefined,
});
const ecdsa = (alg: JwsAlg, hash: Hash, crv: string): JwsAlgorithm => ({
  alg,
  family: 'ecdsa',
  kty: 'EC',
  hash,
  curves: [crv],
  minSecretBytes: 0,
  minRsaBits: 0,
  signatureBytes: 2 * CURVES[crv]!.size,
});
const eddsa = (alg: JwsAlg, curves: string[]): JwsAlgorithm => ({
  alg,
  family: 'eddsa',
  kty: 'OKP',
  hash: undefined,
  curves,
  minSecretBytes: 0,
  minRsaBits: 0,
  signatureBytes: undefined,
});

export const JWS_ALGORITHMS: Readonly<Record<JwsAlg, JwsAlgorithm>> = {
  HS256: hmac('HS256', 'sha256', 32),
  HS384: hmac('HS384', 'sha384', 48),
  HS512: hmac('HS512', 'sha512', 64),
  RS256: rsa('RS256', 'rsa', 'sha256'),
  RS384: rsa('RS384', 'rsa', 'sha384'),
  RS512: rsa('RS512', 'rsa', 'sha512'),
  PS256: rsa('PS256', 'rsa-pss', 'sha256'),
  PS384: rsa('PS384', 'rsa-pss', 'sha384'),
  PS512: rsa('PS512', 'rsa-pss', 'sha512'),
  ES256: ecdsa('ES256', 'sha256', 'P-256'),
  ES384: ecdsa('ES384', 'sha384', 'P-384'),
  ES512: ecdsa('ES512', 'sha512', 'P-521'),
  ES256K: ecdsa('ES256K', 'sha256', 'secp256k1'),
  EdDSA: eddsa('EdDSA', ['Ed25519', 'Ed448']),
  Ed25519: eddsa('Ed25519', ['Ed25519']),
};

/** Every supported JWS algorithm name. */
export const JWS_ALGORITHM_NAMES = Object.freeze(Object.keys(JWS_ALGORITHMS) as JwsAlg[]);

const hasOwn = Object.prototype.hasOwnProperty;

/** True when `alg` is exactly (case-sensitively) a registered JWS algorithm. */
export function isJwsAlg(alg: unknown): alg is JwsAlg {
  return typeof alg === 'string' && hasOwn.call(JWS_ALGORITHMS, alg);
}

/** Resolve a registered JWS algorithm, or throw ERR_ALG_UNSUPPORTED. */
export function jwsAlgorithm(alg: unknown): JwsAlgorithm {
  if (!isJwsAlg(alg)) {
    throw new JoseError(
      'ERR_ALG_UNSUPPORTED',
      typeof alg === 'string' && alg.length <= 32
        ? `unsupported JWS algorithm "${printable(alg)}"`
        : 'unsupported JWS algorithm',
    );
  }
  return JWS_ALGORITHMS[alg];
}

/**
 * Validate a caller's `algorithms` allowlist once (factories, options): a non-empty array of
 * registered names. Returns the resolved rows keyed by name.
 */
export function resolveAllowlist(algorithms: unknown, what = 'algorithms'): Map<string, JwsAlgorithm> {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      `${what} must be a non-empty array of JWS algorithm names (an allowlist is required)`,
    );
  }
  const out = new Map<string, JwsAlgorithm>();
  for (const a of algorithms) {
    if (!isJwsAlg(a)) {
      throw new JoseError('ERR_OPTIONS_INVALID', `${what} contains an unsupported algorithm`);
    }
    out.set(a, JWS_ALGORITHMS[a]);
  }
  return out;
}

/** Keep algorithm names printable in messages (they come from headers). */
export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
