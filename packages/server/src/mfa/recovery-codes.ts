import { createHash, randomBytes } from 'node:crypto';

/** How many recovery codes a user gets at enrolment. */
export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32: no I, L, O or U, so a code read off paper is not misread.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Four groups of four characters (80 random bits), case-insensitive, hyphens optional. */
export const RECOVERY_CODE =
  /^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}(-?[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}){3}$/;

/**
 * Fresh recovery codes, shown once. 80 random bits each: like client secrets, a fast hash
 * (SHA-256) protects them, since no one can search that space from a stolen hash.
 */
export function newRecoveryCodes(): string[] {
  const out: string[] = [];
  for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
    const bytes = randomBytes(16);
    let s = '';
    for (let j = 0; j < 16; j++) s += ALPHABET[bytes[j]! & 31];
    out.push(s.match(/.{4}/g)!.join('-'));
  }
  return out;
}

/** The stored hash of a recovery code (bound to its user), or undefined when it is malformed. */
export function recoveryCodeHash(userId: string, code: string): string | undefined {
  if (!RECOVERY_CODE.test(code)) return undefined;
  const normal = code.replace(/-/g, '').toUpperCase();
  return createHash('sha256').update(`recovery-code:${userId}:${normal}`).digest('base64url');
}
