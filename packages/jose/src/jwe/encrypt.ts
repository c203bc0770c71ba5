import { randomBytes, type KeyObject } from 'node:crypto';
import type {
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { encodeBase64url } from '../base/base64url.js';
import type { KeyInput } from '../keys/keys.js';
import { encryptContent } from './content.js';
import { prepareJweKey } from './key.js';
import { wrapKey, type KeyManagementInputs, type WrappedKey } from './key-management.js';
import { deflate } from './zip.js';
import {
  ascii,
  checkRecipientOptions,
  type EncryptedContent,
  type RecipientOptions,
} from './rules.js';

export { encryptionRows, mergeHeader, plaintextBytes, zipOption } from './rules.js';
export type { EncryptedContent, EncryptOptions, RecipientOptions } from './rules.js';

/** Test-only fixed values (reproducing published vectors). Never reuse an IV or CEK. */
export interface EncryptInternals extends KeyManagementInputs {
  iv?: Uint8Array;
}

/** Validate a recipient's options and wrap the CEK for it. */
export function wrapForRecipient(
  key: KeyInput,
  o: RecipientOptions,
  alg: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  internals: KeyManagementInputs,
): WrappedKey & { kid: string | undefined } {
  const kid = checkRecipientOptions(o, internals.p2s);
  const k: KeyObject = prepareJweKey(key, alg, enc, 'encrypt', o);
  const wrapped = wrapKey(alg, enc, k, {
    ...internals,
    ...(o.apu !== undefined ? { apu: o.apu } : {}),
    ...(o.apv !== undefined ? { apv: o.apv } : {}),
    ...(o.p2c !== undefined ? { p2c: o.p2c } : {}),
  });
  return { ...wrapped, kid };
}

/** Compress (when asked) and encrypt the content with AAD = ASCII(aadText) (RFC 7516 §5.1 steps 11-15). */
export function encryptContentPart(
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array,
  plaintext: Uint8Array,
  aadText: string,
  zip: boolean,
  internals: EncryptInternals,
): EncryptedContent {
  const iv = internals.iv ?? randomBytes(enc.ivBytes);
  const data = zip ? deflate(plaintext) : plaintext;
  const { ciphertext, tag } = encryptContent(enc, cek, iv, data, ascii(aadText));
  return {
    iv: encodeBase64url(iv),
    ciphertext: encodeBase64url(ciphertext),
    tag: encodeBase64url(tag),
  };
}
