import type { KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { decryptContent } from './content.js';
import { decryptionFailed } from './failure.js';
import { checkJweHeaders, type CheckedJweHeader, type PreparedDecrypt } from './header.js';
import { decryptionKeys, type DecryptKey } from './key.js';
import { unwrapKey } from './key-management.js';
import { inflate } from './zip.js';
import { jweAad, MAX_KEY_ATTEMPTS, type AttemptBudget, type JweParts } from './rules.js';

export { MAX_KEY_ATTEMPTS } from './rules.js';
export type { AttemptBudget, JweParts } from './rules.js';

export interface RecipientResult {
  plaintext: Uint8Array;
  header: CheckedJweHeader;
  key: KeyObject;
}

/**
 * Decrypt for one recipient (RFC 7516 §5.2), in order: header rules → allowlists → key fits
 * `alg` → CEK → tag → plaintext → inflate. Every failure from the CEK step to the tag is the
 * one opaque error, whichever candidate key was tried.
 */
export function decryptRecipient(
  parts: JweParts,
  source: DecryptKey,
  p: PreparedDecrypt,
  budget: AttemptBudget = { left: MAX_KEY_ATTEMPTS },
): RecipientResult {
  const header = checkJweHeaders(
    parts.protectedHeader,
    parts.sharedHeader,
    parts.recipientHeader,
    p,
  );
  if (header.alg.direct && parts.encryptedKey.length !== 0) {
    // RFC 7516 §5.2 step 10: with direct key agreement or encryption the encrypted key is empty.
    throw new JoseError(
      'ERR_JWE_MALFORMED',
      `the encrypted key must be empty with "${header.alg.alg}"`,
    );
  }
  const keys = decryptionKeys(source, header.alg, header.enc, header.kid, p.policy);
  const aad = jweAad(parts);
  for (const key of keys) {
    if (budget.left <= 0) break;
    budget.left--;
    let plaintext: Uint8Array;
    try {
      const cek = unwrapKey(header.alg, header.enc, key, header.joined, parts.encryptedKey);
      plaintext = decryptContent(header.enc, cek, parts.iv, parts.ciphertext, parts.tag, aad);
    } catch (e) {
      if (e instanceof JoseError && e.code === 'ERR_JWE_DECRYPTION_FAILED') continue;
      throw decryptionFailed();
    }
    return {
      plaintext: header.zip ? inflate(plaintext, p.maxDecompressedLength) : plaintext,
      header,
      key,
    };
  }
  throw decryptionFailed();
}
