/**
 * The JWE JSON serializations on Web Crypto (RFC 7516 §7.2), async: the rules are
 * jwe/json-rules.ts, the Node.js core's own; this file adds key management and content
 * encryption (jwe.ts).
 */
import { prepareDecrypt, type DecryptOptions } from '../jwe/header.js';
import {
  assembleFlattened,
  assembleGeneral,
  flattenedHeader,
  flattenedParts,
  generalAad,
  generalParts,
  jsonDecryptResult,
  planFlattened,
  planGeneral,
  recipientEntry,
  recipientParts,
  RecipientFailures,
  type FlattenedEncryptOptions,
  type FlattenedJwe,
  type GeneralEncryptOptions,
  type GeneralJwe,
  type GeneralRecipientOf,
  type JsonDecryptResultOf,
} from '../jwe/json-rules.js';
import { MAX_KEY_ATTEMPTS } from '../jwe/rules.js';
import { randomBytes, type ContentKeys } from './jwe-crypto.js';
import {
  decryptWebRecipient,
  encryptWebContent,
  mappedEncryption,
  wrapForWebRecipient,
  type WebDecryptKey,
  type WebJweKey,
} from './jwe.js';

/** One recipient of a general JWE: its key and key-management options. */
export type WebGeneralRecipient = GeneralRecipientOf<WebJweKey>;

/** The result of a JSON decryption: `key` is the key, as given, that decrypted. */
export type WebJsonDecryptResult = JsonDecryptResultOf<WebJweKey>;

/**
 * Encrypt into the flattened JWE JSON serialization (RFC 7516 §7.2.2). `alg`, `enc`, `kid`
 * and the key-management parameters go in the protected header.
 *
 * @example
 * const jwe = await encryptFlattened('text', jwk, { alg: 'A256KW', enc: 'A256GCM', aad: 'context' });
 */
export async function encryptFlattened(
  plaintext: Uint8Array | string,
  key: WebJweKey,
  options: FlattenedEncryptOptions,
): Promise<FlattenedJwe> {
  const plan = planFlattened(plaintext, options);
  return mappedEncryption(`${plan.alg.alg} with ${plan.enc.enc}`, async () => {
    const cek = randomBytes(plan.enc.cekBytes);
    const wrapped = await wrapForWebRecipient(key, options, plan.alg, plan.enc, cek);
    const a = flattenedHeader(plan, options, wrapped);
    const c = await encryptWebContent(plan.enc, wrapped.content, plan.bytes, a.aadText, plan.zip);
    return assembleFlattened(plan, a, wrapped.encryptedKey, c);
  });
}

/**
 * Encrypt one plaintext to several recipients (RFC 7516 §7.2.1): one CEK, wrapped per recipient.
 * `dir` and `ECDH-ES` allow one recipient only.
 *
 * @example
 * const jwe = await encryptGeneral('text', [
 *   { key: aliceJwk, alg: 'ECDH-ES+A256KW', kid: 'alice' },
 *   { key: bobJwk, alg: 'RSA-OAEP-256', kid: 'bob' },
 * ], { enc: 'A256GCM' });
 */
export async function encryptGeneral(
  plaintext: Uint8Array | string,
  recipients: readonly WebGeneralRecipient[],
  options: GeneralEncryptOptions,
): Promise<GeneralJwe> {
  const plan = planGeneral(plaintext, recipients, options);
  return mappedEncryption(`JWE with ${plan.enc.enc}`, async () => {
    const cek = randomBytes(plan.enc.cekBytes);
    let contentKey: Uint8Array | ContentKeys = cek;
    const entries: GeneralJwe['recipients'] = [];
    // In order, one after the other: the first refusal is the one the Node.js core reports.
    for (const [i, r] of recipients.entries()) {
      const row = plan.rows[i]!;
      const wrapped = await wrapForWebRecipient(r.key, r, row, plan.enc, cek);
      if (row.direct) contentKey = wrapped.content;
      entries.push(recipientEntry(plan, r, row, wrapped));
    }
    const a = generalAad(plan, options);
    const c = await encryptWebContent(plan.enc, contentKey, plan.bytes, a.aadText, plan.zip);
    return assembleGeneral(plan, a, entries, c);
  });
}

/**
 * Decrypt a flattened JWE JSON object (RFC 7516 §7.2.2). The protected, shared and
 * per-recipient headers must be disjoint; `zip` and `crit` count only when protected.
 */
export async function decryptFlattened(
  jwe: FlattenedJwe,
  key: WebDecryptKey,
  options: DecryptOptions,
): Promise<WebJsonDecryptResult> {
  const p = prepareDecrypt(options);
  const parts = flattenedParts(jwe, p);
  return jsonDecryptResult(parts, await decryptWebRecipient(parts, key, p));
}

/**
 * Decrypt a general JWE JSON object (RFC 7516 §7.2.1): each recipient (at most 16) whose `alg`
 * is allowed is tried in turn; the first that decrypts wins. When none does, the opaque
 * decryption failure as soon as any recipient reached decryption, else the first error.
 */
export async function decryptGeneral(
  jwe: GeneralJwe,
  key: WebDecryptKey,
  options: DecryptOptions,
): Promise<WebJsonDecryptResult> {
  const p = prepareDecrypt(options);
  const { shared, recipients } = generalParts(jwe, p);
  const failures = new RecipientFailures();
  const budget = { left: MAX_KEY_ATTEMPTS };
  for (const entry of recipients) {
    const parts = recipientParts(shared, entry);
    try {
      return jsonDecryptResult(parts, await decryptWebRecipient(parts, key, p, budget));
    } catch (e) {
      failures.note(e);
    }
  }
  throw failures.error();
}
