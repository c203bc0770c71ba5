import { randomBytes, type KeyObject } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { utf8 } from '../base/bytes.js';
import { JoseError } from '../base/errors.js';
import { checkDisjoint, type JoseHeader } from '../base/header.js';
import { isJsonObject, parseJsonObject, type JsonObject } from '../base/json.js';
import type { KeyInput } from '../keys/keys.js';
import { decryptRecipient, MAX_KEY_ATTEMPTS, type RecipientResult } from './decrypt.js';
import {
  encryptContentPart,
  encryptionRows,
  mergeHeader,
  plaintextBytes,
  wrapForRecipient,
  zipOption,
  type EncryptInternals,
  type EncryptOptions,
  type RecipientOptions,
} from './encrypt.js';
import { prepareDecrypt, type DecryptOptions, type PreparedDecrypt } from './header.js';
import type { DecryptKey } from './key.js';
import type { JweContentEncryptionAlg } from '../base/algorithms.js';

/** RFC 7516 §7.2.2 flattened JWE JSON serialization. */
export interface FlattenedJwe {
  protected?: string;
  unprotected?: JoseHeader;
  header?: JoseHeader;
  encrypted_key?: string;
  iv: string;
  ciphertext: string;
  tag: string;
  aad?: string;
}

/** RFC 7516 §7.2.1 general JWE JSON serialization. */
export interface GeneralJwe {
  protected?: string;
  unprotected?: JoseHeader;
  recipients: { header?: JoseHeader; encrypted_key?: string }[];
  iv: string;
  ciphertext: string;
  tag: string;
  aad?: string;
}

/** Shared options of the JSON serializations. */
export interface JsonEncryptOptions {
  /** Shared unprotected header (the `unprotected` member). */
  sharedUnprotectedHeader?: Record<string, unknown>;
  /** Additional authenticated data (`aad`), integrity-protected but not encrypted. */
  aad?: Uint8Array | string;
}

export interface FlattenedEncryptOptions extends EncryptOptions, JsonEncryptOptions {
  /** Per-recipient unprotected header (the `header` member). */
  unprotectedHeader?: Record<string, unknown>;
}

export interface GeneralEncryptOptions extends JsonEncryptOptions {
  enc: JweContentEncryptionAlg;
  zip?: 'DEF';
  /** Further protected header parameters. */
  header?: Record<string, unknown>;
}

/** One recipient of a general JWE: its key and key-management options. */
export interface GeneralRecipient extends RecipientOptions {
  key: KeyInput;
  /** Per-recipient unprotected header parameters (the recipient's `header` member). */
  unprotectedHeader?: Record<string, unknown>;
}

export interface JsonDecryptResult {
  plaintext: Uint8Array;
  protectedHeader: JoseHeader | undefined;
  sharedUnprotectedHeader: JoseHeader | undefined;
  /** The per-recipient header of the recipient that decrypted. */
  unprotectedHeader: JoseHeader | undefined;
  additionalAuthenticatedData: Uint8Array | undefined;
  key: KeyObject;
}

/** At most this many recipients of a general JWE are looked at (docs/security.md#cost-limits). */
export const MAX_RECIPIENTS = 16;

function optionalObject(v: unknown, name: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!isJsonObject(v)) throw new JoseError('ERR_OPTIONS_INVALID', `${name} must be an object`);
  return { ...v };
}

function aadMember(aad: Uint8Array | string | undefined): string | undefined {
  if (aad === undefined) return undefined;
  if (typeof aad !== 'string' && !(aad instanceof Uint8Array))
    throw new JoseError('ERR_OPTIONS_INVALID', 'aad must be bytes or a string');
  return encodeBase64url(typeof aad === 'string' ? utf8(aad) : aad);
}

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
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const rows = encryptionRows(options.alg, options.enc);
  const zip = zipOption(options.zip);
  const bytes = plaintextBytes(plaintext);
  const shared = optionalObject(options.sharedUnprotectedHeader, 'sharedUnprotectedHeader');
  const recipient = optionalObject(options.unprotectedHeader, 'unprotectedHeader');
  const wrapped = wrapForRecipient(key, options, rows.alg, rows.enc, internals);
  const header: Record<string, unknown> = {};
  mergeHeader(header, options.header, {
    alg: rows.alg.alg,
    enc: rows.enc.enc,
    kid: wrapped.kid,
    zip: zip ? 'DEF' : undefined,
    ...wrapped.header,
  });
  checkUnprotected(header, shared, recipient);
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const aad = aadMember(options.aad);
  const c = encryptContentPart(
    rows.enc,
    wrapped.cek,
    bytes,
    aad === undefined ? protectedB64 : `${protectedB64}.${aad}`,
    zip,
    internals,
  );
  return {
    protected: protectedB64,
    ...(shared !== undefined ? { unprotected: shared as JoseHeader } : {}),
    ...(recipient !== undefined ? { header: recipient as JoseHeader } : {}),
    ...(wrapped.encryptedKey.length > 0
      ? { encrypted_key: encodeBase64url(wrapped.encryptedKey) }
      : {}),
    iv: c.iv,
    ciphertext: c.ciphertext,
    tag: c.tag,
    ...(aad !== undefined ? { aad } : {}),
  };
}

function checkUnprotected(
  protectedHeader: Record<string, unknown>,
  ...others: (Record<string, unknown> | undefined)[]
): void {
  for (const h of others) {
    if (h === undefined) continue;
    for (const name of ['crit', 'zip']) {
      if (h[name] !== undefined)
        throw new JoseError('ERR_OPTIONS_INVALID', `"${name}" belongs in the protected header`);
    }
  }
  try {
    checkDisjoint(protectedHeader as JsonObject, ...(others as (JsonObject | undefined)[]));
  } catch (cause) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'protected and unprotected headers share a parameter name',
      { cause },
    );
  }
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
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > MAX_RECIPIENTS) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      `between 1 and ${MAX_RECIPIENTS} recipients are required`,
    );
  }
  const zip = zipOption(options.zip);
  const bytes = plaintextBytes(plaintext);
  const shared = optionalObject(options.sharedUnprotectedHeader, 'sharedUnprotectedHeader');
  const rows = recipients.map((r) => {
    if (!isJsonObject(r))
      throw new JoseError('ERR_OPTIONS_INVALID', 'each recipient must be an object');
    return encryptionRows(r.alg, options.enc);
  });
  const enc = rows[0]!.enc;
  if (recipients.length > 1 && rows.some((r) => r.alg.direct)) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      '"dir" and "ECDH-ES" allow only one recipient (RFC 7516 §7.2.1)',
    );
  }
  const cek = internals.cek ?? randomBytes(enc.cekBytes);
  let contentKey = cek;
  const protectedHeader: Record<string, unknown> = {};
  mergeHeader(protectedHeader, options.header, { enc: enc.enc, zip: zip ? 'DEF' : undefined });
  const out: GeneralJwe['recipients'] = recipients.map((r, i) => {
    const row = rows[i]!.alg;
    const wrapped = wrapForRecipient(r.key, r, row, enc, { ...internals, cek });
    if (row.direct) contentKey = wrapped.cek;
    const header: Record<string, unknown> = {};
    mergeHeader(header, r.unprotectedHeader, { alg: row.alg, kid: wrapped.kid, ...wrapped.header });
    if (header['enc'] !== undefined)
      throw new JoseError('ERR_OPTIONS_INVALID', '"enc" belongs in the protected header');
    checkUnprotected(protectedHeader, shared, header);
    return {
      header: header as JoseHeader,
      ...(wrapped.encryptedKey.length > 0
        ? { encrypted_key: encodeBase64url(wrapped.encryptedKey) }
        : {}),
    };
  });
  const protectedB64 = encodeBase64url(JSON.stringify(protectedHeader));
  const aad = aadMember(options.aad);
  const c = encryptContentPart(
    enc,
    contentKey,
    bytes,
    aad === undefined ? protectedB64 : `${protectedB64}.${aad}`,
    zip,
    internals,
  );
  return {
    protected: protectedB64,
    ...(shared !== undefined ? { unprotected: shared as JoseHeader } : {}),
    recipients: out,
    iv: c.iv,
    ciphertext: c.ciphertext,
    tag: c.tag,
    ...(aad !== undefined ? { aad } : {}),
  };
}

function jsonSize(v: unknown): number {
  try {
    return JSON.stringify(v)?.length ?? 0;
  } catch {
    throw new JoseError('ERR_JWE_MALFORMED', 'the JWE is not JSON-serializable');
  }
}

function str(v: unknown, name: string, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') throw new JoseError('ERR_JWE_MALFORMED', `"${name}" must be a string`);
  return v;
}

function headerObject(v: unknown, name: string): JsonObject | undefined {
  if (v === undefined) return undefined;
  if (!isJsonObject(v)) throw new JoseError('ERR_JWE_MALFORMED', `"${name}" must be an object`);
  return v;
}

interface SharedParts {
  protectedB64: string;
  protectedHeader: JsonObject | undefined;
  sharedHeader: JsonObject | undefined;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
  aadB64: string | undefined;
}

function sharedParts(jwe: JsonObject, maxLength: number): SharedParts {
  if (jsonSize(jwe) > maxLength)
    throw new JoseError('ERR_TOKEN_TOO_LARGE', `the JWE is longer than ${maxLength} characters`);
  const prot = str(jwe['protected'], 'protected', false);
  const aadB64 = str(jwe['aad'], 'aad', false);
  if (aadB64 !== undefined) decodeBase64url(aadB64, 'aad');
  return {
    protectedB64: prot ?? '',
    protectedHeader:
      prot === undefined || prot === ''
        ? undefined
        : parseJsonObject(decodeBase64url(prot, 'protected header'), 'protected header'),
    sharedHeader: headerObject(jwe['unprotected'], 'unprotected'),
    iv: decodeBase64url(str(jwe['iv'], 'iv', true)!, 'iv'),
    ciphertext: decodeBase64url(str(jwe['ciphertext'], 'ciphertext', true)!, 'ciphertext'),
    tag: decodeBase64url(str(jwe['tag'], 'tag', true)!, 'tag'),
    aadB64,
  };
}

function result(
  s: SharedParts,
  recipientHeader: JsonObject | undefined,
  r: RecipientResult,
): JsonDecryptResult {
  return {
    plaintext: r.plaintext,
    protectedHeader: s.protectedHeader as JoseHeader | undefined,
    sharedUnprotectedHeader: s.sharedHeader as JoseHeader | undefined,
    unprotectedHeader: recipientHeader as JoseHeader | undefined,
    additionalAuthenticatedData:
      s.aadB64 === undefined ? undefined : decodeBase64url(s.aadB64, 'aad'),
    key: r.key,
  };
}

/** Decrypt a flattened JWE JSON object with prepared options. */
export function decryptFlattenedPrepared(
  jwe: unknown,
  source: DecryptKey,
  p: PreparedDecrypt,
): JsonDecryptResult {
  if (!isJsonObject(jwe))
    throw new JoseError('ERR_JWE_MALFORMED', 'a flattened JWE must be an object');
  if (jwe['recipients'] !== undefined)
    throw new JoseError('ERR_JWE_MALFORMED', 'this is a general JWE: use decryptGeneral');
  const s = sharedParts(jwe, p.maxTokenLength);
  const recipientHeader = headerObject(jwe['header'], 'header');
  const ek = str(jwe['encrypted_key'], 'encrypted_key', false);
  const r = decryptRecipient(
    {
      ...s,
      recipientHeader,
      encryptedKey: ek === undefined ? new Uint8Array(0) : decodeBase64url(ek, 'encrypted key'),
    },
    source,
    p,
  );
  return result(s, recipientHeader, r);
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
  if (!isJsonObject(jwe) || !Array.isArray(jwe['recipients']) || jwe['recipients'].length === 0) {
    throw new JoseError('ERR_JWE_MALFORMED', 'a general JWE needs a non-empty "recipients" array');
  }
  const recipients = jwe['recipients'] as unknown[];
  if (recipients.length > MAX_RECIPIENTS)
    throw new JoseError('ERR_JWE_MALFORMED', 'too many recipients');
  const s = sharedParts(jwe, p.maxTokenLength * recipients.length);
  let firstError: unknown;
  let decryptionError: unknown;
  const budget = { left: MAX_KEY_ATTEMPTS };
  for (const entry of recipients) {
    if (!isJsonObject(entry))
      throw new JoseError('ERR_JWE_MALFORMED', 'a JWE recipient must be an object');
    const recipientHeader = headerObject(entry['header'], 'header');
    const ek = str(entry['encrypted_key'], 'encrypted_key', false);
    const encryptedKey =
      ek === undefined ? new Uint8Array(0) : decodeBase64url(ek, 'encrypted key');
    try {
      return result(
        s,
        recipientHeader,
        decryptRecipient({ ...s, recipientHeader, encryptedKey }, key, p, budget),
      );
    } catch (e) {
      if (e instanceof JoseError && e.code === 'ERR_JWE_TOO_LARGE') throw e;
      if (e instanceof JoseError && e.code === 'ERR_JWE_DECRYPTION_FAILED') decryptionError ??= e;
      firstError ??= e;
    }
  }
  throw decryptionError ?? firstError;
}
