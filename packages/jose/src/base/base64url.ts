import { Buffer } from 'node:buffer';
import { JoseError } from './errors.js';

// Value of each base64url character; -1 for anything else.
const VALUES = new Int8Array(128).fill(-1);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;
const STRICT = /^[A-Za-z0-9_-]*$/;

/** Encode bytes or a UTF-8 string as base64url without padding (RFC 7515 §2). */
export function encodeBase64url(input: Uint8Array | string): string {
  return (typeof input === 'string' ? Buffer.from(input, 'utf8') : asBuf(input)).toString(
    'base64url',
  );
}

/**
 * Decode strict base64url: only `A-Z a-z 0-9 - _`, no padding, no whitespace, a length that is
 * not 1 mod 4, and zero unused trailing bits — so every byte string has exactly one accepted
 * encoding (docs/security.md#base64url; RFC 4648 §3.5 allows rejecting non-zero pad bits, and we do).
 *
 * Node's `Buffer.from(s, 'base64url')` silently skips invalid characters, so the check runs first.
 */
export function decodeBase64url(input: string, what = 'segment'): Buffer {
  if (typeof input === 'string') {
    // Node's decoder accepts far more than canonical base64url, but its encoder only writes the
    // canonical form, so a round trip that gives back the input proves the input canonical
    // (same set as isStrictBase64url, and cheaper than a regex pass plus a decode).
    const bytes = Buffer.from(input, 'base64url');
    if (bytes.toString('base64url') === input) return bytes;
  }
  throw new JoseError('ERR_BASE64URL_INVALID', `${what} is not strict base64url`);
}

/** True when `s` is canonical unpadded base64url (see {@link decodeBase64url}). */
export function isStrictBase64url(s: string): boolean {
  const rem = s.length & 3;
  if (rem === 1 || !STRICT.test(s)) return false;
  if (rem === 0) return true;
  const last = VALUES[s.charCodeAt(s.length - 1)]!;
  // 2 chars carry 8 bits of 12: the low 4 bits must be 0; 3 chars carry 16 of 18: low 2 bits.
  return (last & (rem === 2 ? 0x0f : 0x03)) === 0;
}

function asBuf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
