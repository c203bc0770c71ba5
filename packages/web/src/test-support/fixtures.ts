import { Buffer } from 'node:buffer';
import { exportJwk, exportPem, generateKeyPair, signJwt, type Jwk } from '@tessera/jose';

/** A 32-byte HS256 secret (full strength) as UTF-8 text. */
export const SECRET = 'tessera-debugger-test-secret-32by';
export const SECRET_BYTES = new Uint8Array(Buffer.from(SECRET, 'utf8'));

/** jwt.io's example token, signed with the weak secret `your-256-bit-secret`. */
export const JWT_IO_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

// One ES256 pair per test process (key generation is the slow part).
const pair = generateKeyPair('ES256');
export const EC_PRIVATE = pair.privateKey;
export const EC_PUBLIC_PEM = exportPem(pair.publicKey);
export const EC_PRIVATE_PEM = exportPem(pair.privateKey);
export const EC_PUBLIC_JWK: Jwk = { ...exportJwk(pair.publicKey), kid: 'ec-1' };
const other = generateKeyPair('ES256');
export const OTHER_PUBLIC_JWK: Jwk = { ...exportJwk(other.publicKey), kid: 'ec-2' };
export const OTHER_PUBLIC_PEM = exportPem(other.publicKey);

/** An HS256 token valid for an hour, issuer `https://issuer.test`, audience `api`. */
export function hsToken(
  claims: Record<string, unknown> = {},
  expiresIn: string | number = '1h',
): string {
  return signJwt({ sub: 'u1', ...claims }, SECRET_BYTES, {
    alg: 'HS256',
    issuer: 'https://issuer.test',
    audience: 'api',
    expiresIn,
  });
}

/** An ES256 token with `kid: ec-1`. */
export function esToken(claims: Record<string, unknown> = {}): string {
  return signJwt({ sub: 'u1', ...claims }, EC_PRIVATE, {
    alg: 'ES256',
    kid: 'ec-1',
    expiresIn: '1h',
  });
}

/** A compact token from raw header and payload JSON text, with a fake signature. */
export function rawToken(header: string, payload: string, signature = 'c2ln'): string {
  const b = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
  return `${b(header)}.${b(payload)}.${signature}`;
}
