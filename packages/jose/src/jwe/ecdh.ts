import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  diffieHellman,
  type KeyObject,
} from 'node:crypto';
import { CRV_BY_NAMED_CURVE, CURVES } from '../base/algorithms.js';
import { decodeBase64url, encodeBase64url, isStrictBase64url } from '../base/base64url.js';
import { uint32be, utf8 } from '../base/bytes.js';
import { isJsonObject } from '../base/json.js';
import { decryptionFailed } from './failure.js';

/** The JWK curve of an ECDH key (`P-256`, `P-384`, `P-521`, `X25519`, `X448`), or undefined. */
export function ecdhCurveOf(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return CRV_BY_NAMED_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (type === 'x25519') return 'X25519';
  if (type === 'x448') return 'X448';
  return undefined;
}

// Short Weierstrass y² = x³ − 3x + b over GF(p) (FIPS 186-4 D.1.2 / SEC 2).
const WEIERSTRASS: Readonly<Record<string, { p: bigint; b: bigint }>> = {
  'P-256': {
    p: (1n << 256n) - (1n << 224n) + (1n << 192n) + (1n << 96n) - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  'P-384': {
    p: (1n << 384n) - (1n << 128n) - (1n << 96n) + (1n << 32n) - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
};

function beToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return n;
}

/** True when (x, y) is an affine point of the named NIST curve (both coordinates < p). */
export function isOnCurve(crv: string, x: Uint8Array, y: Uint8Array): boolean {
  const c = WEIERSTRASS[crv];
  if (c === undefined) return false;
  const X = beToBigInt(x);
  const Y = beToBigInt(y);
  if (X >= c.p || Y >= c.p) return false;
  const lhs = (Y * Y) % c.p;
  const rhs = (((X * X) % c.p) * X - 3n * X + c.b) % c.p;
  return lhs === (rhs + c.p) % c.p;
}

function coordinate(epk: Record<string, unknown>, name: string, size: number): Uint8Array {
  const v = epk[name];
  if (typeof v !== 'string' || !isStrictBase64url(v)) throw decryptionFailed();
  const bytes = decodeBase64url(v);
  if (bytes.length !== size) throw decryptionFailed();
  return bytes;
}

/**
 * Validate the `epk` header against the recipient's curve BEFORE any ECDH (docs/security.md#ecdh-curve;
 * CVE-2017-16007): a public JWK of the same `kty` and `crv`, coordinates of the exact size, for
 * NIST curves a point on the curve with x, y < p. Every failure is the opaque one.
 */
export function importEpk(epk: unknown, recipientCrv: string): KeyObject {
  if (!isJsonObject(epk)) throw decryptionFailed();
  const info = CURVES[recipientCrv];
  if (info === undefined || epk['crv'] !== recipientCrv || epk['d'] !== undefined)
    throw decryptionFailed();
  const nist = info.nodeKeyType === 'ec';
  if (epk['kty'] !== (nist ? 'EC' : 'OKP')) throw decryptionFailed();
  const x = coordinate(epk, 'x', info.size);
  let jwk: Record<string, string>;
  if (nist) {
    const y = coordinate(epk, 'y', info.size);
    if (!isOnCurve(recipientCrv, x, y)) throw decryptionFailed();
    jwk = { kty: 'EC', crv: recipientCrv, x: epk['x'] as string, y: epk['y'] as string };
  } else {
    if (epk['y'] !== undefined) throw decryptionFailed();
    jwk = { kty: 'OKP', crv: recipientCrv, x: epk['x'] as string };
  }
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw decryptionFailed();
  }
}

/**
 * ECDH shared secret Z. An all-zero result (a low-order X25519/X448 `epk`, RFC 7748 §6) is
 * refused (docs/security.md#ecdh-curve).
 */
export function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  let z: Buffer;
  try {
    z = diffieHellman({ privateKey, publicKey });
  } catch {
    throw decryptionFailed();
  }
  let acc = 0;
  for (const b of z) acc |= b;
  if (acc === 0) throw decryptionFailed();
  return z;
}

function lengthPrefixed(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length);
  out.set(uint32be(data.length), 0);
  out.set(data, 4);
  return out;
}

/**
 * Concat KDF (NIST SP 800-56A §5.8.1, RFC 7518 §4.6.2) with SHA-256: AlgorithmID is the `enc`
 * (direct) or `alg` (key wrap) name, PartyUInfo/PartyVInfo the `apu`/`apv` bytes, SuppPubInfo
 * the key length in bits.
 */
export function concatKdf(
  z: Uint8Array,
  keyBytes: number,
  algorithmId: string,
  apu: Uint8Array,
  apv: Uint8Array,
): Uint8Array {
  const otherInfo = Buffer.concat([
    lengthPrefixed(utf8(algorithmId)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    uint32be(keyBytes * 8),
  ]);
  const rounds = Math.ceil(keyBytes / 32);
  const out = Buffer.alloc(rounds * 32);
  for (let i = 0; i < rounds; i++) {
    createHash('sha256')
      .update(uint32be(i + 1))
      .update(z)
      .update(otherInfo)
      .digest()
      .copy(out, i * 32);
  }
  return out.subarray(0, keyBytes);
}

// PKCS#8 prefixes of a raw X25519 / X448 private key (RFC 8410 §7).
const OKP_PKCS8_PREFIX: Readonly<Record<string, string>> = {
  X25519: '302e020100300506032b656e04220420',
  X448: '3046020100300506032b656f043a0438',
};

/**
 * A fresh ephemeral key pair on the recipient's curve, one per encryption. It is not made with
 * generateKeyPairSync: on Node 20 a JWK export of a KeyObject fresh from it can deadlock (see
 * keys.ts), and the DER round trip that avoids that costs most of an encryption. ECDH key
 * generation or random X25519/X448 scalars, imported once, cost a fraction.
 */
export function generateEphemeral(crv: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const info = CURVES[crv]!;
  if (info.nodeKeyType === 'ec') {
    const ecdh = createECDH(info.namedCurve!);
    ecdh.generateKeys();
    const point = ecdh.getPublicKey(); // uncompressed: 04 ‖ x ‖ y
    const size = info.size;
    const d = Buffer.alloc(size);
    const raw = ecdh.getPrivateKey();
    raw.copy(d, size - raw.length);
    const pub = {
      kty: 'EC',
      crv,
      x: encodeBase64url(point.subarray(1, 1 + size)),
      y: encodeBase64url(point.subarray(1 + size)),
    };
    return {
      privateKey: createPrivateKey({ key: { ...pub, d: encodeBase64url(d) }, format: 'jwk' }),
      publicKey: createPublicKey({ key: pub, format: 'jwk' }),
    };
  }
  const der = Buffer.concat([Buffer.from(OKP_PKCS8_PREFIX[crv]!, 'hex'), randomBytes(info.size)]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The `epk` header value: the public members only. */
export function epkHeader(publicKey: KeyObject): Record<string, string> {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const out: Record<string, string> = { kty: jwk['kty']!, crv: jwk['crv']!, x: jwk['x']! };
  if (jwk['y'] !== undefined) out['y'] = jwk['y'];
  return out;
}
