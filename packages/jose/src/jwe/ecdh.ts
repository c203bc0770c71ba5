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
import { encodeBase64url } from '../base/base64url.js';
import { decryptionFailed } from './failure.js';
import { checkEpk, concatKdfOtherInfo, concatKdfRound, isAllZero } from './rules.js';

export { isOnCurve } from './rules.js';

/** The JWK curve of an ECDH key (`P-256`, `P-384`, `P-521`, `X25519`, `X448`), or undefined. */
export function ecdhCurveOf(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return CRV_BY_NAMED_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (type === 'x25519') return 'X25519';
  if (type === 'x448') return 'X448';
  return undefined;
}

/**
 * Validate the `epk` header against the recipient's curve before any ECDH (rules.ts checkEpk)
 * and import it.
 */
export function importEpk(epk: unknown, recipientCrv: string): KeyObject {
  const jwk = checkEpk(epk, recipientCrv);
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
  if (isAllZero(z)) throw decryptionFailed();
  return z;
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
  const otherInfo = concatKdfOtherInfo(keyBytes, algorithmId, apu, apv);
  const rounds = Math.ceil(keyBytes / 32);
  const out = Buffer.alloc(rounds * 32);
  for (let i = 0; i < rounds; i++) {
    createHash('sha256').update(concatKdfRound(i, z, otherInfo)).digest().copy(out, i * 32);
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
