import type { KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import type { JsonObject } from '../base/json.js';
import { decryptContent } from './content.js';
import { decryptionFailed } from './failure.js';
import { checkJweHeaders, type CheckedJweHeader, type PreparedDecrypt } from './header.js';
import { decryptionKeys, type DecryptKey } from './key.js';
import { unwrapKey } from './key-management.js';
import { inflate } from './zip.js';

/** One recipient's view of a JWE, already split and base64url-decoded. */
export interface JweParts {
  /** The protected header exactly as on the wire ('' when absent). */
  readonly protectedB64: string;
  readonly protectedHeader: JsonObject | undefined;
  readonly sharedHeader: JsonObject | undefined;
  readonly recipientHeader: JsonObject | undefined;
  readonly encryptedKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
  /** The JSON `aad` member as on the wire (JSON serializations only). */
  readonly aadB64: string | undefined;
}

export interface RecipientResult {
  plaintext: Uint8Array;
  header: CheckedJweHeader;
  key: KeyObject;
}

/**
 * How many (recipient, key) decryption attempts one JWE may cost in all (docs/security.md#cost-limits): a
 * general JWE of 16 recipients against a key set of 8 candidates would otherwise cost 128
 * RSA or PBES2 operations.
 */
export const MAX_KEY_ATTEMPTS = 16;

/** The attempts left for one JWE, shared by its recipients. */
export interface AttemptBudget {
  left: number;
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
  // RFC 7516 §5.2 step 14: AAD = ASCII(protected) or ASCII(protected '.' aad).
  const aadText =
    parts.aadB64 === undefined ? parts.protectedB64 : `${parts.protectedB64}.${parts.aadB64}`;
  const aad = Buffer.from(aadText, 'ascii');
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
