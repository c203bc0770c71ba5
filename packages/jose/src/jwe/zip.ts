import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { JoseError } from '../base/errors.js';
import { decryptionFailed } from './failure.js';

export { DEFAULT_MAX_DECOMPRESSED_LENGTH } from './rules.js';

/** DEFLATE (RFC 1951, raw) the plaintext before encryption (RFC 7516 §4.1.3). */
export function deflate(plaintext: Uint8Array): Uint8Array {
  return deflateRawSync(plaintext);
}

/**
 * Inflate with a hard output cap: zlib stops as soon as the output would pass `max` bytes,
 * so a bomb never allocates more than the cap (CVE-2024-28176, CVE-2024-28180). A corrupt
 * stream is the opaque decryption failure; passing the cap is ERR_JWE_TOO_LARGE (the
 * ciphertext was already authenticated, so this reveals nothing about keys).
 */
export function inflate(compressed: Uint8Array, max: number): Uint8Array {
  try {
    return inflateRawSync(compressed, { maxOutputLength: Math.max(1, max) });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new JoseError(
        'ERR_JWE_TOO_LARGE',
        `the decompressed plaintext is larger than ${max} bytes`,
      );
    }
    throw decryptionFailed();
  }
}
