/**
 * The JWE JSON serializations on the Node.js core (RFC 7516 §7.2): the rules are
 * jwe/json-rules.ts, shared with the Web Crypto entry; this file adds key management and content
 * encryption over node:crypto.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { KeyInput } from '../keys/keys.js';
import { decryptRecipient, MAX_KEY_ATTEMPTS } from './decrypt.js';
import { encryptContentPart, wrapForRecipient, type EncryptInternals } from './encrypt.js';
import { prepareDecrypt, type DecryptOptions, type PreparedDecrypt } from './header.js';
import type { DecryptKey } from './key.js';
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
} from './json-rules.js';

export { MAX_RECIPIENTS } from './json-rules.js';
export type {
  FlattenedJwe,
  GeneralJwe,
  JsonEncryptOptions,
  FlattenedEncryptOptions,
  GeneralEncryptOptions,
} from './json-rules.js';

/** One recipient of a general JWE: its key and key-management options. */
export type GeneralRecipient = GeneralRecipientOf<KeyInput>;

export type JsonDecryptResult = JsonDecryptResultOf<KeyObject>;

/**
 * Encrypt into the flattened JWE JSON serialization (RFC 7516 §7.2.2). `alg`, `enc`, `kid`
 * and the key-management parameters go in the protected header.
 *
 * @example
 * const jwe = encryptFlattened('text', key, { alg: 'A256KW', enc: 'A256GCM', aad: 'context' });
 */
export function encryptFlattened(
  plaintext: Uint8Array | string,
  key: KeyInput,
  options: FlattenedEncryptOptions,
): FlattenedJwe {
  return encryptFlattenedWith(plaintext, key, options, {});
}

/** {@link encryptFlattened} with fixed inputs; tests only. */
export function encryptFlattenedWith(
  plaintext: Uint8Array | string,
  key: KeyInput,
  options: FlattenedEncryptOptions,
  internals: EncryptInternals,
): FlattenedJwe {
  const plan = planFlattened(plaintext, options);
  const wrapped = wrapForRecipient(key, options, plan.alg, plan.enc, internals);
  const a = flattenedHeader(plan, options, wrapped);
  const c = encryptContentPart(plan.enc, wrapped.cek, plan.bytes, a.aadText, plan.zip, internals);
  return assembleFlattened(plan, a, wrapped.encryptedKey, c);
}

/**
 * Encrypt one plaintext to several recipients (RFC 7516 §7.2.1): one CEK, wrapped per recipient.
 * `enc` (and `zip`) go in the protected header; each recipient's `alg`, `kid` and key-management
 * parameters go in its own unprotected header. `dir` and `ECDH-ES` allow one recipient only.
 *
 * @example
 * const jwe = encryptGeneral('text', [
 *   { key: alicePublicKey, alg: 'ECDH-ES+A256KW', kid: 'alice' },
 *   { key: bobPublicKey, alg: 'RSA-OAEP-256', kid: 'bob' },
 * ], { enc: 'A256GCM' });
 */
export function encryptGeneral(
  plaintext: Uint8Array | string,
  recipients: readonly GeneralRecipient[],
  options: GeneralEncryptOptions,
): GeneralJwe {
  return encryptGeneralWith(plaintext, recipients, options, {});
}

/** {@link encryptGeneral} with fixed inputs; tests only. */
export function encryptGeneralWith(
  plaintext: Uint8Array | string,
  recipients: readonly GeneralRecipient[],
  options: GeneralEncryptOptions,
  internals: EncryptInternals,
): GeneralJwe {
  const plan = planGeneral(plaintext, recipients, options);
  const cek = internals.cek ?? randomBytes(plan.enc.cekBytes);
  let contentKey: Uint8Array = cek;
  const entries = recipients.map((r, i) => {
    const row = plan.rows[i]!;
    const wrapped = wrapForRecipient(r.key, r, row, plan.enc, { ...internals, cek });
    if (row.direct) contentKey = wrapped.cek;
    return recipientEntry(plan, r, row, wrapped);
  });
  const a = generalAad(plan, options);
  const c = encryptContentPart(plan.enc, contentKey, plan.bytes, a.aadText, plan.zip, internals);
  return assembleGeneral(plan, a, entries, c);
}

/** Decrypt a flattened JWE JSON object with prepared options. */
export function decryptFlattenedPrepared(
  jwe: unknown,
  source: DecryptKey,
  p: PreparedDecrypt,
): JsonDecryptResult {
  const parts = flattenedParts(jwe, p);
  return jsonDecryptResult(parts, decryptRecipient(parts, source, p));
}

/**
 * Decrypt a flattened JWE JSON object (RFC 7516 §7.2.2). The protected, shared and
 * per-recipient headers must be disjoint; `zip` and `crit` count only when protected.
 *
 * @example
 * const { plaintext } = decryptFlattened(jwe, key, { keyManagementAlgorithms: ['A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
 */
export function decryptFlattened(
  jwe: FlattenedJwe,
  key: DecryptKey,
  options: DecryptOptions,
): JsonDecryptResult {
  return decryptFlattenedPrepared(jwe, key, prepareDecrypt(options));
}

/**
 * Decrypt a general JWE JSON object (RFC 7516 §7.2.1): each recipient (at most 16) whose
 * `alg` is allowed is tried in turn with the given key(s); the first that decrypts wins.
 * When none does, the first recipient error is thrown — the opaque decryption failure as soon
 * as any recipient reached decryption.
 *
 * @example
 * const { plaintext, unprotectedHeader } = decryptGeneral(jwe, myPrivateKey, { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
 */
export function decryptGeneral(
  jwe: GeneralJwe,
  key: DecryptKey,
  options: DecryptOptions,
): JsonDecryptResult {
  const p = prepareDecrypt(options);
  const { shared, recipients } = generalParts(jwe, p);
  const failures = new RecipientFailures();
  const budget = { left: MAX_KEY_ATTEMPTS };
  for (const entry of recipients) {
    const parts = recipientParts(shared, entry);
    try {
      return jsonDecryptResult(parts, decryptRecipient(parts, key, p, budget));
    } catch (e) {
      failures.note(e);
    }
  }
  throw failures.error();
}
