import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type {
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { encodeBase64url } from '../base/base64url.js';
import { JoseError } from '../base/errors.js';
import type { JsonObject } from '../base/json.js';
import { aesKeyUnwrap, aesKeyWrap } from './aes-kw.js';
import {
  concatKdf,
  ecdhCurveOf,
  epkHeader,
  generateEphemeral,
  importEpk,
  sharedSecret,
} from './ecdh.js';
import { derivePbes2Key } from './pbes2.js';
import { DEFAULT_PBES2_COUNT, headerBytes, optionalHeaderBytes } from './rules.js';

/**
 * Inputs a recipient's key management may use. Everything defaults to fresh randomness; the
 * fixed values exist so tests can reproduce published vectors (never reuse them in production).
 */
export interface KeyManagementInputs {
  /** The CEK shared by all recipients (generated when absent). */
  cek?: Uint8Array;
  /** ECDH-ES PartyUInfo / PartyVInfo (RFC 7518 §4.6.1.2-3). */
  apu?: Uint8Array;
  apv?: Uint8Array;
  /** PBES2 iteration count and salt input. */
  p2c?: number;
  p2s?: Uint8Array;
  /** AES-GCM key wrap IV (tests only). */
  kwIv?: Uint8Array;
  /** ECDH-ES ephemeral key pair (tests only). */
  ephemeral?: { privateKey: KeyObject; publicKey: KeyObject };
}

export interface WrappedKey {
  cek: Uint8Array;
  encryptedKey: Uint8Array;
  /** Header parameters the algorithm adds (`epk`, `apu`, `apv`, `iv`, `tag`, `p2s`, `p2c`). */
  header: Record<string, unknown>;
}

const b64 = encodeBase64url;

function secretBytes(key: KeyObject): Buffer {
  return key.export();
}

/** Produce the CEK and the JWE Encrypted Key for one recipient (RFC 7516 §5.1 steps 1-5). */
export function wrapKey(
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  key: KeyObject,
  inputs: KeyManagementInputs,
): WrappedKey {
  const cek = inputs.cek ?? randomBytes(enc.cekBytes);
  const empty = new Uint8Array(0);
  switch (row.family) {
    case 'dir':
      return { cek: secretBytes(key), encryptedKey: empty, header: {} };
    case 'aes-kw':
      return { cek, encryptedKey: aesKeyWrap(row.wrapCipher!, secretBytes(key), cek), header: {} };
    case 'aes-gcm-kw': {
      const iv = inputs.kwIv ?? randomBytes(12);
      const c = createCipheriv(row.wrapCipher as 'aes-128-gcm', secretBytes(key), iv, {
        authTagLength: 16,
      });
      const encryptedKey = Buffer.concat([c.update(cek), c.final()]);
      return { cek, encryptedKey, header: { iv: b64(iv), tag: b64(c.getAuthTag()) } };
    }
    case 'rsa-oaep': {
      const encryptedKey = publicEncrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: row.hash! },
        cek,
      );
      return { cek, encryptedKey, header: {} };
    }
    case 'ecdh-es': {
      const eph = inputs.ephemeral ?? generateEphemeral(ecdhCurveOf(key)!);
      const apu = inputs.apu ?? empty;
      const apv = inputs.apv ?? empty;
      const header: Record<string, unknown> = { epk: epkHeader(eph.publicKey) };
      if (inputs.apu !== undefined) header['apu'] = b64(apu);
      if (inputs.apv !== undefined) header['apv'] = b64(apv);
      let z: Uint8Array;
      try {
        z = sharedSecret(eph.privateKey, key);
      } catch {
        // RFC 7748 §6: a low-order recipient key gives an all-zero secret; never encrypt to it.
        throw new JoseError(
          'ERR_KEY_INVALID',
          'the recipient key is of small order (all-zero shared secret)',
        );
      }
      if (row.direct)
        return { cek: concatKdf(z, enc.cekBytes, enc.enc, apu, apv), encryptedKey: empty, header };
      const kek = concatKdf(z, row.kekBytes, row.alg, apu, apv);
      return { cek, encryptedKey: aesKeyWrap(row.wrapCipher!, kek, cek), header };
    }
    case 'pbes2': {
      const p2s = inputs.p2s ?? randomBytes(16);
      const p2c = inputs.p2c ?? DEFAULT_PBES2_COUNT;
      const kek = derivePbes2Key(row, secretBytes(key), p2s, p2c);
      return {
        cek,
        encryptedKey: aesKeyWrap(row.wrapCipher!, kek, cek),
        header: { p2s: b64(p2s), p2c },
      };
    }
  }
}

/**
 * Recover the CEK for one recipient (RFC 7516 §5.2 steps 9-10). When an unwrap fails, a random
 * CEK of the right length is returned instead, so the failure surfaces only at the content tag
 * with the same error and similar timing (RFC 7516 §11.5; Bleichenbacher/Manger). An invalid
 * `epk` is refused before any ECDH (docs/security.md#ecdh-curve). PBES2 `p2c`/`p2s` were checked with the header.
 */
export function unwrapKey(
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  key: KeyObject,
  header: JsonObject,
  encryptedKey: Uint8Array,
): Uint8Array {
  const orRandom = (cek: Uint8Array | undefined): Uint8Array =>
    cek !== undefined && cek.length === enc.cekBytes ? cek : randomBytes(enc.cekBytes);
  switch (row.family) {
    case 'dir':
      return secretBytes(key);
    case 'aes-kw':
      return orRandom(aesKeyUnwrap(row.wrapCipher!, secretBytes(key), encryptedKey));
    case 'aes-gcm-kw': {
      const iv = headerBytes(header, 'iv', 12);
      const tag = headerBytes(header, 'tag', 16);
      try {
        const d = createDecipheriv(row.wrapCipher as 'aes-128-gcm', secretBytes(key), iv, {
          authTagLength: 16,
        });
        d.setAuthTag(tag);
        return orRandom(Buffer.concat([d.update(encryptedKey), d.final()]));
      } catch {
        return orRandom(undefined);
      }
    }
    case 'rsa-oaep': {
      try {
        return orRandom(
          privateDecrypt(
            { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: row.hash! },
            encryptedKey,
          ),
        );
      } catch {
        return orRandom(undefined);
      }
    }
    case 'ecdh-es': {
      const epk = importEpk(header['epk'], ecdhCurveOf(key)!);
      const apu = optionalHeaderBytes(header, 'apu');
      const apv = optionalHeaderBytes(header, 'apv');
      const z = sharedSecret(key, epk);
      if (row.direct) return concatKdf(z, enc.cekBytes, enc.enc, apu, apv);
      return orRandom(
        aesKeyUnwrap(row.wrapCipher!, concatKdf(z, row.kekBytes, row.alg, apu, apv), encryptedKey),
      );
    }
    case 'pbes2': {
      const p2s = headerBytes(header, 'p2s');
      const kek = derivePbes2Key(row, secretBytes(key), p2s, header['p2c'] as number);
      return orRandom(aesKeyUnwrap(row.wrapCipher!, kek, encryptedKey));
    }
  }
}
