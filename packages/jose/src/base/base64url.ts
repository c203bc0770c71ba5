import { JoseError } from './errors.js';

// This layer is shared by the Node.js core and the Web Crypto entry, so it imports no `node:`
// module: it uses the runtime's Buffer where there is one (Node.js, Bun: the fast native
// codec) and a table codec elsewhere (Deno, workers, browsers).
const NodeBuffer: typeof Buffer | undefined = (globalThis as { Buffer?: typeof Buffer }).Buffer;

// Value of each base64url character; -1 for anything else.
const VALUES = new Int8Array(128).fill(-1);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;
const STRICT = /^[A-Za-z0-9_-]*$/;

/** Encode bytes or a UTF-8 string as base64url without padding (RFC 7515 §2). */
export function encodeBase64url(input: Uint8Array | string): string {
  if (NodeBuffer === undefined) return encodePortable(input);
  return (typeof input === 'string' ? NodeBuffer.from(input, 'utf8') : asBuf(input)).toString(
    'base64url',
  );
}

/**
 * Decode strict base64url: only `A-Z a-z 0-9 - _`, no padding, no whitespace, a length that is
 * not 1 mod 4, and zero unused trailing bits — so every byte string has exactly one accepted
 * encoding (docs/security.md#base64url; RFC 4648 §3.5 allows rejecting non-zero pad bits, and we do).
 *
 * Node's `Buffer.from(s, 'base64url')` silently skips invalid characters, so the check runs first.
 * The result is a Buffer where the runtime has one (Node.js, Bun), a Uint8Array elsewhere: only
 * Node.js-only modules may use Buffer methods on it.
 */
export function decodeBase64url(input: string, what = 'segment'): Buffer {
  if (NodeBuffer === undefined) {
    if (typeof input === 'string' && isStrictBase64url(input)) return decodePortable(input);
  } else if (typeof input === 'string') {
    // Node's decoder accepts far more than canonical base64url, but its encoder only writes the
    // canonical form, so a round trip that gives back the input proves the input canonical
    // (same set as isStrictBase64url, and cheaper than a regex pass plus a decode).
    const bytes = NodeBuffer.from(input, 'base64url');
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
  return NodeBuffer!.isBuffer(b) ? b : NodeBuffer!.from(b.buffer, b.byteOffset, b.byteLength);
}

const utf8Encoder = new TextEncoder();

function encodePortable(input: Uint8Array | string): string {
  const b = typeof input === 'string' ? utf8Encoder.encode(input) : input;
  let out = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out +=
      ALPHABET[n >>> 18]! +
      ALPHABET[(n >>> 12) & 63]! +
      ALPHABET[(n >>> 6) & 63]! +
      ALPHABET[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

/** Decode input already known to be strict base64url. */
function decodePortable(s: string): Buffer {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 3 < s.length; i += 4) {
    const n =
      (VALUES[s.charCodeAt(i)]! << 18) |
      (VALUES[s.charCodeAt(i + 1)]! << 12) |
      (VALUES[s.charCodeAt(i + 2)]! << 6) |
      VALUES[s.charCodeAt(i + 3)]!;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = s.length - i;
  if (rest >= 2) {
    const n =
      (VALUES[s.charCodeAt(i)]! << 18) |
      (VALUES[s.charCodeAt(i + 1)]! << 12) |
      (rest === 3 ? VALUES[s.charCodeAt(i + 2)]! << 6 : 0);
    out[o++] = n >>> 16;
    if (rest === 3) out[o++] = (n >>> 8) & 255;
  }
  // Typed as the Node.js result; callers outside Node.js-only modules treat it as a Uint8Array.
  return out as Buffer;
}

/** The portable codec, exposed for the tests that prove it equal to Buffer's. */
export const portableBase64url = { encode: encodePortable, decode: decodePortable };
