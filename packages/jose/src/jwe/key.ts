import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import type {
  JweContentEncryptionAlgorithm,
  JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { JoseError } from '../base/errors.js';
import { jwkToKeyObject, type Jwk, type JwkSet } from '../keys/jwk.js';
import { isKeySet } from '../jwks/local.js';
import {
  isCryptoKey,
  keyObjectFromCryptoKey,
  PreparedKeyCache,
  requireKeyObjectInput,
} from '../keys/key-input.js';
import type { KeyInput, KeyPolicy } from '../keys/keys.js';
import { ecdhCurveOf } from './ecdh.js';
import { checkRsaKey } from '../keys/rsa-checks.js';
import { checkCandidateCount, isJwkSet, jwksCandidates } from './rules.js';

export type JweKeyUse = 'encrypt' | 'decrypt';

/** What a JWE key resolver may see: header values only, never the ciphertext. */
export interface JweKeyLookup {
  readonly alg: string;
  readonly enc: string;
  readonly kid: string | undefined;
}

/** A function that picks a decryption key from the header's `alg`, `enc` and `kid`. */
export type JweKeyResolver = (lookup: JweKeyLookup) => KeyInput | undefined | null;

/**
 * Where decryption keys come from: one key, a private JWKS object (`{ keys: [...] }`), or a
 * resolver. A public key set from `createLocalKeySet` is refused: it holds no private keys and
 * must never yield a secret (docs/security.md#key-confusion).
 */
export type DecryptKey = KeyInput | JwkSet | JweKeyResolver;

export { MAX_DECRYPTION_CANDIDATES } from './rules.js';

const prepared = new PreparedKeyCache();

const OPS: Readonly<Record<JweKeyUse, readonly string[]>> = {
  encrypt: ['encrypt', 'wrapKey', 'deriveKey', 'deriveBits'],
  decrypt: ['decrypt', 'unwrapKey', 'deriveKey', 'deriveBits'],
};

/**
 * Turn a key input into a KeyObject fit for a key-management row (and, for `dir`, the `enc`),
 * or throw ERR_KEY_INVALID / ERR_KEY_TOO_WEAK. Cached per input object.
 */
export function prepareJweKey(
  input: unknown,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  use: JweKeyUse,
  policy: KeyPolicy = {},
): KeyObject {
  requireKeyObjectInput(input);
  if (isKeySet(input)) {
    throw new JoseError(
      'ERR_KEY_INVALID',
      'a public key set cannot decrypt: pass a private key, a private JWKS or a resolver',
    );
  }
  const cacheKey = `${row.alg}:${enc.enc}:${use}:${policy.allowInsecureKeySize === true ? 1 : 0}`;
  const hit = prepared.get(input, cacheKey);
  if (hit !== undefined) return hit;
  let key: KeyObject;
  if (input instanceof KeyObject) key = input;
  else if (input instanceof Uint8Array) {
    if (input.length === 0) throw new JoseError('ERR_KEY_INVALID', 'the secret is empty');
    key = createSecretKey(input);
  } else if (isCryptoKey(input)) key = keyObjectFromCryptoKey(input);
  else {
    const jwk = input as Jwk;
    key = jwkToKeyObject(jwk);
    if (
      jwk.alg !== undefined &&
      jwk.alg !== row.alg &&
      !(row.family === 'dir' && jwk.alg === enc.enc)
    ) {
      throw new JoseError(
        'ERR_KEY_INVALID',
        'the JWK "alg" does not match the requested algorithm',
      );
    }
    if (jwk.use !== undefined && jwk.use !== 'enc') {
      throw new JoseError('ERR_KEY_INVALID', 'the JWK "use" does not allow encryption');
    }
    if (jwk.key_ops !== undefined && !jwk.key_ops.some((op) => OPS[use].includes(op))) {
      throw new JoseError('ERR_KEY_INVALID', `the JWK "key_ops" does not allow ${use}ion`);
    }
  }
  key = checkJweKey(key, row, enc, use, policy);
  prepared.set(input, cacheKey, key);
  return key;
}

/**
 * Check that a KeyObject fits a key-management algorithm exactly and return the key to use
 * (for encryption to RSA/ECDH recipients, the public half of a private key).
 */
export function checkJweKey(
  key: KeyObject,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  use: JweKeyUse,
  policy: KeyPolicy,
): KeyObject {
  const kind = row.kty.includes('oct') ? 'secret' : 'asymmetric';
  if (kind === 'secret') {
    if (key.type !== 'secret')
      throw new JoseError('ERR_KEY_INVALID', `${row.alg} requires a secret key`);
    const size = key.symmetricKeySize ?? 0;
    if (size === 0) throw new JoseError('ERR_KEY_INVALID', 'the secret is empty');
    const exact = row.family === 'dir' ? enc.cekBytes : row.family === 'pbes2' ? 0 : row.kekBytes;
    if (exact !== 0 && size !== exact) {
      const what = row.family === 'dir' ? enc.enc : row.alg;
      throw new JoseError('ERR_KEY_INVALID', `${what} requires a key of exactly ${exact} bytes`);
    }
    return key;
  }
  if (key.type === 'secret')
    throw new JoseError('ERR_KEY_INVALID', `${row.alg} requires an asymmetric key, not a secret`);
  if (use === 'decrypt' && key.type !== 'private') {
    throw new JoseError('ERR_KEY_INVALID', `decrypting with ${row.alg} requires a private key`);
  }
  if (row.family === 'rsa-oaep') {
    if (key.asymmetricKeyType !== 'rsa')
      throw new JoseError('ERR_KEY_INVALID', `${row.alg} requires an RSA key`);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < row.minRsaBits && policy.allowInsecureKeySize !== true) {
      throw new JoseError(
        'ERR_KEY_TOO_WEAK',
        `${row.alg} requires an RSA key of at least ${row.minRsaBits} bits`,
      );
    }
    checkRsaKey(key);
  } else {
    const crv = ecdhCurveOf(key);
    if (crv === undefined || !row.curves.includes(crv)) {
      throw new JoseError(
        'ERR_KEY_INVALID',
        `${row.alg} requires a key on ${row.curves.join(', ')}`,
      );
    }
  }
  return use === 'encrypt' && key.type === 'private' ? createPublicKey(key) : key;
}

/**
 * Candidate decryption keys for a header. From a JWKS: by `kid`, `kty`, `crv`, `alg`, `use`;
 * unusable keys (public only, wrong size) are skipped. Throws ERR_KEY_NOT_FOUND or
 * ERR_KEY_AMBIGUOUS; these depend on the header and the caller's keys only, never on secrets.
 */
export function decryptionKeys(
  source: DecryptKey,
  row: JweKeyManagementAlgorithm,
  enc: JweContentEncryptionAlgorithm,
  kid: string | undefined,
  policy: KeyPolicy,
): KeyObject[] {
  if (typeof source === 'function') {
    const found = source(Object.freeze({ alg: row.alg, enc: enc.enc, kid }));
    if (
      found === undefined ||
      found === null ||
      (found instanceof Uint8Array && found.length === 0)
    ) {
      throw new JoseError('ERR_KEY_NOT_FOUND', 'the key resolver found no key for this JWE');
    }
    return [prepareJweKey(found, row, enc, 'decrypt', policy)];
  }
  if (!isJwkSet(source)) return [prepareJweKey(source, row, enc, 'decrypt', policy)];
  const out: KeyObject[] = [];
  let firstError: unknown;
  for (const jwk of jwksCandidates(source.keys, row, kid)) {
    try {
      out.push(prepareJweKey(jwk, row, enc, 'decrypt', policy));
    } catch (e) {
      firstError ??= e;
    }
  }
  checkCandidateCount(out.length, kid, firstError);
  return out;
}
