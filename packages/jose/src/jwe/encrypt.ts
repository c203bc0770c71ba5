import { randomBytes, type KeyObject } from 'node:crypto';
import {
  isJweContentEncryptionAlg,
  isJweKeyManagementAlg,
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  type JweContentEncryptionAlg,
  type JweContentEncryptionAlgorithm,
  type JweKeyManagementAlg,
  type JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { encodeBase64url } from '../base/base64url.js';
import { utf8 } from '../base/bytes.js';
import { JoseError } from '../base/errors.js';
import { checkHeaderTypes } from '../base/header.js';
import { isJsonObject, type JsonObject } from '../base/json.js';
import type { KeyInput, KeyPolicy } from '../keys/keys.js';
import { encryptContent } from './content.js';
import { prepareJweKey } from './key.js';
import { wrapKey, type KeyManagementInputs, type WrappedKey } from './key-management.js';
import { deflate } from './zip.js';

/** Options for one recipient's key management. */
export interface RecipientOptions extends KeyPolicy {
  /** Key management algorithm. */
  alg: JweKeyManagementAlg;
  /** Key id of the recipient key. */
  kid?: string;
  /** ECDH-ES PartyUInfo / PartyVInfo bytes (written as `apu` / `apv`). */
  apu?: Uint8Array;
  apv?: Uint8Array;
  /** PBES2 iteration count (default 10,000, the default decryption cap). */
  p2c?: number;
}

/** Options of encryptCompact / encryptFlattened / encryptJwt. */
export interface EncryptOptions extends RecipientOptions {
  /** Content encryption algorithm. */
  enc: JweContentEncryptionAlg;
  /** `"DEF"` compresses the plaintext before encryption (RFC 7516 §4.1.3; see RFC 8725 §3.6). */
  zip?: 'DEF';
  /** Further protected header parameters (e.g. `typ`, `cty`). */
  header?: Record<string, unknown>;
}

/** Test-only fixed values (reproducing published vectors). Never reuse an IV or CEK. */
export interface EncryptInternals extends KeyManagementInputs {
  iv?: Uint8Array;
}

// Parameters the library writes itself; a caller may not set them through `header`.
const GENERATED = ['zip', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c'];

/** Resolve the rows of an encryption, or throw ERR_ALG_UNSUPPORTED (RSA1_5 named as such). */
export function encryptionRows(
  alg: unknown,
  enc: unknown,
): { alg: JweKeyManagementAlgorithm; enc: JweContentEncryptionAlgorithm } {
  if (alg === 'RSA1_5') {
    throw new JoseError(
      'ERR_ALG_UNSUPPORTED',
      'RSA1_5 is not supported (CVE-2023-46809): use RSA-OAEP-256 or ECDH-ES',
    );
  }
  if (!isJweKeyManagementAlg(alg))
    throw new JoseError('ERR_ALG_UNSUPPORTED', 'unsupported JWE key management algorithm');
  if (!isJweContentEncryptionAlg(enc))
    throw new JoseError('ERR_ALG_UNSUPPORTED', 'unsupported JWE content encryption algorithm');
  return { alg: JWE_KEY_MANAGEMENT_ALGORITHMS[alg], enc: JWE_CONTENT_ENCRYPTION_ALGORITHMS[enc] };
}

/**
 * Merge caller header parameters into `target` (keeping the caller's member order, so published
 * vectors can be reproduced): `alg`/`enc` may be repeated only with the same value, generated
 * parameters may not be set.
 */
export function mergeHeader(
  target: Record<string, unknown>,
  extra: unknown,
  fixed: Record<string, unknown>,
): void {
  if (extra !== undefined) {
    if (!isJsonObject(extra))
      throw new JoseError('ERR_OPTIONS_INVALID', 'header must be an object');
    for (const [k, v] of Object.entries(extra)) {
      if (GENERATED.includes(k))
        throw new JoseError('ERR_OPTIONS_INVALID', `header parameter "${k}" is set by the library`);
      if (fixed[k] !== undefined && fixed[k] !== v)
        throw new JoseError('ERR_OPTIONS_INVALID', `header "${k}" conflicts with the options`);
      target[k] = v;
    }
  }
  for (const [k, v] of Object.entries(fixed)) if (v !== undefined) target[k] = v;
  checkHeaderTypes(target as JsonObject);
}

function checkKid(kid: unknown): string | undefined {
  if (kid === undefined) return undefined;
  if (typeof kid !== 'string' || kid.length === 0)
    throw new JoseError('ERR_OPTIONS_INVALID', 'kid must be a non-empty string');
  return kid;
}

/** Validate a recipient's options and wrap the CEK for it. */
export function wrapForRecipient(
  key: KeyInput,
  o: RecipientOptions,
  alg: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  internals: KeyManagementInputs,
): WrappedKey & { kid: string | undefined } {
  const kid = checkKid(o.kid);
  if (
    o.p2c !== undefined &&
    (typeof o.p2c !== 'number' || !Number.isSafeInteger(o.p2c) || o.p2c < 1)
  ) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'p2c must be a positive integer');
  }
  for (const n of ['apu', 'apv'] as const) {
    if (o[n] !== undefined && !(o[n] instanceof Uint8Array))
      throw new JoseError('ERR_OPTIONS_INVALID', `${n} must be a Uint8Array`);
  }
  if (internals.p2s !== undefined && internals.p2s.length < 8)
    throw new JoseError('ERR_OPTIONS_INVALID', 'p2s must be at least 8 bytes');
  const k: KeyObject = prepareJweKey(key, alg, enc, 'encrypt', o);
  const wrapped = wrapKey(alg, enc, k, {
    ...internals,
    ...(o.apu !== undefined ? { apu: o.apu } : {}),
    ...(o.apv !== undefined ? { apv: o.apv } : {}),
    ...(o.p2c !== undefined ? { p2c: o.p2c } : {}),
  });
  return { ...wrapped, kid };
}

/** Plaintext as bytes (strings are UTF-8). */
export function plaintextBytes(plaintext: Uint8Array | string): Uint8Array {
  if (typeof plaintext === 'string') return utf8(plaintext);
  if (plaintext instanceof Uint8Array) return plaintext;
  throw new JoseError('ERR_OPTIONS_INVALID', 'plaintext must be a Uint8Array or a string');
}

/** The encrypted content members, base64url-encoded. */
export interface EncryptedContent {
  iv: string;
  ciphertext: string;
  tag: string;
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
  const { ciphertext, tag } = encryptContent(enc, cek, iv, data, Buffer.from(aadText, 'ascii'));
  return {
    iv: encodeBase64url(iv),
    ciphertext: encodeBase64url(ciphertext),
    tag: encodeBase64url(tag),
  };
}

/** Validate `zip` (only `"DEF"`). */
export function zipOption(zip: unknown): boolean {
  if (zip === undefined) return false;
  if (zip !== 'DEF') throw new JoseError('ERR_OPTIONS_INVALID', 'the only supported zip is "DEF"');
  return true;
}
