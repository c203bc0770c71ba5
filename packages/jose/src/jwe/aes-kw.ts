import { createCipheriv, createDecipheriv } from 'node:crypto';

// RFC 3394 §2.2.3.1 default initial value.
const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** AES Key Wrap (RFC 3394, RFC 7518 §4.4) through node:crypto's `id-aesNNN-wrap` ciphers. */
export function aesKeyWrap(cipher: string, kek: Uint8Array, cek: Uint8Array): Uint8Array {
  const c = createCipheriv(cipher, kek, DEFAULT_IV);
  return Buffer.concat([c.update(cek), c.final()]);
}

/**
 * AES Key Unwrap. Returns `undefined` when the integrity check fails or the input has a wrong
 * length, so callers can substitute a random CEK and fail later at the tag (RFC 7516 §11.5).
 */
export function aesKeyUnwrap(
  cipher: string,
  kek: Uint8Array,
  wrapped: Uint8Array,
): Uint8Array | undefined {
  // At least two 64-bit blocks besides the integrity block, and whole blocks only.
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  try {
    const d = createDecipheriv(cipher, kek, DEFAULT_IV);
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    return undefined;
  }
}
