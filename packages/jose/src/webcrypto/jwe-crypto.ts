/**
 * The cryptographic steps of JWE on Web Crypto (RFC 7518 §4-5): content encryption (AES-GCM,
 * AES-CBC with HMAC-SHA-2), key wrapping (AES-KW, AES-GCM-KW, RSA-OAEP), ECDH-ES with the
 * Concat KDF, PBES2 and DEFLATE. The checks around them (header rules, epk validation, lengths)
 * are jwe/rules.ts, shared with the Node.js core.
 */
import type {
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { concat, uint64be } from '../base/bytes.js';
import { JoseError } from '../base/errors.js';
import { decryptionFailed } from '../jwe/failure.js';
import { concatKdfOtherInfo, concatKdfRound, isAllZero, pbes2Salt } from '../jwe/rules.js';
import { webHash } from './algorithms.js';
import { subtle, unsupported } from './runtime.js';

type Bytes = Uint8Array<ArrayBuffer>;
const b = (u: Uint8Array): Bytes => u as Bytes;

/** A key-encryption key: raw bytes, or a CryptoKey already imported for the step. */
export type Kek = Uint8Array | CryptoKey;

/** Import raw KEK bytes for one step (a CryptoKey passes through). */
export async function importKek(kek: Kek, name: string, usage: KeyUsage): Promise<CryptoKey> {
  if (!(kek instanceof Uint8Array)) return kek;
  return subtle().importKey('raw', b(kek), name, false, [usage]);
}

/** Fresh random bytes from the runtime's CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

const OAEP_HASH: Readonly<Record<string, string>> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

/** The `importKey` parameters of an RSA-OAEP row (the hash is bound to the key). */
export function oaepParams(row: JweKeyManagementAlgorithm): RsaHashedImportParams {
  return { name: 'RSA-OAEP', hash: OAEP_HASH[row.hash!]! };
}

/** Constant-time comparison of two byte strings of the same length. */
function equalBytes(a: Uint8Array, c: Uint8Array): boolean {
  if (a.length !== c.length) return false;
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i]! ^ c[i]!;
  return acc === 0;
}

/** The CryptoKeys of one CEK for one direction: AES-GCM, or AES-CBC with its HMAC key. */
export interface ContentKeys {
  readonly cipher: CryptoKey;
  readonly mac?: CryptoKey;
}

/** Import a CEK for content encryption or decryption (RFC 7518 §5.2.2.1: MAC_KEY ‖ ENC_KEY). */
export async function importContentKeys(
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array,
  use: 'encrypt' | 'decrypt',
): Promise<ContentKeys> {
  if (enc.family === 'aes-gcm')
    return { cipher: await subtle().importKey('raw', b(cek), 'AES-GCM', false, [use]) };
  const half = enc.cekBytes / 2;
  const hash = webHash(enc.macHash!);
  return {
    mac: await subtle().importKey('raw', b(cek.subarray(0, half)), { name: 'HMAC', hash }, false, [
      'sign',
    ]),
    cipher: await subtle().importKey('raw', b(cek.subarray(half)), 'AES-CBC', false, [use]),
  };
}

// RFC 7518 §5.2.2.1: T = first half of HMAC(MAC_KEY, A || IV || E || AL), AL = AAD bits, 64-bit BE.
async function cbcTag(
  enc: JweContentEncryptionAlgorithm,
  macKey: CryptoKey,
  aad: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const data = concat(aad, iv, ciphertext, uint64be(aad.length * 8));
  const mac = new Uint8Array(await subtle().sign('HMAC', macKey, b(data)));
  return mac.subarray(0, enc.tagBytes);
}

/**
 * Content encryption (RFC 7518 §5): ciphertext and tag. `cek` is the raw CEK, or its keys
 * already imported (a `dir` key, imported once per caller key object).
 */
export async function encryptContent(
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array | ContentKeys,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<{ ciphertext: Uint8Array; tag: Uint8Array }> {
  const keys = cek instanceof Uint8Array ? await importContentKeys(enc, cek, 'encrypt') : cek;
  if (enc.family === 'aes-gcm') {
    const out = new Uint8Array(
      await subtle().encrypt(
        { name: 'AES-GCM', iv: b(iv), additionalData: b(aad), tagLength: enc.tagBytes * 8 },
        keys.cipher,
        b(plaintext),
      ),
    );
    const cut = out.length - enc.tagBytes;
    return { ciphertext: out.subarray(0, cut), tag: out.subarray(cut) };
  }
  const ciphertext = new Uint8Array(
    await subtle().encrypt({ name: 'AES-CBC', iv: b(iv) }, keys.cipher, b(plaintext)),
  );
  return { ciphertext, tag: await cbcTag(enc, keys.mac!, aad, iv, ciphertext) };
}

/**
 * Decrypt and authenticate, or throw the opaque failure. CBC-HMAC: the MAC is checked in
 * constant time before any decryption, so padding errors are never observable
 * (docs/security.md#cbc-hmac); GCM: a 16-byte tag exactly. `cek` as for {@link encryptContent}
 * (imported keys were made from a CEK of the exact length).
 */
export async function decryptContent(
  enc: JweContentEncryptionAlgorithm,
  cek: Uint8Array | ContentKeys,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const rawLength = cek instanceof Uint8Array ? cek.length : enc.cekBytes;
  if (rawLength !== enc.cekBytes || iv.length !== enc.ivBytes || tag.length !== enc.tagBytes)
    throw decryptionFailed();
  try {
    const keys = cek instanceof Uint8Array ? await importContentKeys(enc, cek, 'decrypt') : cek;
    if (enc.family === 'aes-gcm') {
      return new Uint8Array(
        await subtle().decrypt(
          { name: 'AES-GCM', iv: b(iv), additionalData: b(aad), tagLength: enc.tagBytes * 8 },
          keys.cipher,
          b(concat(ciphertext, tag)),
        ),
      );
    }
    const expected = await cbcTag(enc, keys.mac!, aad, iv, ciphertext);
    if (!equalBytes(expected, tag)) throw decryptionFailed();
    return new Uint8Array(
      await subtle().decrypt({ name: 'AES-CBC', iv: b(iv) }, keys.cipher, b(ciphertext)),
    );
  } catch {
    throw decryptionFailed();
  }
}

// The CEK travels through wrapKey/unwrapKey as an extractable HMAC key (any length, raw format).
const CEK_CARRIER = { name: 'HMAC', hash: 'SHA-256' };

/** AES Key Wrap (RFC 3394, RFC 7518 §4.4). */
export async function aesKeyWrap(kek: Kek, cek: Uint8Array): Promise<Uint8Array> {
  const k = await importKek(kek, 'AES-KW', 'wrapKey');
  const carrier = await subtle().importKey('raw', b(cek), CEK_CARRIER, true, ['sign']);
  return new Uint8Array(await subtle().wrapKey('raw', carrier, k, 'AES-KW'));
}

/** AES Key Unwrap; `undefined` when the integrity check or the length fails (RFC 7516 §11.5). */
export async function aesKeyUnwrap(kek: Kek, wrapped: Uint8Array): Promise<Uint8Array | undefined> {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  // Outside the try: a runtime without AES-KW says so (ERR_ALG_UNSUPPORTED), not "decryption failed".
  const k = await importKek(kek, 'AES-KW', 'unwrapKey');
  try {
    const carrier = await subtle().unwrapKey(
      'raw',
      b(wrapped),
      k,
      'AES-KW',
      { ...CEK_CARRIER, length: (wrapped.length - 8) * 8 },
      true,
      ['sign'],
    );
    return new Uint8Array(await subtle().exportKey('raw', carrier));
  } catch {
    return undefined;
  }
}

/** AES-GCM key wrap (RFC 7518 §4.7): the encrypted CEK and its 16-byte tag. */
export async function gcmKeyWrap(
  kek: Kek,
  iv: Uint8Array,
  cek: Uint8Array,
): Promise<{ encryptedKey: Uint8Array; tag: Uint8Array }> {
  const key = await importKek(kek, 'AES-GCM', 'encrypt');
  const out = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv: b(iv), tagLength: 128 }, key, b(cek)),
  );
  return { encryptedKey: out.subarray(0, out.length - 16), tag: out.subarray(out.length - 16) };
}

/** AES-GCM key unwrap; `undefined` on failure. */
export async function gcmKeyUnwrap(
  kek: Kek,
  iv: Uint8Array,
  tag: Uint8Array,
  encryptedKey: Uint8Array,
): Promise<Uint8Array | undefined> {
  const key = await importKek(kek, 'AES-GCM', 'decrypt');
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: b(iv), tagLength: 128 },
        key,
        b(concat(encryptedKey, tag)),
      ),
    );
  } catch {
    return undefined;
  }
}

/** RSA-OAEP encryption of the CEK (the hash is the key's, checked at preparation). */
export async function rsaOaepEncrypt(key: CryptoKey, cek: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP' }, key, b(cek)));
}

/** RSA-OAEP decryption; `undefined` on failure (Manger: the caller substitutes a random CEK). */
export async function rsaOaepDecrypt(
  key: CryptoKey,
  encryptedKey: Uint8Array,
): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP' }, key, b(encryptedKey)));
  } catch {
    return undefined;
  }
}

/** The Web Crypto algorithm of an ECDH curve. */
export function ecdhParams(crv: string): EcKeyImportParams | Algorithm {
  if (crv === 'X25519') return { name: 'X25519' };
  if (crv === 'X448') throw unsupported('the X448 curve');
  return { name: 'ECDH', namedCurve: crv };
}

const ECDH_BITS: Readonly<Record<string, number>> = {
  'P-256': 256,
  'P-384': 384,
  'P-521': 528,
  X25519: 256,
};

/** The ECDH shared secret Z; an all-zero result (RFC 7748 §6) is the opaque failure. */
export async function sharedSecret(
  privateKey: CryptoKey,
  publicKey: CryptoKey,
  crv: string,
): Promise<Uint8Array> {
  let z: Uint8Array;
  try {
    z = new Uint8Array(
      await subtle().deriveBits(
        { name: privateKey.algorithm.name, public: publicKey } as EcdhKeyDeriveParams,
        privateKey,
        ECDH_BITS[crv]!,
      ),
    );
  } catch {
    throw decryptionFailed();
  }
  if (isAllZero(z)) throw decryptionFailed();
  return z;
}

/** Concat KDF with SHA-256 (RFC 7518 §4.6.2). */
export async function concatKdf(
  z: Uint8Array,
  keyBytes: number,
  algorithmId: string,
  apu: Uint8Array,
  apv: Uint8Array,
): Promise<Uint8Array> {
  const otherInfo = concatKdfOtherInfo(keyBytes, algorithmId, apu, apv);
  const rounds = Math.ceil(keyBytes / 32);
  const out = new Uint8Array(rounds * 32);
  for (let i = 0; i < rounds; i++) {
    const d = await subtle().digest('SHA-256', b(concatKdfRound(i, z, otherInfo)));
    out.set(new Uint8Array(d), i * 32);
  }
  return out.subarray(0, keyBytes);
}

/** RFC 7518 §4.8.1.1: the PBES2 key-encryption key. */
export async function derivePbes2Key(
  row: JweKeyManagementAlgorithm,
  password: Kek,
  p2s: Uint8Array,
  p2c: number,
): Promise<Uint8Array> {
  const key = await importKek(password, 'PBKDF2', 'deriveBits');
  const bits = await subtle().deriveBits(
    { name: 'PBKDF2', salt: b(pbes2Salt(row, p2s)), iterations: p2c, hash: OAEP_HASH[row.hash!]! },
    key,
    row.kekBytes * 8,
  );
  return new Uint8Array(bits);
}

async function pipe(
  data: Uint8Array,
  stream: GenericTransformStream,
  max: number,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  void writer.write(b(data)).catch(() => undefined);
  void writer.close().catch(() => undefined);
  const reader = (stream.readable as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      void reader.cancel().catch(() => undefined);
      throw new JoseError(
        'ERR_JWE_TOO_LARGE',
        `the decompressed plaintext is larger than ${max} bytes`,
      );
    }
    chunks.push(value);
  }
  return concat(...chunks);
}

function stream(kind: 'compress' | 'decompress'): GenericTransformStream {
  const g = globalThis as {
    CompressionStream?: new (f: string) => GenericTransformStream;
    DecompressionStream?: new (f: string) => GenericTransformStream;
  };
  const C = kind === 'compress' ? g.CompressionStream : g.DecompressionStream;
  if (C === undefined) throw unsupported('"zip": "DEF" (CompressionStream)');
  return new C('deflate-raw');
}

/** DEFLATE (RFC 1951, raw) before encryption. */
export function deflate(plaintext: Uint8Array): Promise<Uint8Array> {
  return pipe(plaintext, stream('compress'), Number.MAX_SAFE_INTEGER);
}

/**
 * Inflate with a hard output cap (CVE-2024-28176): reading stops as soon as the output passes
 * `max` bytes. A corrupt stream is the opaque failure.
 */
export async function inflate(compressed: Uint8Array, max: number): Promise<Uint8Array> {
  try {
    return await pipe(compressed, stream('decompress'), Math.max(1, max));
  } catch (e) {
    if (e instanceof JoseError) throw e;
    throw decryptionFailed();
  }
}
