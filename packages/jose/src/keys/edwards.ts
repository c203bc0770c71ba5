/**
 * Edwards-curve point and scalar checks that node:crypto (OpenSSL 3 on Node 20) does not make:
 * small-order and non-canonical public keys and signature `R` values, and `S >= L`.
 * docs/security.md#eddsa-small-order; Node.js PR #64026 (rejects small-order points only in newer releases);
 * RFC 8032 §5.1.7 / §5.2.7 (decoding rules, `S` range).
 */

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

// Ed25519: every small-order point, compared with the sign bit cleared (as libsodium's blocklist),
// including the non-canonical encodings p and p+1 of 0 and 1.
const ED25519_BLOCKLIST = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hex);

const P25519 = (1n << 255n) - 19n;
const L25519 = (1n << 252n) + 27742317777372353535851937790883648493n;
const P448 = (1n << 448n) - (1n << 224n) - 1n;
const L448 = (1n << 446n) - 13818066809895115352007386748515426880336692474882178609894547503885n;

function leToBigInt(b: Uint8Array, start: number, end: number): bigint {
  let n = 0n;
  for (let i = end - 1; i >= start; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

function bigIntToLe(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

// Ed25519 is on every EdDSA verification, so its range checks compare bytes (no BigInt).
const P25519_LE = bigIntToLe(P25519, 32);
const L25519_LE = bigIntToLe(L25519, 32);

/** `b[start…start+32)` (little-endian, top bit masked by `topMask`) < `limit`. */
function lessThan32(b: Uint8Array, start: number, limit: Uint8Array, topMask: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 ? b[start + i]! & topMask : b[start + i]!;
    const y = limit[i]!;
    if (x !== y) return x < y;
  }
  return false;
}

/** True when a 32-byte Ed25519 point encoding is of small order or not canonical (y >= p). */
export function isWeakEd25519Point(p: Uint8Array): boolean {
  if (p.length !== 32) return true;
  for (const bad of ED25519_BLOCKLIST) {
    let same = true;
    for (let i = 0; i < 32; i++) {
      if ((i === 31 ? p[i]! & 0x7f : p[i]) !== bad[i]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return !lessThan32(p, 0, P25519_LE, 0x7f);
}

/** True when a 57-byte Ed448 point encoding is of small order or not canonical. */
export function isWeakEd448Point(p: Uint8Array): boolean {
  if (p.length !== 57) return true;
  if ((p[56]! & 0x7f) !== 0) return true;
  const y = leToBigInt(p, 0, 56);
  // Small-order points of edwards448: (0, 1), (0, -1), (±1, 0).
  return y >= P448 || y === 1n || y === P448 - 1n || y === 0n;
}

/** Check an EdDSA signature's encoding: length, canonical non-small-order R, and S < L. */
export function isWellFormedEdSignature(sig: Uint8Array, curve: 'Ed25519' | 'Ed448'): boolean {
  if (curve === 'Ed25519') {
    if (sig.length !== 64) return false;
    if (isWeakEd25519Point(sig.subarray(0, 32))) return false;
    return lessThan32(sig, 32, L25519_LE, 0xff);
  }
  if (sig.length !== 114) return false;
  if (isWeakEd448Point(sig.subarray(0, 57))) return false;
  return sig[113] === 0 && leToBigInt(sig, 57, 114) < L448;
}
