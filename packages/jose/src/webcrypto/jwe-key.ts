/**
 * JWE keys on Web Crypto: a CryptoKey, a JWK or bytes checked for a key management algorithm
 * (the Node.js core's member, size, RSA exponent and ROCA checks) and imported once per caller
 * key object, algorithm and use (key-cache.ts); and the candidates a decryption tries.
 */
import type {
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { CURVES } from '../base/algorithms.js';
import { decodeBase64url } from '../base/base64url.js';
import { JoseError } from '../base/errors.js';
import { isJsonObject } from '../base/json.js';
import type { Jwk, JwkSet } from '../keys/jwk.js';
import { b64Member, checkCommonMembers } from '../keys/jwk-members.js';
import { bigIntOfBytes, checkRsaPublicNumbers } from '../keys/rsa-numbers.js';
import type { KeyPolicy } from '../keys/policy.js';
import { checkCandidateCount, isJwkSet, jwksCandidates } from '../jwe/rules.js';
import {
  ecdhParams,
  importContentKeys,
  importKek,
  oaepParams,
  type ContentKeys,
} from './jwe-crypto.js';
import { cachedFor, policySlot } from './key-cache.js';
import { isCryptoKey } from './keys.js';
import { mapCryptoError, subtle } from './runtime.js';

export type WebJweKey = CryptoKey | Jwk | Uint8Array;

/** What a JWE key resolver may see: header values only. */
export interface WebJweKeyLookup {
  readonly alg: string;
  readonly enc: string;
  readonly kid: string | undefined;
}

/** Where decryption keys come from: one key, a private JWKS object, or a resolver. */
export type WebDecryptKey =
  | WebJweKey
  | JwkSet
  | ((
      lookup: WebJweKeyLookup,
    ) => WebJweKey | undefined | null | Promise<WebJweKey | undefined | null>);

export type Use = 'encrypt' | 'decrypt';
/** A key ready for one algorithm and use. */
export type Prepared =
  // `owner`: the caller's JWK or CryptoKey, under which imported KEKs are cached.
  | { kind: 'secret'; bytes: Uint8Array; owner?: object }
  | { kind: 'rsa'; key: CryptoKey }
  | { kind: 'ecdh'; key: CryptoKey; crv: string; publicJwk?: JsonWebKey };

const OPS: Readonly<Record<Use, readonly string[]>> = {
  encrypt: ['encrypt', 'wrapKey', 'deriveKey', 'deriveBits'],
  decrypt: ['decrypt', 'unwrapKey', 'deriveKey', 'deriveBits'],
};
/** ERR_KEY_INVALID with `m`. */
export const invalid = (m: string) => new JoseError('ERR_KEY_INVALID', m);

function checkJwkMembers(
  jwk: Jwk,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  use: Use,
): void {
  checkCommonMembers(jwk as Record<string, unknown>);
  if (
    jwk.alg !== undefined &&
    jwk.alg !== row.alg &&
    !(row.family === 'dir' && jwk.alg === enc.enc)
  )
    throw invalid('the JWK "alg" does not match the requested algorithm');
  if (jwk.use !== undefined && jwk.use !== 'enc')
    throw invalid('the JWK "use" does not allow encryption');
  if (jwk.key_ops !== undefined && !jwk.key_ops.some((op) => OPS[use].includes(op)))
    throw invalid(`the JWK "key_ops" does not allow ${use}ion`);
}

function checkSecretSize(
  size: number,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
): void {
  if (size === 0) throw invalid('the secret is empty');
  const exact = row.family === 'dir' ? enc.cekBytes : row.family === 'pbes2' ? 0 : row.kekBytes;
  if (exact !== 0 && size !== exact)
    throw invalid(
      `${row.family === 'dir' ? enc.enc : row.alg} requires a key of exactly ${exact} bytes`,
    );
}

async function prepareSecret(
  input: WebJweKey,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  use: Use,
): Promise<Prepared> {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else if (isCryptoKey(input)) {
    if (input.type !== 'secret') throw invalid(`${row.alg} requires a secret key`);
    if (!input.extractable)
      throw invalid(
        `${row.alg} on Web Crypto needs the secret as bytes, a JWK or an extractable CryptoKey`,
      );
    const key = input;
    bytes = await cachedFor(
      key,
      'raw',
      async () => new Uint8Array(await subtle().exportKey('raw', key)),
    );
  } else {
    checkJwkMembers(input, row, enc, use);
    if (input.kty !== 'oct' || typeof input.k !== 'string')
      throw invalid(`${row.alg} requires a secret key`);
    bytes = decodeBase64url(input.k, 'JWK "k"');
  }
  checkSecretSize(bytes.length, row, enc);
  return input instanceof Uint8Array
    ? { kind: 'secret', bytes }
    : { kind: 'secret', bytes, owner: input };
}

/** The KEK of a secret for one Web Crypto step, imported once per caller key object. */
export function kekOf(
  key: Prepared,
  name: string,
  usage: KeyUsage,
): Promise<Uint8Array | CryptoKey> {
  if (key.kind !== 'secret') return Promise.resolve(new Uint8Array(0));
  if (key.owner === undefined) return Promise.resolve(key.bytes);
  const bytes = key.bytes;
  return cachedFor(key.owner, `kek:${name}:${usage}`, () => importKek(bytes, name, usage));
}

/**
 * The content keys of a `dir` secret, imported once per caller key object and `enc`; undefined
 * for byte arrays (never cached) and other algorithms.
 */
export function dirContentKeys(
  key: Prepared,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  use: Use,
): Promise<ContentKeys> | undefined {
  if (row.family !== 'dir' || key.kind !== 'secret' || key.owner === undefined) return undefined;
  const bytes = key.bytes;
  return cachedFor(key.owner, `cek:${enc.enc}:${use}`, () => importContentKeys(enc, bytes, use));
}

export function publicMembers(jwk: Jwk): JsonWebKey {
  const out: Record<string, unknown> = {};
  for (const m of ['kty', 'crv', 'x', 'y', 'n', 'e'])
    if ((jwk as Record<string, unknown>)[m] !== undefined)
      out[m] = (jwk as Record<string, unknown>)[m];
  return out as JsonWebKey;
}

async function prepareAsymmetric(
  input: WebJweKey,
  row: JweKeyManagementAlgorithm,
  use: Use,
  policy: KeyPolicy,
): Promise<Prepared> {
  if (input instanceof Uint8Array)
    throw invalid(`${row.alg} requires an asymmetric key, not a secret`);
  return row.family === 'rsa-oaep'
    ? prepareRsaOaep(input, row, use, policy)
    : prepareEcdh(input, row, use);
}

async function prepareRsaOaep(
  input: CryptoKey | Jwk,
  row: JweKeyManagementAlgorithm,
  use: Use,
  policy: KeyPolicy,
): Promise<Prepared> {
  const wantPrivate = use === 'decrypt';
  let key: CryptoKey;
  if (isCryptoKey(input)) {
    const a = input.algorithm as RsaHashedKeyAlgorithm;
    if (a.name !== 'RSA-OAEP' || a.hash?.name !== oaepParams(row).hash)
      throw invalid(
        `${row.alg} requires an RSA-OAEP CryptoKey with ${String(oaepParams(row).hash)}`,
      );
    if (wantPrivate !== (input.type === 'private'))
      throw invalid(
        wantPrivate
          ? `decrypting with ${row.alg} requires a private key`
          : `encrypting with ${row.alg} requires a public CryptoKey`,
      );
    key = input;
  } else {
    checkJwkMembers(input, row, JWE_ANY_ENC, use);
    if (input.kty !== 'RSA') throw invalid(`${row.alg} requires an RSA key`);
    // The Node.js core's exponent and ROCA checks, on the same numbers (docs/security.md).
    const jwk = input as unknown as Record<string, unknown>;
    checkRsaPublicNumbers(
      bigIntOfBytes(b64Member(jwk, 'n', true)!),
      bigIntOfBytes(b64Member(jwk, 'e', true)!),
    );
    if (wantPrivate && input.d === undefined)
      throw invalid(`decrypting with ${row.alg} requires a private key`);
    const members = wantPrivate
      ? ({ ...input, alg: undefined, use: undefined, key_ops: undefined } as JsonWebKey)
      : publicMembers(input);
    key = await subtle()
      .importKey('jwk', members, oaepParams(row), false, [wantPrivate ? 'decrypt' : 'encrypt'])
      .catch((e: unknown) => {
        throw mapCryptoError(e, row.alg, () => invalid('the RSA JWK is invalid'));
      });
  }
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  if (bits < row.minRsaBits && policy.allowInsecureKeySize !== true)
    throw new JoseError(
      'ERR_KEY_TOO_WEAK',
      `${row.alg} requires an RSA key of at least ${row.minRsaBits} bits`,
    );
  return { kind: 'rsa', key };
}

async function prepareEcdh(
  input: CryptoKey | Jwk,
  row: JweKeyManagementAlgorithm,
  use: Use,
): Promise<Prepared> {
  const wantPrivate = use === 'decrypt';
  if (isCryptoKey(input)) {
    const a = input.algorithm as EcKeyAlgorithm;
    const crv = a.name === 'X25519' ? 'X25519' : a.name === 'ECDH' ? a.namedCurve : undefined;
    if (crv === undefined || !row.curves.includes(crv))
      throw invalid(`${row.alg} requires a key on ${row.curves.join(', ')}`);
    if (wantPrivate !== (input.type === 'private'))
      throw invalid(
        wantPrivate
          ? `decrypting with ${row.alg} requires a private key`
          : `encrypting with ${row.alg} requires a public CryptoKey`,
      );
    return { kind: 'ecdh', key: input, crv };
  }
  checkJwkMembers(input, row, JWE_ANY_ENC, use);
  const crv = input.crv;
  if (
    (input.kty !== 'EC' && input.kty !== 'OKP') ||
    typeof crv !== 'string' ||
    !row.curves.includes(crv) ||
    CURVES[crv] === undefined
  )
    throw invalid(`${row.alg} requires a key on ${row.curves.join(', ')}`);
  if (wantPrivate && input.d === undefined)
    throw invalid(`decrypting with ${row.alg} requires a private key`);
  const params = ecdhParams(crv);
  const members = wantPrivate
    ? ({ ...publicMembers(input), d: input.d } as JsonWebKey)
    : publicMembers(input);
  const key = await subtle()
    .importKey('jwk', members, params, false, wantPrivate ? ['deriveBits'] : [])
    .catch((e: unknown) => {
      throw mapCryptoError(e, `${row.alg} on ${crv}`, () => invalid('the ECDH JWK is invalid'));
    });
  return { kind: 'ecdh', key, crv, publicJwk: publicMembers(input) };
}

// Member checks of an RSA/ECDH JWK do not depend on `enc` (only `dir` keys may name one).
const JWE_ANY_ENC = { enc: '' } as unknown as JweContentEncryptionAlgorithm;

/** Check and import a key for a key management row (JWKs cached per object). */
export async function prepareWebJweKey(
  input: unknown,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  use: Use,
  policy: KeyPolicy,
): Promise<Prepared> {
  if (!(input instanceof Uint8Array) && !isCryptoKey(input) && !isJsonObject(input))
    throw invalid('the key must be a CryptoKey, a JWK or bytes');
  const k = input as WebJweKey;
  if (row.kty.includes('oct')) return prepareSecret(k, row, enc, use);
  if (isCryptoKey(k) || k instanceof Uint8Array) return prepareAsymmetric(k, row, use, policy);
  // A JWK is checked and imported once per object, algorithm, use and policy.
  return cachedFor(k, `jwe:${row.alg}:${use}:${policySlot(policy)}`, () =>
    prepareAsymmetric(k, row, use, policy),
  );
}

/** The keys a decryption tries, each as given and prepared (a JWKS by kid, kty, crv). */
export async function webDecryptionKeys(
  source: WebDecryptKey,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  kid: string | undefined,
  policy: KeyPolicy,
): Promise<[WebJweKey, Prepared][]> {
  if (typeof source === 'function') {
    const found = await source(Object.freeze({ alg: row.alg, enc: enc.enc, kid }));
    if (
      found === undefined ||
      found === null ||
      (found instanceof Uint8Array && found.length === 0)
    )
      throw new JoseError('ERR_KEY_NOT_FOUND', 'the key resolver found no key for this JWE');
    return [[found, await prepareWebJweKey(found, row, enc, 'decrypt', policy)]];
  }
  if (!isJwkSet(source))
    return [[source, await prepareWebJweKey(source, row, enc, 'decrypt', policy)]];
  const out: [WebJweKey, Prepared][] = [];
  let firstError: unknown;
  for (const jwk of jwksCandidates(source.keys, row, kid)) {
    try {
      out.push([jwk as Jwk, await prepareWebJweKey(jwk, row, enc, 'decrypt', policy)]);
    } catch (e) {
      firstError ??= e;
    }
  }
  checkCandidateCount(out.length, kid, firstError);
  return out;
}
