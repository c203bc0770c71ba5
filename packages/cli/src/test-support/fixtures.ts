import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeBase64url,
  generateKeyPair,
  signJwt,
  exportJwk,
  exportPem,
  calculateJwkThumbprint,
} from '@tessera/jose';
import { NOW, NOW_S } from './memory-io.js';

export const SECRET = 'a-very-long-test-secret-of-at-least-32-bytes!';
export const SECRET_BYTES = new TextEncoder().encode(SECRET);

/** An HS256 token signed with {@link SECRET}, valid around NOW. */
export function hsToken(claims: Record<string, unknown> = {}, opts: { kid?: string } = {}): string {
  return signJwt(
    {
      sub: 'alice',
      iss: 'https://issuer.test',
      aud: 'api',
      iat: NOW_S - 60,
      exp: NOW_S + 600,
      ...claims,
    },
    SECRET_BYTES,
    {
      alg: 'HS256',
      issuedAt: false,
      currentDate: NOW,
      ...(opts.kid !== undefined ? { kid: opts.kid } : {}),
    },
  );
}

/** Hand-made compact token from raw header/payload JSON text (for malformed cases). */
export function rawToken(header: string, payload: string, signature = 'c2ln'): string {
  return `${encodeBase64url(header)}.${encodeBase64url(payload)}.${signature}`;
}

/** One EC key pair reused by a test file. */
export const ec = generateKeyPair('ES256');
export const ecKid = calculateJwkThumbprint(ec.publicKey);
export const ecPublicJwk = { ...exportJwk(ec.publicKey), kid: ecKid, alg: 'ES256', use: 'sig' };
export function esToken(claims: Record<string, unknown> = {}): string {
  return signJwt({ sub: 'alice', iat: NOW_S - 60, exp: NOW_S + 600, ...claims }, ec.privateKey, {
    alg: 'ES256',
    kid: ecKid,
    issuedAt: false,
  });
}

/** A temp dir with files written into it. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export const ecPem = { private: exportPem(ec.privateKey), public: exportPem(ec.publicKey) };
