/**
 * The checks of a signature's shape made before any crypto call, by both cores: exact lengths
 * where the algorithm fixes them, ECDSA `r` and `s` non-zero (docs/security.md#ecdsa-zero,
 * CVE-2022-21449), EdDSA `R` canonical and `S < L` (RFC 8032 §5.1.7).
 */
import type { JwsAlgorithm } from '../base/algorithms.js';
import { isWellFormedEdSignature } from '../keys/edwards.js';

function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** False when `sig` cannot be a valid signature of `alg` (so no crypto call is made). */
export function isPlausibleSignature(
  alg: JwsAlgorithm,
  sig: Uint8Array,
  edCurve: 'Ed25519' | 'Ed448',
): boolean {
  switch (alg.family) {
    case 'hmac':
      return sig.length === alg.signatureBytes;
    case 'rsa':
    case 'rsa-pss':
      return sig.length > 0;
    case 'ecdsa': {
      if (sig.length !== alg.signatureBytes) return false;
      const half = sig.length / 2;
      return !isZero(sig, 0, half) && !isZero(sig, half, sig.length);
    }
    case 'eddsa':
      return isWellFormedEdSignature(sig, edCurve);
  }
}
