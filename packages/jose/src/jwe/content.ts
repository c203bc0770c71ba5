import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { JweContentEncryptionAlgorithm } from '../base/algorithms.js';
import { asBuffer, uint64be } from '../base/bytes.js';
import { decryptionFailed } from './failure.js';

/** Ciphertext and authentication tag of one content encryption. */
export interface ContentCiphertext {
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

/**
 * Content encryption (RFC 7518 §5): AES-GCM with a 96-bit IV and a 128-bit tag (§5.3), or
 * AES-CBC with HMAC-SHA-2 (§5.2.2.1). `cek` is exactly `enc.cekBytes` long (checked by callers).
 */
export function encryptContent(
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): ContentCiphertext {
  if (enc.family === 'aes-gcm') {
    const cipher = createCipheriv(enc.cipher as 'aes-128-gcm', cek, iv, {
      authTagLength: enc.tagBytes,
    });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ciphertext, tag: cipher.getAuthTag() };
  }
  const half = enc.cekBytes / 2;
  const cipher = createCipheriv(enc.cipher, cek.subarray(half), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cbcTag(enc, cek.subarray(0, half), aad, iv, ciphertext) };
}

/**
 * Decrypt and authenticate, or throw the opaque failure. For CBC-HMAC the tag length must be
 * exactly half the CEK and the MAC is compared in constant time BEFORE any CBC decryption, so
 * padding errors are never observable (docs/security.md#cbc-hmac; GHSA-58f5-hfqc-jgch). For GCM the tag
 * must be exactly 16 bytes and `authTagLength` pins it (docs/security.md#gcm-tag; CVE-2023-37464, Node DEP0182).
 */
export function decryptContent(
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (cek.length !== enc.cekBytes || iv.length !== enc.ivBytes || tag.length !== enc.tagBytes) {
    throw decryptionFailed();
  }
  if (enc.family === 'aes-gcm') {
    try {
      const decipher = createDecipheriv(enc.cipher as 'aes-128-gcm', cek, iv, {
        authTagLength: enc.tagBytes,
      });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw decryptionFailed();
    }
  }
  const half = enc.cekBytes / 2;
  const expected = cbcTag(enc, cek.subarray(0, half), aad, iv, ciphertext);
  if (!timingSafeEqual(expected, asBuffer(tag))) throw decryptionFailed();
  try {
    const decipher = createDecipheriv(enc.cipher, cek.subarray(half), iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw decryptionFailed();
  }
}

// RFC 7518 §5.2.2.1: M = HMAC(MAC_KEY, A || IV || E || AL), T = the first half of M, where AL is
// the AAD length in bits as a 64-bit big-endian integer (docs/security.md#cbc-hmac: never a 32-bit overflow).
function cbcTag(
  enc: JweContentEncryptionAlgorithm,
  macKey: Uint8Array,
  aad: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Buffer {
  const mac = createHmac(enc.macHash!, macKey)
    .update(aad)
    .update(iv)
    .update(ciphertext)
    .update(uint64be(aad.length * 8))
    .digest();
  return mac.subarray(0, enc.tagBytes);
}
