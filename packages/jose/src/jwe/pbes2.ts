import { pbkdf2Sync } from 'node:crypto';
import type { JweKeyManagementAlgorithm } from '../base/algorithms.js';
import { JoseError } from '../base/errors.js';
import { utf8 } from '../base/bytes.js';

/** Default maximum PBES2 iteration count on decryption (docs/security.md#pbes2; jose's default). */
export const DEFAULT_MAX_PBES2_COUNT = 10_000;
/** Default iteration count when encrypting (at the decryption cap, so defaults interoperate). */
export const DEFAULT_PBES2_COUNT = 10_000;
/** Minimum salt input length (RFC 7518 §4.8.1.1: at least 8 octets). */
export const MIN_PBES2_SALT_BYTES = 8;

/**
 * Check `p2c` and `p2s` BEFORE any derivation (docs/security.md#pbes2; CVE-2022-36083): `p2c` a positive safe
 * integer at most `maxCount`, `p2s` at least 8 bytes.
 */
export function checkPbes2Parameters(
  p2c: unknown,
  p2s: Uint8Array | undefined,
  maxCount: number,
): number {
  if (typeof p2c !== 'number' || !Number.isSafeInteger(p2c) || p2c < 1) {
    throw new JoseError('ERR_JWE_PBES2_NOT_ALLOWED', '"p2c" must be a positive integer');
  }
  if (p2c > maxCount) {
    throw new JoseError(
      'ERR_JWE_PBES2_NOT_ALLOWED',
      `"p2c" is above the allowed maximum (${maxCount})`,
    );
  }
  if (p2s === undefined || p2s.length < MIN_PBES2_SALT_BYTES) {
    throw new JoseError(
      'ERR_JWE_PBES2_NOT_ALLOWED',
      `"p2s" must be at least ${MIN_PBES2_SALT_BYTES} bytes`,
    );
  }
  return p2c;
}

/** RFC 7518 §4.8.1.1: PBKDF2(password, UTF8(alg) || 0x00 || p2s, p2c) → the AES-KW key. */
export function derivePbes2Key(
  row: JweKeyManagementAlgorithm,
  password: Uint8Array,
  p2s: Uint8Array,
  p2c: number,
): Uint8Array {
  const algBytes = utf8(row.alg);
  const salt = new Uint8Array(algBytes.length + 1 + p2s.length);
  salt.set(algBytes, 0);
  salt.set(p2s, algBytes.length + 1);
  return pbkdf2Sync(password, salt, p2c, row.kekBytes, row.hash!);
}
