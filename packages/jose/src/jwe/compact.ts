import type { KeyObject } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { JoseError } from '../base/errors.js';
import type { JoseHeader } from '../base/header.js';
import { parseJsonObject } from '../base/json.js';
import type { KeyInput } from '../keys/keys.js';
import { decryptRecipient } from './decrypt.js';
import {
  encryptContentPart,
  encryptionRows,
  mergeHeader,
  plaintextBytes,
  wrapForRecipient,
  zipOption,
  type EncryptInternals,
  type EncryptOptions,
} from './encrypt.js';
import { prepareDecrypt, type DecryptOptions, type PreparedDecrypt } from './header.js';
import type { DecryptKey } from './key.js';
import { splitCompactJwe } from './rules.js';

export { splitCompactJwe } from './rules.js';

/** The result of a compact decryption. */
export interface CompactDecryptResult {
  plaintext: Uint8Array;
  protectedHeader: JoseHeader;
  /** The key that decrypted the JWE. */
  key: KeyObject;
}

/**
 * Encrypt into a compact JWE (RFC 7516 §7.1). All header parameters are protected.
 *
 * @example
 * const jwe = encryptCompact('secret text', publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'k1' });
 */
export function encryptCompact(
  plaintext: Uint8Array | string,
  key: KeyInput,
  options: EncryptOptions,
): string {
  return encryptCompactWith(plaintext, key, options, {});
}

/** {@link encryptCompact} with fixed inputs; for reproducing published vectors in tests only. */
export function encryptCompactWith(
  plaintext: Uint8Array | string,
  key: KeyInput,
  options: EncryptOptions,
  internals: EncryptInternals,
): string {
  if (typeof options !== 'object' || options === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const rows = encryptionRows(options.alg, options.enc);
  const zip = zipOption(options.zip);
  const bytes = plaintextBytes(plaintext);
  const wrapped = wrapForRecipient(key, options, rows.alg, rows.enc, internals);
  const header: Record<string, unknown> = {};
  mergeHeader(header, options.header, {
    alg: rows.alg.alg,
    enc: rows.enc.enc,
    kid: wrapped.kid,
    zip: zip ? 'DEF' : undefined,
    ...wrapped.header,
  });
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const c = encryptContentPart(rows.enc, wrapped.cek, bytes, protectedB64, zip, internals);
  return `${protectedB64}.${encodeBase64url(wrapped.encryptedKey)}.${c.iv}.${c.ciphertext}.${c.tag}`;
}

/** Decrypt a compact JWE with prepared options. */
export function decryptCompactPrepared(
  jwe: unknown,
  source: DecryptKey,
  p: PreparedDecrypt,
): CompactDecryptResult {
  const [h, ek, iv, ct, tag] = splitCompactJwe(jwe, p.maxTokenLength);
  if (h.length === 0)
    throw new JoseError('ERR_JWE_MALFORMED', 'a compact JWE needs a protected header');
  const protectedHeader = parseJsonObject(
    decodeBase64url(h, 'protected header'),
    'protected header',
  );
  const r = decryptRecipient(
    {
      protectedB64: h,
      protectedHeader,
      sharedHeader: undefined,
      recipientHeader: undefined,
      encryptedKey: decodeBase64url(ek, 'encrypted key'),
      iv: decodeBase64url(iv, 'iv'),
      ciphertext: decodeBase64url(ct, 'ciphertext'),
      tag: decodeBase64url(tag, 'tag'),
      aadB64: undefined,
    },
    source,
    p,
  );
  return { plaintext: r.plaintext, protectedHeader: protectedHeader as JoseHeader, key: r.key };
}

/**
 * Decrypt a compact JWE (RFC 7516 §5.2). Both allowlists are required; PBES2 works only when
 * listed. Every cryptographic failure is `ERR_JWE_DECRYPTION_FAILED` with one message.
 *
 * @example
 * const { plaintext } = decryptCompact(jwe, privateKey, {
 *   keyManagementAlgorithms: ['ECDH-ES+A256KW'],
 *   contentEncryptionAlgorithms: ['A256GCM'],
 * });
 */
export function decryptCompact(
  jwe: string,
  key: DecryptKey,
  options: DecryptOptions,
): CompactDecryptResult {
  return decryptCompactPrepared(jwe, key, prepareDecrypt(options));
}
