import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64url, encodeBase64url } from '@tessera/jose';
import { makePrivateDir } from '../data-folder.js';
import { ServerError } from '../errors.js';

/** Thrown when sealed data cannot be opened: wrong key-encryption key, or tampering. */
export class KekError extends ServerError {
  override readonly name = 'KekError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_KEK', message, options);
  }
}

const VERSION = 'v1';

/**
 * A key-encryption key: AES-256-GCM over private signing keys (and stored replay responses),
 * with the purpose bound into the associated data so a sealed value cannot be moved to another
 * row or use.
 */
export interface Kek {
  seal(plaintext: Uint8Array | string, context: string): string;
  open(sealed: string, context: string): Buffer;
  /** A subkey for another purpose (HKDF-SHA-256), never the KEK itself. */
  derive(purpose: string): Kek;
}

/**
 * A KEK from 32 raw bytes.
 *
 * @example
 * const kek = createKek(randomBytes(32));
 * const sealed = kek.seal(privatePkcs8, `signing-key:${kid}`);
 */
export function createKek(key: Uint8Array): Kek {
  if (key.length !== 32) throw new KekError('the key-encryption key must be 32 bytes');
  const k = Buffer.from(key);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', k, iv);
      c.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([
        c.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
        c.final(),
      ]);
      return `${VERSION}.${encodeBase64url(iv)}.${encodeBase64url(ct)}.${encodeBase64url(c.getAuthTag())}`;
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION)
        throw new KekError('sealed value is malformed');
      try {
        const d = createDecipheriv('aes-256-gcm', k, decodeBase64url(parts[1]!));
        d.setAAD(Buffer.from(context, 'utf8'));
        d.setAuthTag(decodeBase64url(parts[3]!));
        return Buffer.concat([d.update(decodeBase64url(parts[2]!)), d.final()]);
      } catch (cause) {
        throw new KekError(
          'sealed value cannot be opened (wrong key-encryption key or tampered data)',
          { cause },
        );
      }
    },
    derive(purpose) {
      return createKek(
        new Uint8Array(hkdfSync('sha256', k, Buffer.alloc(0), `tessera:${purpose}`, 32)),
      );
    },
  };
}

/** Parse a configured KEK: 32 bytes as base64url (43 chars) or hex (64 chars). */
export function parseKek(text: string): Kek {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return createKek(Buffer.from(t, 'hex'));
  try {
    return createKek(decodeBase64url(t));
  } catch (cause) {
    throw new KekError('the key-encryption key must be 32 bytes as base64url or hex', { cause });
  }
}

/**
 * Embedded mode: read `<dataDir>/kek`, generating it once (mode 0600) when missing.
 */
export function loadOrCreateKekFile(dataDir: string): Kek {
  const file = join(dataDir, 'kek');
  if (!existsSync(file)) {
    makePrivateDir(dataDir);
    // 'wx': never overwrite a KEK another process created meanwhile.
    try {
      writeFileSync(file, `${encodeBase64url(randomBytes(32))}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  chmodSync(file, 0o600);
  return parseKek(readFileSync(file, 'utf8'));
}
