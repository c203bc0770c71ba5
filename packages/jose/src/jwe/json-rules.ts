/**
 * The JWE JSON serializations' rules both backends share (RFC 7516 §7.2; the Node.js core's
 * jwe/json.ts and the Web Crypto entry's webcrypto/jwe-json.ts): the object shapes, option
 * checks, the three headers (disjoint; `crit`, `zip`, `enc` where they belong), the AAD, the size
 * caps, each recipient parsed, and which recipient error a failed general JWE reports. Pure
 * TypeScript: no `node:` module, no key handling; only the key management and content encryption
 * calls differ per backend.
 */
import type {
  JweContentEncryptionAlg,
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { utf8 } from '../base/bytes.js';
import { JoseError } from '../base/errors.js';
import { checkDisjoint, type JoseHeader } from '../base/header.js';
import { isJsonObject, parseJsonObject, type JsonObject } from '../base/json.js';
import type { PreparedDecrypt } from './header.js';
import {
  encryptionRows,
  mergeHeader,
  plaintextBytes,
  zipOption,
  type EncryptedContent,
  type EncryptOptions,
  type JweParts,
  type RecipientOptions,
} from './rules.js';

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

/** One recipient of a general JWE: its key (of the backend's key type) and options. */
export interface GeneralRecipientOf<K> extends RecipientOptions {
  key: K;
  /** Per-recipient unprotected header parameters (the recipient's `header` member). */
  unprotectedHeader?: Record<string, unknown>;
}

/** The result of a JSON decryption; `key` is of the backend's key type. */
export interface JsonDecryptResultOf<K> {
  plaintext: Uint8Array;
  protectedHeader: JoseHeader | undefined;
  sharedUnprotectedHeader: JoseHeader | undefined;
  /** The per-recipient header of the recipient that decrypted. */
  unprotectedHeader: JoseHeader | undefined;
  additionalAuthenticatedData: Uint8Array | undefined;
  key: K;
}

/** At most this many recipients of a general JWE are looked at (docs/security.md#cost-limits). */
export const MAX_RECIPIENTS = 16;

/** What a recipient's key management wrote: the CEK wrapped for it, its header parameters, `kid`. */
export interface WrappedFor {
  readonly encryptedKey: Uint8Array;
  readonly header: Record<string, unknown>;
  readonly kid: string | undefined;
}

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

const encryptedKeyMember = (ek: Uint8Array) =>
  ek.length > 0 ? { encrypted_key: encodeBase64url(ek) } : {};

/** A flattened encryption, checked before any key is touched. */
export interface FlattenedPlan {
  readonly alg: JweKeyManagementAlgorithm;
  readonly enc: JweContentEncryptionAlgorithm;
  readonly zip: boolean;
  readonly bytes: Uint8Array;
  readonly shared: Record<string, unknown> | undefined;
  readonly recipient: Record<string, unknown> | undefined;
}

/** encryptFlattened step 1: options, rows, `zip`, plaintext, the unprotected headers. */
export function planFlattened(
  plaintext: Uint8Array | string,
  options: FlattenedEncryptOptions,
): FlattenedPlan {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const rows = encryptionRows(options.alg, options.enc);
  return {
    ...rows,
    zip: zipOption(options.zip),
    bytes: plaintextBytes(plaintext),
    shared: optionalObject(options.sharedUnprotectedHeader, 'sharedUnprotectedHeader'),
    recipient: optionalObject(options.unprotectedHeader, 'unprotectedHeader'),
  };
}

/** The protected segment and `aad` member of a JSON JWE, and the content's AAD text. */
export interface JsonAad {
  readonly protectedB64: string;
  readonly aad: string | undefined;
  /** RFC 7516 §5.1 step 14: ASCII(protected) or ASCII(protected '.' aad). */
  readonly aadText: string;
}

function jsonAad(protectedHeader: Record<string, unknown>, aadOption: unknown): JsonAad {
  const protectedB64 = encodeBase64url(JSON.stringify(protectedHeader));
  const aad = aadMember(aadOption as Uint8Array | string | undefined);
  return {
    protectedB64,
    aad,
    aadText: aad === undefined ? protectedB64 : `${protectedB64}.${aad}`,
  };
}

/** encryptFlattened step 2, after key management: the protected header and the AAD. */
export function flattenedHeader(
  plan: FlattenedPlan,
  options: FlattenedEncryptOptions,
  wrapped: WrappedFor,
): JsonAad {
  const header: Record<string, unknown> = {};
  mergeHeader(header, options.header, {
    alg: plan.alg.alg,
    enc: plan.enc.enc,
    kid: wrapped.kid,
    zip: plan.zip ? 'DEF' : undefined,
    ...wrapped.header,
  });
  checkUnprotected(header, plan.shared, plan.recipient);
  return jsonAad(header, options.aad);
}

/** encryptFlattened step 3: the object. */
export function assembleFlattened(
  plan: FlattenedPlan,
  a: JsonAad,
  encryptedKey: Uint8Array,
  c: EncryptedContent,
): FlattenedJwe {
  return {
    protected: a.protectedB64,
    ...(plan.shared !== undefined ? { unprotected: plan.shared as JoseHeader } : {}),
    ...(plan.recipient !== undefined ? { header: plan.recipient as JoseHeader } : {}),
    ...encryptedKeyMember(encryptedKey),
    iv: c.iv,
    ciphertext: c.ciphertext,
    tag: c.tag,
    ...(a.aad !== undefined ? { aad: a.aad } : {}),
  };
}

/** A general encryption, checked before any key is touched. */
export interface GeneralPlan {
  readonly enc: JweContentEncryptionAlgorithm;
  readonly rows: readonly JweKeyManagementAlgorithm[];
  readonly zip: boolean;
  readonly bytes: Uint8Array;
  readonly shared: Record<string, unknown> | undefined;
  readonly protectedHeader: Record<string, unknown>;
}

/**
 * encryptGeneral step 1: options, 1 to 16 recipient objects, each recipient's row, `dir` and
 * `ECDH-ES` alone, `zip`, plaintext, the shared and protected headers.
 */
export function planGeneral(
  plaintext: Uint8Array | string,
  recipients: readonly unknown[],
  options: GeneralEncryptOptions,
): GeneralPlan {
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
    return encryptionRows(r['alg'], options.enc);
  });
  if (recipients.length > 1 && rows.some((r) => r.alg.direct)) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      '"dir" and "ECDH-ES" allow only one recipient (RFC 7516 §7.2.1)',
    );
  }
  const enc = rows[0]!.enc;
  const protectedHeader: Record<string, unknown> = {};
  mergeHeader(protectedHeader, options.header, { enc: enc.enc, zip: zip ? 'DEF' : undefined });
  return { enc, rows: rows.map((r) => r.alg), zip, bytes, shared, protectedHeader };
}

/** encryptGeneral step 2, per recipient after its key management: its entry. */
export function recipientEntry(
  plan: GeneralPlan,
  r: { unprotectedHeader?: Record<string, unknown> },
  row: JweKeyManagementAlgorithm,
  wrapped: WrappedFor,
): GeneralJwe['recipients'][number] {
  const header: Record<string, unknown> = {};
  mergeHeader(header, r.unprotectedHeader, { alg: row.alg, kid: wrapped.kid, ...wrapped.header });
  if (header['enc'] !== undefined)
    throw new JoseError('ERR_OPTIONS_INVALID', '"enc" belongs in the protected header');
  checkUnprotected(plan.protectedHeader, plan.shared, header);
  return { header: header as JoseHeader, ...encryptedKeyMember(wrapped.encryptedKey) };
}

/** encryptGeneral step 3: the protected segment and the AAD. */
export function generalAad(plan: GeneralPlan, options: GeneralEncryptOptions): JsonAad {
  return jsonAad(plan.protectedHeader, options.aad);
}

/** encryptGeneral step 4: the object. */
export function assembleGeneral(
  plan: GeneralPlan,
  a: JsonAad,
  recipients: GeneralJwe['recipients'],
  c: EncryptedContent,
): GeneralJwe {
  return {
    protected: a.protectedB64,
    ...(plan.shared !== undefined ? { unprotected: plan.shared as JoseHeader } : {}),
    recipients,
    iv: c.iv,
    ciphertext: c.ciphertext,
    tag: c.tag,
    ...(a.aad !== undefined ? { aad: a.aad } : {}),
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

/** The members every recipient of a JSON JWE shares, decoded. */
export type SharedParts = Omit<JweParts, 'recipientHeader' | 'encryptedKey'>;

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

/** One recipient's parts: the shared members with its own header and encrypted key. */
export function recipientParts(s: SharedParts, entry: unknown): JweParts {
  if (!isJsonObject(entry))
    throw new JoseError('ERR_JWE_MALFORMED', 'a JWE recipient must be an object');
  const recipientHeader = headerObject(entry['header'], 'header');
  const ek = str(entry['encrypted_key'], 'encrypted_key', false);
  const encryptedKey = ek === undefined ? new Uint8Array(0) : decodeBase64url(ek, 'encrypted key');
  return { ...s, recipientHeader, encryptedKey };
}

/** decryptFlattened's object checks and parts (the object is its own recipient). */
export function flattenedParts(jwe: unknown, p: PreparedDecrypt): JweParts {
  if (!isJsonObject(jwe))
    throw new JoseError('ERR_JWE_MALFORMED', 'a flattened JWE must be an object');
  if (jwe['recipients'] !== undefined)
    throw new JoseError('ERR_JWE_MALFORMED', 'this is a general JWE: use decryptGeneral');
  return recipientParts(sharedParts(jwe, p.maxTokenLength), jwe);
}

/** decryptGeneral's object checks: the shared parts and the recipient entries (at most 16). */
export function generalParts(
  jwe: unknown,
  p: PreparedDecrypt,
): { shared: SharedParts; recipients: unknown[] } {
  if (!isJsonObject(jwe) || !Array.isArray(jwe['recipients']) || jwe['recipients'].length === 0) {
    throw new JoseError('ERR_JWE_MALFORMED', 'a general JWE needs a non-empty "recipients" array');
  }
  const recipients = jwe['recipients'] as unknown[];
  if (recipients.length > MAX_RECIPIENTS)
    throw new JoseError('ERR_JWE_MALFORMED', 'too many recipients');
  return { shared: sharedParts(jwe, p.maxTokenLength * recipients.length), recipients };
}

/**
 * Which error a general JWE whose recipients all failed reports: the opaque decryption failure
 * as soon as any recipient reached decryption, else the first recipient's error. An oversized
 * inflated plaintext (ERR_JWE_TOO_LARGE) stops at once.
 */
export class RecipientFailures {
  #first: unknown;
  #decryption: unknown;
  #any = false;

  /** Record one recipient's failure (rethrows the errors that end the search). */
  note(e: unknown): void {
    if (e instanceof JoseError && e.code === 'ERR_JWE_TOO_LARGE') throw e;
    if (e instanceof JoseError && e.code === 'ERR_JWE_DECRYPTION_FAILED') this.#decryption ??= e;
    if (!this.#any) this.#first = e;
    this.#any = true;
  }

  /** The error to throw once every recipient failed. */
  error(): unknown {
    return this.#decryption ?? this.#first;
  }
}

/** The result object of a JSON decryption. */
export function jsonDecryptResult<K>(
  parts: JweParts,
  r: { plaintext: Uint8Array; key: K },
): JsonDecryptResultOf<K> {
  return {
    plaintext: r.plaintext,
    protectedHeader: parts.protectedHeader as JoseHeader | undefined,
    sharedUnprotectedHeader: parts.sharedHeader as JoseHeader | undefined,
    unprotectedHeader: parts.recipientHeader as JoseHeader | undefined,
    additionalAuthenticatedData:
      parts.aadB64 === undefined ? undefined : decodeBase64url(parts.aadB64, 'aad'),
    key: r.key,
  };
}
