/**
 * JWE on Web Crypto (RFC 7516), async, over the shared rules (jwe/rules.ts, jwe/header.ts):
 * the same option checks, header rules, allowlists, PBES2 and epk checks, limits, decryption
 * order and the one opaque decryption failure as the Node.js core. This file: key management
 * (wrap and unwrap the CEK), one recipient's encryption and decryption, and the compact
 * serialization; the JSON serializations are jwe-json.ts, the keys jwe-key.ts.
 */
import type {
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { JoseError } from '../base/errors.js';
import type { JoseHeader } from '../base/header.js';
import { isJsonObject, parseJsonObject, type JsonObject } from '../base/json.js';
import type { Jwk } from '../keys/jwk.js';
import { decryptionFailed } from '../jwe/failure.js';
import {
  checkJweHeaders,
  prepareDecrypt,
  type CheckedJweHeader,
  type DecryptOptions,
  type PreparedDecrypt,
} from '../jwe/header.js';
import {
  ascii,
  checkEpk,
  checkRecipientOptions,
  DEFAULT_PBES2_COUNT,
  encryptionRows,
  headerBytes,
  jweAad,
  MAX_KEY_ATTEMPTS,
  mergeHeader,
  optionalHeaderBytes,
  plaintextBytes,
  splitCompactJwe,
  zipOption,
  type AttemptBudget,
  type EncryptedContent,
  type EncryptOptions,
  type JweParts,
  type RecipientOptions,
} from '../jwe/rules.js';
import {
  aesKeyUnwrap,
  aesKeyWrap,
  concatKdf,
  decryptContent,
  deflate,
  derivePbes2Key,
  ecdhParams,
  encryptContent,
  gcmKeyUnwrap,
  gcmKeyWrap,
  inflate,
  randomBytes,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  sharedSecret,
  type ContentKeys,
} from './jwe-crypto.js';
import {
  dirContentKeys,
  invalid,
  kekOf,
  prepareWebJweKey,
  publicMembers,
  webDecryptionKeys,
  type Prepared,
  type WebDecryptKey,
  type WebJweKey,
} from './jwe-key.js';
import { mapCryptoError, subtle } from './runtime.js';

export type { WebDecryptKey, WebJweKey, WebJweKeyLookup } from './jwe-key.js';

export interface WebCompactDecryptResult {
  plaintext: Uint8Array;
  protectedHeader: JoseHeader;
  /** The key (as given) that decrypted the JWE. */
  key: WebJweKey;
}

async function wrapCek(
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  key: Prepared,
  o: RecipientOptions,
  cek: Uint8Array,
): Promise<{ cek: Uint8Array; encryptedKey: Uint8Array; header: Record<string, unknown> }> {
  const empty = new Uint8Array(0);
  const secret = key.kind === 'secret' ? key.bytes : empty;
  switch (row.family) {
    case 'dir':
      return { cek: secret, encryptedKey: empty, header: {} };
    case 'aes-kw':
      return {
        cek,
        encryptedKey: await aesKeyWrap(await kekOf(key, 'AES-KW', 'wrapKey'), cek),
        header: {},
      };
    case 'aes-gcm-kw': {
      const iv = randomBytes(12);
      const w = await gcmKeyWrap(await kekOf(key, 'AES-GCM', 'encrypt'), iv, cek);
      return {
        cek,
        encryptedKey: w.encryptedKey,
        header: { iv: encodeBase64url(iv), tag: encodeBase64url(w.tag) },
      };
    }
    case 'rsa-oaep':
      return {
        cek,
        encryptedKey: await rsaOaepEncrypt((key as { key: CryptoKey }).key, cek),
        header: {},
      };
    case 'pbes2': {
      const p2s = randomBytes(16);
      const p2c = o.p2c ?? DEFAULT_PBES2_COUNT;
      const kek = await derivePbes2Key(row, await kekOf(key, 'PBKDF2', 'deriveBits'), p2s, p2c);
      return {
        cek,
        encryptedKey: await aesKeyWrap(kek, cek),
        header: { p2s: encodeBase64url(p2s), p2c },
      };
    }
    case 'ecdh-es': {
      const k = key as Extract<Prepared, { kind: 'ecdh' }>;
      const eph = (await subtle().generateKey(ecdhParams(k.crv), true, [
        'deriveBits',
      ])) as CryptoKeyPair;
      const epk = await subtle().exportKey('jwk', eph.publicKey);
      const header: Record<string, unknown> = { epk: publicMembers(epk as Jwk) };
      const apu = o.apu ?? empty;
      const apv = o.apv ?? empty;
      if (o.apu !== undefined) header['apu'] = encodeBase64url(apu);
      if (o.apv !== undefined) header['apv'] = encodeBase64url(apv);
      let z: Uint8Array;
      try {
        z = await sharedSecret(eph.privateKey, k.key, k.crv);
      } catch {
        throw invalid('the recipient key is of small order (all-zero shared secret)');
      }
      if (row.direct)
        return {
          cek: await concatKdf(z, enc.cekBytes, enc.enc, apu, apv),
          encryptedKey: empty,
          header,
        };
      const kek = await concatKdf(z, row.kekBytes, row.alg, apu, apv);
      return { cek, encryptedKey: await aesKeyWrap(kek, cek), header };
    }
  }
}

async function unwrapCek(
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  key: Prepared,
  header: JsonObject,
  encryptedKey: Uint8Array,
): Promise<Uint8Array> {
  const orRandom = (cek: Uint8Array | undefined): Uint8Array =>
    cek !== undefined && cek.length === enc.cekBytes ? cek : randomBytes(enc.cekBytes);
  const secret = key.kind === 'secret' ? key.bytes : new Uint8Array(0);
  switch (row.family) {
    case 'dir':
      return secret;
    case 'aes-kw':
      return orRandom(await aesKeyUnwrap(await kekOf(key, 'AES-KW', 'unwrapKey'), encryptedKey));
    case 'aes-gcm-kw':
      return orRandom(
        await gcmKeyUnwrap(
          await kekOf(key, 'AES-GCM', 'decrypt'),
          headerBytes(header, 'iv', 12),
          headerBytes(header, 'tag', 16),
          encryptedKey,
        ),
      );
    case 'rsa-oaep':
      return orRandom(await rsaOaepDecrypt((key as { key: CryptoKey }).key, encryptedKey));
    case 'pbes2': {
      const kek = await derivePbes2Key(
        row,
        await kekOf(key, 'PBKDF2', 'deriveBits'),
        headerBytes(header, 'p2s'),
        header['p2c'] as number,
      );
      return orRandom(await aesKeyUnwrap(kek, encryptedKey));
    }
    case 'ecdh-es': {
      const k = key as Extract<Prepared, { kind: 'ecdh' }>;
      const epkJwk = checkEpk(header['epk'], k.crv);
      let epk: CryptoKey;
      try {
        epk = await subtle().importKey('jwk', epkJwk, ecdhParams(k.crv), false, []);
      } catch {
        throw decryptionFailed();
      }
      const apu = optionalHeaderBytes(header, 'apu');
      const apv = optionalHeaderBytes(header, 'apv');
      const z = await sharedSecret(k.key, epk, k.crv);
      if (row.direct) return concatKdf(z, enc.cekBytes, enc.enc, apu, apv);
      return orRandom(
        await aesKeyUnwrap(await concatKdf(z, row.kekBytes, row.alg, apu, apv), encryptedKey),
      );
    }
  }
}

/** One recipient's key management: its options checked, the key prepared, the CEK wrapped. */
export async function wrapForWebRecipient(
  key: WebJweKey,
  o: RecipientOptions,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array,
): Promise<{
  /** What encrypts the content: the CEK, or for a `dir` key object its imported keys. */
  content: Uint8Array | ContentKeys;
  encryptedKey: Uint8Array;
  header: Record<string, unknown>;
  kid: string | undefined;
}> {
  const kid = checkRecipientOptions(o, undefined);
  const prepared = await prepareWebJweKey(key, row, enc, 'encrypt', o);
  const wrapped = await wrapCek(row, enc, prepared, o, cek);
  const content = (await dirContentKeys(prepared, row, enc, 'encrypt')) ?? wrapped.cek;
  return { content, encryptedKey: wrapped.encryptedKey, header: wrapped.header, kid };
}

/** Compress (when asked) and encrypt the content with AAD = ASCII(aadText) (RFC 7516 §5.1). */
export async function encryptWebContent(
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array | ContentKeys,
  plaintext: Uint8Array,
  aadText: string,
  zip: boolean,
): Promise<EncryptedContent> {
  const iv = randomBytes(enc.ivBytes);
  const data = zip ? await deflate(plaintext) : plaintext;
  const c = await encryptContent(enc, cek, iv, data, ascii(aadText));
  return {
    iv: encodeBase64url(iv),
    ciphertext: encodeBase64url(c.ciphertext),
    tag: encodeBase64url(c.tag),
  };
}

/**
 * Run an encryption: a Web Crypto failure becomes ERR_ALG_UNSUPPORTED (naming the runtime) or
 * ERR_KEY_INVALID, never a raw runtime error.
 */
export async function mappedEncryption<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw mapCryptoError(e, what, () => new JoseError('ERR_KEY_INVALID', 'encryption failed'));
  }
}

/**
 * Encrypt into a compact JWE (RFC 7516 §7.1) on Web Crypto. All header parameters are protected.
 *
 * @example
 * const jwe = await encryptCompact('secret text', recipientJwk, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
 */
export async function encryptCompact(
  plaintext: Uint8Array | string,
  key: WebJweKey,
  options: EncryptOptions,
): Promise<string> {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const rows = encryptionRows(options.alg, options.enc);
  const zip = zipOption(options.zip);
  const bytes = plaintextBytes(plaintext);
  return mappedEncryption(`${rows.alg.alg} with ${rows.enc.enc}`, async () => {
    const cek = randomBytes(rows.enc.cekBytes);
    const wrapped = await wrapForWebRecipient(key, options, rows.alg, rows.enc, cek);
    const header: Record<string, unknown> = {};
    mergeHeader(header, options.header, {
      alg: rows.alg.alg,
      enc: rows.enc.enc,
      kid: wrapped.kid,
      zip: zip ? 'DEF' : undefined,
      ...wrapped.header,
    });
    const protectedB64 = encodeBase64url(JSON.stringify(header));
    const c = await encryptWebContent(rows.enc, wrapped.content, bytes, protectedB64, zip);
    return `${protectedB64}.${encodeBase64url(wrapped.encryptedKey)}.${c.iv}.${c.ciphertext}.${c.tag}`;
  });
}

/** What one recipient's decryption gives: the plaintext, the checked header, the key as given. */
export interface WebRecipientResult {
  plaintext: Uint8Array;
  header: CheckedJweHeader;
  key: WebJweKey;
}

/**
 * Decrypt for one recipient (RFC 7516 §5.2), in order: header rules → allowlists → key fits
 * `alg` → CEK → tag → plaintext → inflate. Every failure from the CEK step to the tag is the
 * one opaque error, whichever candidate key was tried; only an algorithm the runtime lacks is
 * named (ERR_ALG_UNSUPPORTED).
 */
export async function decryptWebRecipient(
  parts: JweParts,
  source: WebDecryptKey,
  p: PreparedDecrypt,
  budget: AttemptBudget = { left: MAX_KEY_ATTEMPTS },
): Promise<WebRecipientResult> {
  const header = checkJweHeaders(
    parts.protectedHeader,
    parts.sharedHeader,
    parts.recipientHeader,
    p,
  );
  if (header.alg.direct && parts.encryptedKey.length !== 0)
    throw new JoseError(
      'ERR_JWE_MALFORMED',
      `the encrypted key must be empty with "${header.alg.alg}"`,
    );
  const keys = await webDecryptionKeys(source, header.alg, header.enc, header.kid, p.policy);
  const aad = jweAad(parts);
  for (const [given, key] of keys) {
    if (budget.left <= 0) break;
    budget.left--;
    let plaintext: Uint8Array;
    try {
      const cek =
        (await dirContentKeys(key, header.alg, header.enc, 'decrypt')) ??
        (await unwrapCek(header.alg, header.enc, key, header.joined, parts.encryptedKey));
      plaintext = await decryptContent(header.enc, cek, parts.iv, parts.ciphertext, parts.tag, aad);
    } catch (e) {
      if (e instanceof JoseError && e.code === 'ERR_JWE_DECRYPTION_FAILED') continue;
      // Only an algorithm this runtime lacks is named; every other failure is the opaque one,
      // without a cause (its message could tell a padding failure from a tag failure).
      const m = mapCryptoError(e, `${header.alg.alg} with ${header.enc.enc}`, decryptionFailed);
      throw m.code === 'ERR_ALG_UNSUPPORTED' ? m : decryptionFailed();
    }
    return {
      plaintext: header.zip ? await inflate(plaintext, p.maxDecompressedLength) : plaintext,
      header,
      key: given,
    };
  }
  throw decryptionFailed();
}

/** Decrypt a compact JWE with options prepared by the shared `prepareDecrypt`. */
export async function decryptCompactPrepared(
  jwe: unknown,
  source: WebDecryptKey,
  p: PreparedDecrypt,
): Promise<WebCompactDecryptResult> {
  const [h, ek, iv, ct, tag] = splitCompactJwe(jwe, p.maxTokenLength);
  if (h.length === 0)
    throw new JoseError('ERR_JWE_MALFORMED', 'a compact JWE needs a protected header');
  const protectedHeader = parseJsonObject(
    decodeBase64url(h, 'protected header'),
    'protected header',
  );
  const r = await decryptWebRecipient(
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
 * Decrypt a compact JWE (RFC 7516 §5.2) on Web Crypto. Both allowlists are required; PBES2 works
 * only when listed. Every cryptographic failure is `ERR_JWE_DECRYPTION_FAILED` with one message.
 */
export function decryptCompact(
  jwe: string,
  key: WebDecryptKey,
  options: DecryptOptions,
): Promise<WebCompactDecryptResult> {
  let p: PreparedDecrypt;
  try {
    p = prepareDecrypt(options);
  } catch (e) {
    return Promise.reject(e);
  }
  return decryptCompactPrepared(jwe, key, p);
}
