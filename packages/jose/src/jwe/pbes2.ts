import { pbkdf2Sync } from 'node:crypto';
import type { JweKeyManagementAlgorithm } from '../base/algorithms.js';
import { pbes2Salt } from './rules.js';

export {
  DEFAULT_MAX_PBES2_COUNT,
  DEFAULT_PBES2_COUNT,
  MIN_PBES2_SALT_BYTES,
  checkPbes2Parameters,
} from './rules.js';

/** RFC 7518 §4.8.1.1: PBKDF2(password, UTF8(alg) || 0x00 || p2s, p2c) → the AES-KW key. */
export function derivePbes2Key(
  row: JweKeyManagementAlgorithm,
  password: Uint8Array,
  p2s: Uint8Array,
  p2c: number,
): Uint8Array {
  return pbkdf2Sync(password, pbes2Salt(row, p2s), p2c, row.kekBytes, row.hash!);
}
