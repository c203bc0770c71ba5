import type { JwsAlg } from '../base/algorithms.js';
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  sign as nodeSign,
  constants,
  type KeyObject,
} from 'node:crypto';
import { Buffer } from 'node:buffer';

/**
 * Raw token builders for tests: they write exactly the header and payload text given (duplicate
 * members, odd types, non-canonical encodings), which Tessera's own signers refuse to produce.
 */

/** base64url of a JSON value (objects are serialised) or of exact text/bytes. */
export function b64(value: unknown): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64url');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url');
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export type RawAlg = Exclude<JwsAlg, 'Ed25519'>;

const HASH: Record<RawAlg, string | null> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  ES256K: 'sha256',
  EdDSA: null,
};

/** Sign exact bytes the way the JWS algorithm does, with node:crypto directly. */
export function rawSign(
  alg: RawAlg,
  key: KeyObject | Uint8Array,
  data: string | Uint8Array,
): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (alg.startsWith('HS')) {
    const k = key instanceof Uint8Array ? createSecretKey(key) : key;
    return createHmac(HASH[alg]!, k).update(bytes).digest();
  }
  const k = key as KeyObject;
  if (alg.startsWith('PS')) {
    return nodeSign(HASH[alg], bytes, {
      key: k,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  if (alg.startsWith('ES'))
    return nodeSign(HASH[alg], bytes, { key: k, dsaEncoding: 'ieee-p1363' });
  return nodeSign(HASH[alg], bytes, k);
}

/**
 * A compact JWS over exact header/payload (objects are JSON-serialised, strings used verbatim as
 * the JSON text), signed with `alg`'s primitive. `sig` overrides the signature bytes.
 */
export function rawToken(
  header: unknown,
  payload: unknown,
  alg: RawAlg,
  key: KeyObject | Uint8Array,
  sig?: Uint8Array,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${Buffer.from(sig ?? rawSign(alg, key, input)).toString('base64url')}`;
}

/** Replace the signature segment of a compact token. */
export function withSignature(token: string, sig: Uint8Array | string): string {
  const i = token.lastIndexOf('.');
  const s = typeof sig === 'string' ? sig : Buffer.from(sig).toString('base64url');
  return `${token.slice(0, i)}.${s}`;
}

/** The signature bytes of a compact token. */
export function signatureOf(token: string): Buffer {
  return Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
}

/** A fixed clock: 2026-01-01T00:00:00Z, and its NumericDate. */
export const NOW = new Date('2026-01-01T00:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

const cache = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

/**
 * Key pairs generated once per process (RSA is slow on 2 cores): `rsa2048`, `rsa1024`,
 * `rsa512`, `p256`, `p384`, `p521`, `k256`, `ed25519`, `ed448`, `dsa`, `pss-sha512`, `pss-sha256`.
 */
export function pair(name: string): { privateKey: KeyObject; publicKey: KeyObject } {
  let p = cache.get(name);
  if (p !== undefined) return p;
  const args: Record<string, [string, Record<string, unknown>]> = {
    rsa2048: ['rsa', { modulusLength: 2048 }],
    rsa2048b: ['rsa', { modulusLength: 2048 }],
    rsa1024: ['rsa', { modulusLength: 1024 }],
    rsa512: ['rsa', { modulusLength: 512 }],
    p256: ['ec', { namedCurve: 'prime256v1' }],
    p256b: ['ec', { namedCurve: 'prime256v1' }],
    p384: ['ec', { namedCurve: 'secp384r1' }],
    p521: ['ec', { namedCurve: 'secp521r1' }],
    k256: ['ec', { namedCurve: 'secp256k1' }],
    ed25519: ['ed25519', {}],
    ed25519b: ['ed25519', {}],
    ed448: ['ed448', {}],
    dsa: ['dsa', { modulusLength: 1024, divisorLength: 160 }],
    'pss-sha512': [
      'rsa-pss',
      { modulusLength: 2048, hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512' },
    ],
    'pss-sha256': [
      'rsa-pss',
      { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256' },
    ],
    'pss-sha256-salt64': [
      'rsa-pss',
      { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 64 },
    ],
  };
  const a = args[name];
  if (a === undefined) throw new Error(`unknown test key ${name}`);
  // Generated as DER and imported afresh: on Node 20 a KeyObject straight from
  // generateKeyPairSync can deadlock a later JWK export when the GC destroys the generation job.
  const der = (
    generateKeyPairSync as (t: string, o: object) => { publicKey: Buffer; privateKey: Buffer }
  )(a[0], {
    ...a[1],
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  p = {
    privateKey: createPrivateKey({ key: der.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: der.publicKey, format: 'der', type: 'spki' }),
  };
  cache.set(name, p);
  return p;
}

/** The key pair name used for each asymmetric JWS algorithm in tests. */
export const PAIR_FOR: Readonly<Record<string, string>> = {
  RS256: 'rsa2048',
  RS384: 'rsa2048',
  RS512: 'rsa2048',
  PS256: 'rsa2048',
  PS384: 'rsa2048',
  PS512: 'rsa2048',
  ES256: 'p256',
  ES384: 'p384',
  ES512: 'p521',
  ES256K: 'k256',
  EdDSA: 'ed25519',
  Ed25519: 'ed25519',
};

/** A fixed 64-byte HMAC secret (enough for HS512). */
export const SECRET = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
