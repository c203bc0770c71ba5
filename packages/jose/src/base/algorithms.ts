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
export function resolveAllowlist(
  algorithms: unknown,
  what = 'algorithms',
): Map<string, JwsAlgorithm> {
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

/*
 * JWE registry (RFC 7516, RFC 7518 §4-5, RFC 8037 §3.2): one row per key-management `alg` and
 * one per content-encryption `enc`. The JWE modules receive these rows, never the strings.
 * RSA1_5 is deliberately absent (CVE-2023-46809: Node refuses PKCS#1 v1.5 decryption).
 */
export type JweKeyManagementAlg =
  | 'dir'
  | 'A128KW'
  | 'A192KW'
  | 'A256KW'
  | 'A128GCMKW'
  | 'A192GCMKW'
  | 'A256GCMKW'
  | 'RSA-OAEP'
  | 'RSA-OAEP-256'
  | 'RSA-OAEP-384'
  | 'RSA-OAEP-512'
  | 'ECDH-ES'
  | 'ECDH-ES+A128KW'
  | 'ECDH-ES+A192KW'
  | 'ECDH-ES+A256KW'
  | 'PBES2-HS256+A128KW'
  | 'PBES2-HS384+A192KW'
  | 'PBES2-HS512+A256KW';

export type JweContentEncryptionAlg =
  'A128GCM' | 'A192GCM' | 'A256GCM' | 'A128CBC-HS256' | 'A192CBC-HS384' | 'A256CBC-HS512';

export type KeyManagementFamily =
  'dir' | 'aes-kw' | 'aes-gcm-kw' | 'rsa-oaep' | 'ecdh-es' | 'pbes2';

export interface JweKeyManagementAlgorithm {
  readonly alg: JweKeyManagementAlg;
  readonly family: KeyManagementFamily;
  /** Key types the recipient key may have. */
  readonly kty: readonly Kty[];
  /** Accepted curves (ECDH-ES). */
  readonly curves: readonly string[];
  /** Key-encryption key length in bytes (AES-KW, AES-GCM-KW, the KW step of ECDH-ES/PBES2); 0 when none. */
  readonly kekBytes: number;
  /** node:crypto cipher wrapping the CEK (`id-aes128-wrap`, `aes-128-gcm`), or undefined. */
  readonly wrapCipher: string | undefined;
  /** OAEP hash (`sha1` for RSA-OAEP, RFC 7518 §4.3) or the PBKDF2 PRF hash (RFC 7518 §4.8). */
  readonly hash: Hash | 'sha1' | undefined;
  /** RSA: minimum modulus length in bits (RFC 7518 §4.2-4.3). */
  readonly minRsaBits: number;
  /** The CEK is the key itself (`dir`) or the agreed key (`ECDH-ES`): one recipient only, no encrypted key. */
  readonly direct: boolean;
}

export interface JweContentEncryptionAlgorithm {
  readonly enc: JweContentEncryptionAlg;
  readonly family: 'aes-gcm' | 'aes-cbc-hmac';
  /** CEK length in bytes (for CBC-HMAC: MAC key + encryption key, RFC 7518 §5.2.3-5.2.5). */
  readonly cekBytes: number;
  /** Exact IV length in bytes (96 bits for GCM, 128 for CBC). */
  readonly ivBytes: number;
  /** Exact authentication tag length in bytes. */
  readonly tagBytes: number;
  /** node:crypto cipher name. */
  readonly cipher: string;
  /** CBC-HMAC: the HMAC hash. */
  readonly macHash: Hash | undefined;
}

const km = (
  alg: JweKeyManagementAlg,
  family: KeyManagementFamily,
  extra: Partial<JweKeyManagementAlgorithm> = {},
): JweKeyManagementAlgorithm => ({
  alg,
  family,
  kty: ['oct'],
  curves: [],
  kekBytes: 0,
  wrapCipher: undefined,
  hash: undefined,
  minRsaBits: 0,
  direct: false,
  ...extra,
});
const aesKw = (bytes: number) => ({ kekBytes: bytes, wrapCipher: `id-aes${bytes * 8}-wrap` });
const ECDH_CURVES = ['P-256', 'P-384', 'P-521', 'X25519', 'X448'];
const ecdh = (alg: JweKeyManagementAlg, bytes: number) =>
  km(alg, 'ecdh-es', {
    kty: ['EC', 'OKP'],
    curves: ECDH_CURVES,
    direct: bytes === 0,
    ...(bytes ? aesKw(bytes) : {}),
  });
const oaep = (alg: JweKeyManagementAlg, hash: Hash | 'sha1') =>
  km(alg, 'rsa-oaep', { kty: ['RSA'], hash, minRsaBits: 2048 });

export const JWE_KEY_MANAGEMENT_ALGORITHMS: Readonly<
  Record<JweKeyManagementAlg, JweKeyManagementAlgorithm>
> = {
  dir: km('dir', 'dir', { direct: true }),
  A128KW: km('A128KW', 'aes-kw', aesKw(16)),
  A192KW: km('A192KW', 'aes-kw', aesKw(24)),
  A256KW: km('A256KW', 'aes-kw', aesKw(32)),
  A128GCMKW: km('A128GCMKW', 'aes-gcm-kw', { kekBytes: 16, wrapCipher: 'aes-128-gcm' }),
  A192GCMKW: km('A192GCMKW', 'aes-gcm-kw', { kekBytes: 24, wrapCipher: 'aes-192-gcm' }),
  A256GCMKW: km('A256GCMKW', 'aes-gcm-kw', { kekBytes: 32, wrapCipher: 'aes-256-gcm' }),
  'RSA-OAEP': oaep('RSA-OAEP', 'sha1'),
  'RSA-OAEP-256': oaep('RSA-OAEP-256', 'sha256'),
  'RSA-OAEP-384': oaep('RSA-OAEP-384', 'sha384'),
  'RSA-OAEP-512': oaep('RSA-OAEP-512', 'sha512'),
  'ECDH-ES': ecdh('ECDH-ES', 0),
  'ECDH-ES+A128KW': ecdh('ECDH-ES+A128KW', 16),
  'ECDH-ES+A192KW': ecdh('ECDH-ES+A192KW', 24),
  'ECDH-ES+A256KW': ecdh('ECDH-ES+A256KW', 32),
  'PBES2-HS256+A128KW': km('PBES2-HS256+A128KW', 'pbes2', { hash: 'sha256', ...aesKw(16) }),
  'PBES2-HS384+A192KW': km('PBES2-HS384+A192KW', 'pbes2', { hash: 'sha384', ...aesKw(24) }),
  'PBES2-HS512+A256KW': km('PBES2-HS512+A256KW', 'pbes2', { hash: 'sha512', ...aesKw(32) }),
};

const gcm = (enc: JweContentEncryptionAlg, bytes: number): JweContentEncryptionAlgorithm => ({
  enc,
  family: 'aes-gcm',
  cekBytes: bytes,
  ivBytes: 12,
  tagBytes: 16,
  cipher: `aes-${bytes * 8}-gcm`,
  macHash: undefined,
});
const cbcHmac = (
  enc: JweContentEncryptionAlg,
  half: number,
  macHash: Hash,
): JweContentEncryptionAlgorithm => ({
  enc,
  family: 'aes-cbc-hmac',
  cekBytes: 2 * half,
  ivBytes: 16,
  tagBytes: half,
  cipher: `aes-${half * 8}-cbc`,
  macHash,
});

export const JWE_CONTENT_ENCRYPTION_ALGORITHMS: Readonly<
  Record<JweContentEncryptionAlg, JweContentEncryptionAlgorithm>
> = {
  A128GCM: gcm('A128GCM', 16),
  A192GCM: gcm('A192GCM', 24),
  A256GCM: gcm('A256GCM', 32),
  'A128CBC-HS256': cbcHmac('A128CBC-HS256', 16, 'sha256'),
  'A192CBC-HS384': cbcHmac('A192CBC-HS384', 24, 'sha384'),
  'A256CBC-HS512': cbcHmac('A256CBC-HS512', 32, 'sha512'),
};

/** True when `alg` is exactly a registered JWE key-management algorithm. */
export function isJweKeyManagementAlg(alg: unknown): alg is JweKeyManagementAlg {
  return typeof alg === 'string' && hasOwn.call(JWE_KEY_MANAGEMENT_ALGORITHMS, alg);
}

/** True when `enc` is exactly a registered JWE content-encryption algorithm. */
export function isJweContentEncryptionAlg(enc: unknown): enc is JweContentEncryptionAlg {
  return typeof enc === 'string' && hasOwn.call(JWE_CONTENT_ENCRYPTION_ALGORITHMS, enc);
}
