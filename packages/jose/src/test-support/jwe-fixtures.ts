import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { exportJwk, generateKeyPair } from '../keys/keys.js';
import { encodeBase64url } from '../base/base64url.js';
import {
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
  type JweContentEncryptionAlg,
} from '../base/algorithms.js';
import { encryptContent } from '../jwe/content.js';

/** Keys reused by every JWE test of a process (RSA generation is the slow part). */
export interface KeyPairs {
  rsa: { privateKey: KeyObject; publicKey: KeyObject };
  ec: Record<'P-256' | 'P-384' | 'P-521', { privateKey: KeyObject; publicKey: KeyObject }>;
  okp: Record<'X25519' | 'X448', { privateKey: KeyObject; publicKey: KeyObject }>;
}

let cached: KeyPairs | undefined;

export function keyPairs(): KeyPairs {
  cached ??= {
    // Through generateKeyPair: it avoids a Node 20 deadlock on JWK export of fresh KeyObjects.
    rsa: generateKeyPair('RSA-OAEP'),
    ec: {
      'P-256': generateKeyPair('ECDH-ES', { crv: 'P-256' }),
      'P-384': generateKeyPair('ECDH-ES', { crv: 'P-384' }),
      'P-521': generateKeyPair('ECDH-ES', { crv: 'P-521' }),
    },
    okp: {
      X25519: generateKeyPair('ECDH-ES', { crv: 'X25519' }),
      X448: generateKeyPair('ECDH-ES', { crv: 'X448' }),
    },
  };
  return cached;
}

/** The same key pairs as JWKs, which both entries (and panva/jose) take. */
export function jwkPairs() {
  const k = keyPairs();
  const j = (p: { privateKey: KeyObject; publicKey: KeyObject }) => ({
    privateKey: exportJwk(p.privateKey),
    publicKey: exportJwk(p.publicKey),
  });
  return {
    rsa: j(k.rsa),
    ec: { 'P-256': j(k.ec['P-256']), 'P-384': j(k.ec['P-384']), 'P-521': j(k.ec['P-521']) },
    okp: { X25519: j(k.okp.X25519), X448: j(k.okp.X448) },
  };
}

/** A random secret KeyObject of `bytes` bytes. */
export function secret(bytes: number): KeyObject {
  return createSecretKey(randomBytes(bytes));
}

/**
 * Build a compact `dir` JWE by hand, with any protected header and any content bytes, so tests
 * can make tokens the library would never produce (bad padding with a valid MAC, corrupt
 * DEFLATE, `zip` values …).
 */
export function craftDirJwe(
  header: Record<string, unknown>,
  content: Uint8Array,
  cek: Uint8Array,
  options: { iv?: Uint8Array } = {},
): string {
  const enc = JWE_CONTENT_ENCRYPTION_ALGORITHMS[header['enc'] as JweContentEncryptionAlg];
  const h = encodeBase64url(JSON.stringify(header));
  const iv = options.iv ?? randomBytes(enc.ivBytes);
  const { ciphertext, tag } = encryptContent(enc, cek, iv, content, Buffer.from(h, 'ascii'));
  return `${h}..${encodeBase64url(iv)}.${encodeBase64url(ciphertext)}.${encodeBase64url(tag)}`;
}

/** Replace the protected header of a compact JWE (the tag no longer matches, on purpose). */
export function withHeader(jwe: string, edit: (h: Record<string, any>) => void): string {
  const parts = jwe.split('.');
  const h = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  edit(h);
  parts[0] = encodeBase64url(JSON.stringify(h));
  return parts.join('.');
}

/** Replace segment `i` (0-4) of a compact JWE. */
export function withSegment(jwe: string, i: number, value: Uint8Array | string): string {
  const parts = jwe.split('.');
  parts[i] = typeof value === 'string' ? value : encodeBase64url(value);
  return parts.join('.');
}

/** Decode segment `i` of a compact JWE. */
export function segment(jwe: string, i: number): Buffer {
  return Buffer.from(jwe.split('.')[i]!, 'base64url');
}
