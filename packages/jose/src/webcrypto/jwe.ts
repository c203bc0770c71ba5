/**
 * Compact JWE on Web Crypto (RFC 7516 §7.1), async, over the shared rules (jwe/rules.ts,
 * jwe/header.ts): the same option checks, header rules, allowlists, PBES2 and epk checks,
 * limits, decryption order and the one opaque decryption failure as the Node.js core.
 * Keys: a CryptoKey, a JWK, or bytes (secrets and PBES2 passwords); to decrypt, also a private
 * JWKS object or a resolver.
 */
import type {
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { CURVES } from '../base/algorithms.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { JoseError } from '../base/errors.js';
import type { JoseHeader } from '../base/header.js';
import { isJsonObject, parseJsonObject, type JsonObject } from '../base/json.js';
import type { Jwk, JwkSet } from '../keys/jwk.js';
import { b64Member, checkCommonMembers } from '../keys/jwk-members.js';
import { bigIntOfBytes, checkRsaPublicNumbers } from '../keys/rsa-numbers.js';
import type { KeyPolicy } from '../keys/policy.js';
import { decryptionFailed } from '../jwe/failure.js';
import {
  checkJweHeaders,
  prepareDecrypt,
  type DecryptOptions,
  type PreparedDecrypt,
} from '../jwe/header.js';
import {
  checkEpk,
  checkRecipientOptions,
  DEFAULT_PBES2_COUNT,
  encryptionRows,
  headerBytes,
  jweAad,
  isJwkSet,
  jwksCandidates,
  checkCandidateCount,
  MAX_KEY_ATTEMPTS,
  mergeHeader,
  optionalHeaderBytes,
  plaintextBytes,
  splitCompactJwe,
  zipOption,
  type EncryptOptions,
} from '../jwe/rules.js';
import {
  aesKeyUnwrap,
  aesKeyWrap,
  concatKdf,
  decryptContent,
  deflate,
  derivePbes2Key,
  ecdhParams,
  encryptContent,
  gcmKeyUnwrap,
  gcmKeyWrap,
  importKek,
  inflate,
  oaepParams,
  randomBytes,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  sharedSecret,
} from './jwe-crypto.js';
import { cachedFor, policySlot } from './key-cache.js';
import { isCryptoKey } from './keys.js';
import { mapCryptoError, subtle } from './runtime.js';

/** A JWE key on the Web Crypto entry. */
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

export interface WebCompactDecryptResult {
  plaintext: Uint8Array;
  protectedHeader: JoseHeader;
  /** The key (as given) that decrypted the JWE. */
  key: WebJweKey;
}

type Use = 'encrypt' | 'decrypt';
type Prepared =
  // `owner`: the caller's JWK or CryptoKey, under which imported KEKs are cached.
  | { kind: 'secret'; bytes: Uint8Array; owner?: object }
  | { kind: 'rsa'; key: CryptoKey }
  | { kind: 'ecdh'; key: CryptoKey; crv: string; publicJwk?: JsonWebKey };

const OPS: Readonly<Record<Use, readonly string[]>> = {
  encrypt: ['encrypt', 'wrapKey', 'deriveKey', 'deriveBits'],
  decrypt: ['decrypt', 'unwrapKey', 'deriveKey', 'deriveBits'],
};
const invalid = (m: string) => new JoseError('ERR_KEY_INVALID', m);

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
function kekOf(key: Prepared, name: string, usage: KeyUsage): Promise<Uint8Array | CryptoKey> {
  if (key.kind !== 'secret') return Promise.resolve(new Uint8Array(0));
  if (key.owner === undefined) return Promise.resolve(key.bytes);
  const bytes = key.bytes;
  return cachedFor(key.owner, `kek:${name}:${usage}`, () => importKek(bytes, name, usage));
}

function publicMembers(jwk: Jwk): JsonWebKey {
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
  const wantPrivate = use === 'decrypt';
  if (row.family === 'rsa-oaep') {
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
  // ECDH-ES
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

async function prepareKey(
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

async function wrapCek(
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  key: Prepared,
  o: EncryptOptions,
): Promise<{ cek: Uint8Array; encryptedKey: Uint8Array; header: Record<string, unknown> }> {
  const cek = randomBytes(enc.cekBytes);
  const empty = new Uint8Array(0);
  const secret = key.kind === 'secret' ? key.bytes : empty;
  switch (row.family) {
    case 'dir':
      return { cek: secret, encryptedKey: empty, header: {} };
    case 'aes-kw':
      return {
        cek,
        encryptedKey: await aesKeyWrap(await kekOf(key, 'AES-KW', 'wrapKey'), cek),
        header: {},
      };
    case 'aes-gcm-kw': {
      const iv = randomBytes(12);
      const w = await gcmKeyWrap(await kekOf(key, 'AES-GCM', 'encrypt'), iv, cek);
      return {
        cek,
        encryptedKey: w.encryptedKey,
        header: { iv: encodeBase64url(iv), tag: encodeBase64url(w.tag) },
      };
    }
    case 'rsa-oaep':
      return {
        cek,
        encryptedKey: await rsaOaepEncrypt((key as { key: CryptoKey }).key, cek),
        header: {},
      };
    case 'pbes2': {
      const p2s = randomBytes(16);
      const p2c = o.p2c ?? DEFAULT_PBES2_COUNT;
      const kek = await derivePbes2Key(row, await kekOf(key, 'PBKDF2', 'deriveBits'), p2s, p2c);
      return {
        cek,
        encryptedKey: await aesKeyWrap(kek, cek),
        header: { p2s: encodeBase64url(p2s), p2c },
      };
    }
    case 'ecdh-es': {
      const k = key as Extract<Prepared, { kind: 'ecdh' }>;
      const eph = (await subtle().generateKey(ecdhParams(k.crv), true, [
        'deriveBits',
      ])) as CryptoKeyPair;
      const epk = await subtle().exportKey('jwk', eph.publicKey);
      const header: Record<string, unknown> = { epk: publicMembers(epk as Jwk) };
      const apu = o.apu ?? empty;
      const apv = o.apv ?? empty;
      if (o.apu !== undefined) header['apu'] = encodeBase64url(apu);
      if (o.apv !== undefined) header['apv'] = encodeBase64url(apv);
      let z: Uint8Array;
      try {
        z = await sharedSecret(eph.privateKey, k.key, k.crv);
      } catch {
        throw invalid('the recipient key is of small order (all-zero shared secret)');
      }
      if (row.direct)
        return {
          cek: await concatKdf(z, enc.cekBytes, enc.enc, apu, apv),
          encryptedKey: empty,
          header,
        };
      const kek = await concatKdf(z, row.kekBytes, row.alg, apu, apv);
      return { cek, encryptedKey: await aesKeyWrap(kek, cek), header };
    }
  }
}

async function unwrapCek(
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  key: Prepared,
  header: JsonObject,
  encryptedKey: Uint8Array,
): Promise<Uint8Array> {
  const orRandom = (cek: Uint8Array | undefined): Uint8Array =>
    cek !== undefined && cek.length === enc.cekBytes ? cek : randomBytes(enc.cekBytes);
  const secret = key.kind === 'secret' ? key.bytes : new Uint8Array(0);
  switch (row.family) {
    case 'dir':
      return secret;
    case 'aes-kw':
      return orRandom(await aesKeyUnwrap(await kekOf(key, 'AES-KW', 'unwrapKey'), encryptedKey));
    case 'aes-gcm-kw':
      return orRandom(
        await gcmKeyUnwrap(
          await kekOf(key, 'AES-GCM', 'decrypt'),
          headerBytes(header, 'iv', 12),
          headerBytes(header, 'tag', 16),
          encryptedKey,
        ),
      );
    case 'rsa-oaep':
      return orRandom(await rsaOaepDecrypt((key as { key: CryptoKey }).key, encryptedKey));
    case 'pbes2': {
      const kek = await derivePbes2Key(
        row,
        await kekOf(key, 'PBKDF2', 'deriveBits'),
        headerBytes(header, 'p2s'),
        header['p2c'] as number,
      );
      return orRandom(await aesKeyUnwrap(kek, encryptedKey));
    }
    case 'ecdh-es': {
      const k = key as Extract<Prepared, { kind: 'ecdh' }>;
      const epkJwk = checkEpk(header['epk'], k.crv);
      let epk: CryptoKey;
      try {
        epk = await subtle().importKey('jwk', epkJwk, ecdhParams(k.crv), false, []);
      } catch {
        throw decryptionFailed();
      }
      const apu = optionalHeaderBytes(header, 'apu');
      const apv = optionalHeaderBytes(header, 'apv');
      const z = await sharedSecret(k.key, epk, k.crv);
      if (row.direct) return concatKdf(z, enc.cekBytes, enc.enc, apu, apv);
      return orRandom(
        await aesKeyUnwrap(await concatKdf(z, row.kekBytes, row.alg, apu, apv), encryptedKey),
      );
    }
  }
}

/**
 * Encrypt into a compact JWE (RFC 7516 §7.1) on Web Crypto. All header parameters are protected.
 *
 * @example
 * const jwe = await encryptCompact('secret text', recipientJwk, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
 */
export async function encryptCompact(
  plaintext: Uint8Array | string,
  key: WebJweKey,
  options: EncryptOptions,
): Promise<string> {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const rows = encryptionRows(options.alg, options.enc);
  const zip = zipOption(options.zip);
  const bytes = plaintextBytes(plaintext);
  const kid = checkRecipientOptions(options, undefined);
  try {
    return await encryptPrepared(bytes, key, options, rows, zip, kid);
  } catch (e) {
    throw mapCryptoError(
      e,
      `${rows.alg.alg} with ${rows.enc.enc}`,
      () => new JoseError('ERR_KEY_INVALID', 'encryption failed'),
    );
  }
}

async function encryptPrepared(
  bytes: Uint8Array,
  key: WebJweKey,
  options: EncryptOptions,
  rows: ReturnType<typeof encryptionRows>,
  zip: boolean,
  kid: string | undefined,
): Promise<string> {
  const prepared = await prepareKey(key, rows.alg, rows.enc, 'encrypt', options);
  const wrapped = await wrapCek(rows.alg, rows.enc, prepared, options);
  const header: Record<string, unknown> = {};
  mergeHeader(header, options.header, {
    alg: rows.alg.alg,
    enc: rows.enc.enc,
    kid,
    zip: zip ? 'DEF' : undefined,
    ...wrapped.header,
  });
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const iv = randomBytes(rows.enc.ivBytes);
  const data = zip ? await deflate(bytes) : bytes;
  const c = await encryptContent(
    rows.enc,
    wrapped.cek,
    iv,
    data,
    jweAad({ protectedB64, aadB64: undefined }),
  );
  return `${protectedB64}.${encodeBase64url(wrapped.encryptedKey)}.${encodeBase64url(iv)}.${encodeBase64url(c.ciphertext)}.${encodeBase64url(c.tag)}`;
}

async function candidates(
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
    return [[found, await prepareKey(found, row, enc, 'decrypt', policy)]];
  }
  if (!isJwkSet(source)) return [[source, await prepareKey(source, row, enc, 'decrypt', policy)]];
  const out: [WebJweKey, Prepared][] = [];
  let firstError: unknown;
  for (const jwk of jwksCandidates(source.keys, row, kid)) {
    try {
      out.push([jwk as Jwk, await prepareKey(jwk, row, enc, 'decrypt', policy)]);
    } catch (e) {
      firstError ??= e;
    }
  }
  checkCandidateCount(out.length, kid, firstError);
  return out;
}

/** Decrypt a compact JWE with options prepared by the shared `prepareDecrypt`. */
export async function decryptCompactPrepared(
  jwe: unknown,
  source: WebDecryptKey,
  p: PreparedDecrypt,
): Promise<WebCompactDecryptResult> {
  const [h, ek, ivB64, ct, tagB64] = splitCompactJwe(jwe, p.maxTokenLength);
  if (h.length === 0)
    throw new JoseError('ERR_JWE_MALFORMED', 'a compact JWE needs a protected header');
  const protectedHeader = parseJsonObject(
    decodeBase64url(h, 'protected header'),
    'protected header',
  );
  const encryptedKey = decodeBase64url(ek, 'encrypted key');
  const iv = decodeBase64url(ivB64, 'iv');
  const ciphertext = decodeBase64url(ct, 'ciphertext');
  const tag = decodeBase64url(tagB64, 'tag');
  const header = checkJweHeaders(protectedHeader, undefined, undefined, p);
  if (header.alg.direct && encryptedKey.length !== 0)
    throw new JoseError(
      'ERR_JWE_MALFORMED',
      `the encrypted key must be empty with "${header.alg.alg}"`,
    );
  const keys = await candidates(source, header.alg, header.enc, header.kid, p.policy);
  const aad = jweAad({ protectedB64: h, aadB64: undefined });
  let left = MAX_KEY_ATTEMPTS;
  for (const [given, key] of keys) {
    if (left-- <= 0) break;
    let plaintext: Uint8Array;
    try {
      const cek = await unwrapCek(header.alg, header.enc, key, header.joined, encryptedKey);
      plaintext = await decryptContent(header.enc, cek, iv, ciphertext, tag, aad);
    } catch (e) {
      if (e instanceof JoseError && e.code === 'ERR_JWE_DECRYPTION_FAILED') continue;
      // Only an algorithm this runtime lacks is named; every other failure is the opaque one,
      // without a cause (its message could tell a padding failure from a tag failure).
      const m = mapCryptoError(e, `${header.alg.alg} with ${header.enc.enc}`, decryptionFailed);
      throw m.code === 'ERR_ALG_UNSUPPORTED' ? m : decryptionFailed();
    }
    return {
      plaintext: header.zip ? await inflate(plaintext, p.maxDecompressedLength) : plaintext,
      protectedHeader: protectedHeader as JoseHeader,
      key: given,
    };
  }
  throw decryptionFailed();
}

/**
 * Decrypt a compact JWE (RFC 7516 §5.2) on Web Crypto. Both allowlists are required; PBES2 works
 * only when listed. Every cryptographic failure is `ERR_JWE_DECRYPTION_FAILED` with one message.
 */
export function decryptCompact(
  jwe: string,
  key: WebDecryptKey,
  options: DecryptOptions,
): Promise<WebCompactDecryptResult> {
  let p: PreparedDecrypt;
  try {
    p = prepareDecrypt(options);
  } catch (e) {
    return Promise.reject(e);
  }
  return decryptCompactPrepared(jwe, key, p);
}
