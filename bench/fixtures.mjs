// Keys, claims and token sets shared by every library in the bench, generated once per process.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  createSecretKey,
} from 'node:crypto';
import { createSigner } from '@tessera/jose';

export const ISSUER = 'https://issuer.bench.example';
export const AUDIENCE = 'api.bench.example';
/** Token lifetime in seconds: long enough that no token expires during a bench. */
export const LIFETIME = 3600;
/** Distinct tokens verified in rotation (no library can profit from seeing one token twice). */
export const TOKEN_SET_SIZE = 64;

export const ALGORITHMS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];

/** Claims of a typical access token, minus what the signer adds (iss, aud, iat, exp). */
export function claimsFor(i) {
  return {
    sub: `user-${i}`,
    scope: 'read:items write:items',
    client_id: 'bench-client',
    sid: `s-${i}`,
  };
}

function pair(type, opts) {
  const { privateKey, publicKey } = generateKeyPairSync(type, opts);
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }),
  };
}

/** One key (pair) per algorithm: KeyObjects for Tessera and jose, PEM/Buffer for the others. */
export function makeKeys() {
  const secret = randomBytes(32);
  const rsa = pair('rsa', { modulusLength: 2048 });
  const keys = {
    HS256: {
      privateKey: createSecretKey(secret),
      publicKey: createSecretKey(secret),
      privatePem: secret,
      publicPem: secret,
      raw: secret,
    },
    RS256: rsa,
    PS256: rsa,
    ES256: pair('ec', { namedCurve: 'prime256v1' }),
    EdDSA: pair('ed25519'),
  };
  // Sanity: the PEM forms are the same keys.
  for (const alg of ALGORITHMS.slice(1)) {
    createPrivateKey(keys[alg].privatePem);
    createPublicKey(keys[alg].publicPem);
  }
  return keys;
}

/** A set of distinct valid tokens for `alg`, signed by Tessera (every peer must accept them). */
export function makeTokens(alg, key, n = TOKEN_SET_SIZE) {
  const sign = createSigner({
    key: key.privateKey,
    alg,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: LIFETIME,
  });
  const out = [];
  for (let i = 0; i < n; i++) out.push(sign(claimsFor(i)));
  return out;
}
