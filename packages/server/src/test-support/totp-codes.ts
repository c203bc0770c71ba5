import { createHmac } from 'node:crypto';

/**
 * Test support, written from RFC 4226 §5.3 and RFC 6238 §4 without the library under test: the
 * code of `secret` (base32) for time step `step`, so tests do not check otpauth against itself.
 */
export function referenceTotp(base32: string, step: number, digits = 6): string {
  const key = decodeBase32(base32);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

/** The RFC 6238 time step of `ms` (30-second steps from the epoch). */
export const stepOf = (ms: number): number => Math.floor(ms / 1000 / 30);

function decodeBase32(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'; // RFC 4648 §6
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error('not base32');
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
