/**
 * Keys on the Web Crypto entry: `CryptoKey`s, JWKs and (for HMAC) byte arrays, checked against
 * the registry row exactly as the Node.js core checks KeyObjects (type, curve, hash, minimum
 * size, Edwards small-order points), with the JWK member checks both cores share.
 */
import { JoseError } from '../base/errors.js';
import { encodeBase64url } from '../base/base64url.js';
import { isJsonObject } from '../base/json.js';
import { CURVES, jwsAlgorithm, type JwsAlgorithm } from '../base/algorithms.js';
import { isWeakEd25519Point } from '../keys/edwards.js';
import type { Jwk } from '../keys/jwk.js';
import { b64Member, checkCommonMembers } from '../keys/jwk-members.js';
import type { KeyPolicy, KeyUse } from '../keys/policy.js';
import { bigIntOfBytes, checkRsaPublicNumbers } from '../keys/rsa-numbers.js';
import { thumbprintInput, THUMBPRINT_URI_HASH, type ThumbprintHash } from '../keys/thumbprint.js';
import { jwsImportParams, requireWebCurve, webHash } from './algorithms.js';
import { cachedFor, policySlot } from './key-cache.js';
import { mapCryptoError, subtle } from './runtime.js';

/** A key as the Web Crypto entry accepts it: a CryptoKey, a JWK, or a byte array (HMAC only). */
export type WebKeyInput = CryptoKey | Jwk | Uint8Array;

const RSA_PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};
const PRIVATE_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: RSA_PRIVATE,
  EC: ['d'],
  OKP: ['d'],
};

const invalidKey = (message: string) => new JoseError('ERR_KEY_INVALID', message);
const invalidJwk = (message: string) => new JoseError('ERR_JWK_INVALID', message);

/** True for a Web Crypto CryptoKey. */
export function isCryptoKey(v: unknown): v is CryptoKey {
  return typeof CryptoKey !== 'undefined' && v instanceof CryptoKey;
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i) * 8 - Math.clz32(bytes[i]!) + 24;
}

function checkSecretSize(bytes: number, alg: JwsAlgorithm, policy?: KeyPolicy): void {
  if (bytes === 0) throw invalidKey('the HMAC secret is empty');
  if (bytes < alg.minSecretBytes && policy?.allowWeakSecret !== true) {
    throw new JoseError(
      'ERR_KEY_TOO_WEAK',
      `${alg.alg} requires a secret of at least ${alg.minSecretBytes} bytes (RFC 7518 §3.2)`,
    );
  }
}

function checkRsaSize(bits: number, alg: JwsAlgorithm, policy?: KeyPolicy): void {
  if (bits < alg.minRsaBits && policy?.allowInsecureKeySize !== true) {
    throw new JoseError('ERR_KEY_TOO_WEAK', `${alg.alg} requires an RSA key of at least 2048 bits`);
  }
}

function pick(jwk: Record<string, unknown>, members: readonly string[]): JsonWebKey {
  const out: Record<string, unknown> = {};
  for (const m of members) if (jwk[m] !== undefined) out[m] = jwk[m];
  return out as JsonWebKey;
}

/** The JWK member checks for `alg`; returns the members to import (public half for verify). */
function checkJwkForAlg(
  jwk: Record<string, unknown>,
  alg: JwsAlgorithm,
  use: KeyUse,
  policy?: KeyPolicy,
): JsonWebKey {
  checkCommonMembers(jwk);
  const kty = jwk['kty'];
  if (kty !== alg.kty) throw invalidKey(`${alg.alg} requires a ${alg.kty} key`);
  if (jwk['alg'] !== undefined && jwk['alg'] !== alg.alg)
    throw invalidKey(`the JWK is for "${String(jwk['alg']).slice(0, 32)}", not ${alg.alg}`);
  if (kty === 'oct') {
    checkSecretSize(b64Member(jwk, 'k', true)!.length, alg, policy);
    return pick(jwk, ['kty', 'k']);
  }
  if (jwk['oth'] !== undefined) throw invalidJwk('multi-prime RSA keys ("oth") are not supported');
  for (const m of PUBLIC_MEMBERS[kty as string]!.slice(1)) {
    if (m !== 'crv') b64Member(jwk, m, true);
  }
  if (kty === 'RSA') {
    const n = b64Member(jwk, 'n', true)!;
    checkRsaSize(bitLength(n), alg, policy);
    // The Node.js core's exponent and ROCA checks, on the same numbers (docs/security.md).
    checkRsaPublicNumbers(bigIntOfBytes(n), bigIntOfBytes(b64Member(jwk, 'e', true)!));
  } else {
    const crv = jwk['crv'];
    if (typeof crv !== 'string' || !alg.curves.includes(crv))
      throw invalidKey(`${alg.alg} requires a key on ${alg.curves.join(' or ')}`);
    requireWebCurve(crv);
    const x = b64Member(jwk, 'x', true)!;
    if (x.length !== CURVES[crv]!.size) throw invalidJwk(`the "x" member has the wrong length`);
    // As the Node.js core's JWK import: a bad point is a bad JWK.
    if (crv === 'Ed25519' && isWeakEd25519Point(x))
      throw invalidJwk('Ed25519 public key is of small order or not canonical');
  }
  const privateMembers = PRIVATE_MEMBERS[kty as string]!;
  const present = privateMembers.filter((m) => jwk[m] !== undefined);
  if (present.length > 0 && present.length !== privateMembers.length)
    throw invalidJwk(`a private ${kty as string} JWK needs ${privateMembers.join(', ')}`);
  for (const m of present) b64Member(jwk, m, true);
  if (use === 'sign') {
    if (present.length === 0) throw invalidKey(`signing with ${alg.alg} requires a private key`);
    return pick(jwk, [...PUBLIC_MEMBERS[kty as string]!, ...privateMembers]);
  }
  // Web Crypto verifies only with public keys: the public members of a private JWK.
  return pick(jwk, PUBLIC_MEMBERS[kty as string]!);
}

/**
 * Import a JWK as a CryptoKey for `alg` (RFC 7517; RFC 7518 §6; RFC 8037), after the same
 * checks as the Node.js core. `use` defaults to what the JWK allows: `sign` with a private key.
 *
 * @example
 * const key = await importJwk({ kty: 'OKP', crv: 'Ed25519', x: '…' }, 'EdDSA');
 */
export async function importJwk(
  jwk: Jwk,
  alg: string,
  options?: KeyPolicy & { use?: KeyUse; extractable?: boolean },
): Promise<CryptoKey> {
  if (!isJsonObject(jwk)) throw invalidJwk('a JWK must be a JSON object');
  const row = jwsAlgorithm(alg);
  const use: KeyUse =
    options?.use ?? (jwk['d'] !== undefined || jwk.kty === 'oct' ? 'sign' : 'verify');
  const members = checkJwkForAlg(jwk, row, use, options);
  const isPrivate = use === 'sign' && row.family !== 'hmac';
  try {
    return await subtle().importKey(
      'jwk',
      members,
      jwsImportParams(row, jwk.crv),
      // Public keys are always extractable in Web Crypto; secrets and private keys only on request.
      isPrivate || row.family === 'hmac' ? options?.extractable === true : true,
      row.family === 'hmac' ? ['sign', 'verify'] : [use],
    );
  } catch (e) {
    throw mapCryptoError(e, row.alg, () => invalidJwk('the JWK could not be imported'));
  }
}

function nameMatches(key: CryptoKey, alg: JwsAlgorithm): boolean {
  const a = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  const hash = alg.hash === undefined ? undefined : webHash(alg.hash);
  switch (alg.family) {
    case 'hmac':
      return a.name === 'HMAC' && a.hash?.name === hash;
    case 'rsa':
      return a.name === 'RSASSA-PKCS1-v1_5' && a.hash?.name === hash;
    case 'rsa-pss':
      return a.name === 'RSA-PSS' && a.hash?.name === hash;
    case 'ecdsa':
      return a.name === 'ECDSA' && alg.curves.includes(a.namedCurve ?? '');
    case 'eddsa':
      return alg.curves.includes(a.name);
  }
}

/**
 * Check a CryptoKey against a JWS row (docs/security.md#key-confusion, #alg-key-fit, #weak-secret,
 * #rsa-size, #eddsa-small-order) and return it.
 */
export async function checkCryptoKey(
  key: CryptoKey,
  alg: JwsAlgorithm,
  use: KeyUse,
  policy?: KeyPolicy,
): Promise<CryptoKey> {
  if (!nameMatches(key, alg))
    throw invalidKey(`the CryptoKey (${key.algorithm.name}) does not fit ${alg.alg}`);
  if (alg.family === 'hmac') {
    if (key.type !== 'secret') throw invalidKey(`${alg.alg} requires a secret key`);
    checkSecretSize(((key.algorithm as HmacKeyAlgorithm).length ?? 0) / 8, alg, policy);
  } else {
    if (key.type === 'secret') throw invalidKey(`${alg.alg} requires an asymmetric key`);
    if (use === 'sign' && key.type !== 'private')
      throw invalidKey(`signing with ${alg.alg} requires a private key`);
    if (use === 'verify' && key.type !== 'public')
      throw invalidKey(`verifying with ${alg.alg} requires the public CryptoKey`);
    if (alg.kty === 'RSA')
      checkRsaSize((key.algorithm as RsaHashedKeyAlgorithm).modulusLength, alg, policy);
    if (key.algorithm.name === 'Ed25519' && key.type === 'public') {
      // The point is exported and checked once per CryptoKey (a CryptoKey cannot change).
      const weak = await cachedFor(key, 'ed25519-weak', async () =>
        isWeakEd25519Point(new Uint8Array(await subtle().exportKey('raw', key))),
      );
      if (weak) throw invalidKey('Ed25519 public key is of small order or not canonical');
    }
  }
  if (!key.usages.includes(use)) throw invalidKey(`the CryptoKey may not be used to ${use}`);
  return key;
}

/**
 * Turn a key input into a CryptoKey that fits `alg` and `use`, or throw: a CryptoKey is checked,
 * a JWK imported, a byte array imported as an HMAC secret. A string is never a key.
 */
export async function prepareWebKey(
  input: unknown,
  alg: JwsAlgorithm,
  use: KeyUse,
  policy?: KeyPolicy,
): Promise<CryptoKey> {
  if (typeof input !== 'object' || input === null) {
    throw invalidKey(
      typeof input === 'string'
        ? 'a string is never used as a key: pass a Uint8Array secret, a JWK or a CryptoKey'
        : 'a key is required',
    );
  }
  if (isCryptoKey(input)) return checkCryptoKey(input, alg, use, policy);
  if (input instanceof Uint8Array) {
    if (alg.family !== 'hmac')
      throw invalidKey(`a byte array is a secret and cannot be used with ${alg.alg}`);
    checkSecretSize(input.length, alg, policy);
    try {
      return await subtle().importKey('raw', new Uint8Array(input), jwsImportParams(alg), false, [
        use,
      ]);
    } catch (e) {
      throw mapCryptoError(e, alg.alg, () => invalidKey('the secret could not be imported'));
    }
  }
  if (!isJsonObject(input)) throw invalidJwk('a JWK must be a JSON object');
  // Checked and imported once per JWK object, algorithm, use and policy (webcrypto/key-cache.ts).
  return cachedFor(input, `jws:${alg.alg}:${use}:${policySlot(policy)}`, () =>
    importJwk(input as Jwk, alg.alg, { ...policy, use }),
  );
}

/** Export a CryptoKey as a JWK (the key members only: no `ext`, `key_ops` or `alg`). */
export async function exportJwk(key: CryptoKey): Promise<Jwk> {
  if (!isCryptoKey(key)) throw invalidKey('exportJwk needs a CryptoKey');
  let jwk: JsonWebKey;
  try {
    jwk = await subtle().exportKey('jwk', key);
  } catch (cause) {
    throw new JoseError('ERR_KEY_INVALID', 'this CryptoKey cannot be exported as a JWK', { cause });
  }
  const { ext: _ext, key_ops: _ops, alg: _alg, ...members } = jwk;
  return members as Jwk;
}

/**
 * Generate a key pair for a JWS algorithm (RSA: 2048 bits, e = 65537). The private key is
 * non-extractable unless asked.
 *
 * @example
 * const { privateKey, publicKey } = await generateKeyPair('ES256');
 */
export async function generateKeyPair(
  alg: string,
  options?: { extractable?: boolean; modulusLength?: number },
): Promise<CryptoKeyPair> {
  const row = jwsAlgorithm(alg);
  if (row.family === 'hmac') throw invalidKey(`${row.alg} uses a secret: call generateSecret`);
  const params: Algorithm =
    row.kty === 'RSA'
      ? ({
          ...jwsImportParams(row),
          modulusLength: options?.modulusLength ?? 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
        } as RsaHashedKeyGenParams)
      : jwsImportParams(row);
  try {
    return (await subtle().generateKey(params, options?.extractable === true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
  } catch (e) {
    throw mapCryptoError(e, row.alg, () => invalidKey('the key pair could not be generated'));
  }
}

/** Generate an HMAC secret as long as the hash output (RFC 7518 §3.2). */
export async function generateSecret(
  alg: string,
  options?: { extractable?: boolean },
): Promise<CryptoKey> {
  const row = jwsAlgorithm(alg);
  if (row.family !== 'hmac') throw invalidKey(`${row.alg} does not use a secret`);
  return (await subtle().generateKey(
    { ...jwsImportParams(row), length: row.minSecretBytes * 8 } as HmacKeyGenParams,
    options?.extractable === true,
    ['sign', 'verify'],
  )) as CryptoKey;
}

const DIGEST: Readonly<Record<ThumbprintHash, string>> = {
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

/**
 * RFC 7638 JWK thumbprint of a JWK or a public (or extractable) CryptoKey.
 *
 * @example
 * const kid = await calculateJwkThumbprint(publicKey);
 */
export async function calculateJwkThumbprint(
  key: Jwk | CryptoKey,
  hash: ThumbprintHash = 'sha256',
): Promise<string> {
  const jwk = isCryptoKey(key) ? await exportJwk(key) : key;
  const input = thumbprintInput(jwk, hash);
  const digest = await subtle().digest(DIGEST[hash], new TextEncoder().encode(input));
  return encodeBase64url(new Uint8Array(digest));
}

/** RFC 9278 JWK thumbprint URI, e.g. `urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`. */
export async function calculateJwkThumbprintUri(
  key: Jwk | CryptoKey,
  hash: ThumbprintHash = 'sha256',
): Promise<string> {
  const t = await calculateJwkThumbprint(key, hash);
  return `urn:ietf:params:oauth:jwk-thumbprint:${THUMBPRINT_URI_HASH[hash]}:${t}`;
}
