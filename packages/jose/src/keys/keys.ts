import {
  KeyObject,
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
} from 'node:crypto';
import { Buffer } from 'node:buffer';
import { JoseError } from '../base/errors.js';
import {
  CRV_BY_NAMED_CURVE,
  CURVES,
  isJweContentEncryptionAlg,
  isJweKeyManagementAlg,
  isJwsAlg,
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  JWS_ALGORITHMS,
  type JwsAlgorithm,
} from '../base/algorithms.js';
import {
  jwkToKeyObject,
  keyObjectToJwk,
  thumbprintOfJwk,
  THUMBPRINT_URI_HASH,
  type Jwk,
  type ThumbprintHash,
} from './jwk.js';
import { isWeakEd25519Point, isWeakEd448Point } from './edwards.js';
import { checkRsaKey } from './rsa-checks.js';
import { decodeBase64url } from '../base/base64url.js';
import {
  isCryptoKey,
  keyObjectFromCryptoKey,
  PreparedKeyCache,
  requireKeyObjectInput,
} from './key-input.js';

/**
 * A key as Tessera accepts it: a node:crypto `KeyObject`, a JWK object, or a `Uint8Array`
 * (symmetric secrets only). Strings are never guessed into keys: use {@link importPem}.
 */
export type KeyInput = KeyObject | Jwk | Uint8Array;

import type { KeyPolicy, KeyUse } from './policy.js';
export type { KeyPolicy, KeyUse } from './policy.js';

const prepared = new PreparedKeyCache();

/**
 * Turn a key input into a KeyObject fit for `alg` and `use`, or throw. Results are cached per
 * object, so one-shot calls with the same key stay cheap. A JWK or a byte array can be changed in
 * place (a reused buffer refilled with another tenant's secret): its entry is used only while
 * its contents are unchanged, so a stale key never signs or verifies.
 */
export function prepareKey(
  input: unknown,
  alg: JwsAlgorithm,
  use: KeyUse,
  policy?: KeyPolicy,
): KeyObject {
  requireKeyObjectInput(input);
  const cacheKey = `${alg.alg}:${use}:${policy?.allowWeakSecret === true ? 1 : 0}${policy?.allowInsecureKeySize === true ? 1 : 0}`;
  const hit = prepared.get(input, cacheKey);
  if (hit !== undefined) return hit;
  let key: KeyObject;
  if (input instanceof KeyObject) {
    key = checkKeyForAlg(input, alg, use, policy);
  } else if (input instanceof Uint8Array) {
    if (alg.family !== 'hmac') {
      throw new JoseError(
        'ERR_KEY_INVALID',
        `a byte array is a secret and cannot be used with ${alg.alg}`,
      );
    }
    if (input.length === 0) throw new JoseError('ERR_KEY_INVALID', 'the HMAC secret is empty');
    key = checkKeyForAlg(createSecretKey(input), alg, use, policy);
  } else if (isCryptoKey(input)) {
    key = checkKeyForAlg(keyObjectFromCryptoKey(input), alg, use, policy);
  } else {
    key = importJwk(input as Jwk, alg.alg, policy, use);
  }
  prepared.set(input, cacheKey, key);
  return key;
}

/**
 * Check that a KeyObject fits a JWS algorithm exactly (RFC 7518 §3; docs/security.md#key-confusion, #alg-key-fit, #empty-secret, #weak-secret, #rsa-size, #eddsa-small-order)
 * and return the key to use (for `verify`, the public half of a private key).
 */
export function checkKeyForAlg(
  key: KeyObject,
  alg: JwsAlgorithm,
  use: KeyUse,
  policy?: KeyPolicy,
): KeyObject {
  if (alg.family === 'hmac') {
    if (key.type !== 'secret') {
      // docs/security.md#key-confusion: never an asymmetric key (or its PEM/JWK text) as an HMAC secret.
      throw new JoseError('ERR_KEY_INVALID', `${alg.alg} requires a secret key`);
    }
    const size = key.symmetricKeySize ?? 0;
    if (size === 0) throw new JoseError('ERR_KEY_INVALID', 'the HMAC secret is empty');
    if (size < alg.minSecretBytes && policy?.allowWeakSecret !== true) {
      throw new JoseError(
        'ERR_KEY_TOO_WEAK',
        `${alg.alg} requires a secret of at least ${alg.minSecretBytes} bytes (RFC 7518 §3.2)`,
      );
    }
    return key;
  }
  if (key.type === 'secret') {
    throw new JoseError('ERR_KEY_INVALID', `${alg.alg} requires an asymmetric key, not a secret`);
  }
  if (use === 'sign' && key.type !== 'private') {
    throw new JoseError('ERR_KEY_INVALID', `signing with ${alg.alg} requires a private key`);
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (alg.family) {
    case 'rsa':
    case 'rsa-pss': {
      const ok = type === 'rsa' || (alg.family === 'rsa-pss' && type === 'rsa-pss');
      if (!ok) throw new JoseError('ERR_KEY_INVALID', `${alg.alg} requires an RSA key`);
      if (type === 'rsa-pss') {
        // An RSA-PSS-restricted key must be restricted to this algorithm's hash.
        const { hashAlgorithm, mgf1HashAlgorithm, saltLength } = details;
        // RFC 7518 §3.5: the salt is as long as the hash; a key demanding a longer one cannot be used.
        const hashBytes = alg.hash === 'sha256' ? 32 : alg.hash === 'sha384' ? 48 : 64;
        if (
          (hashAlgorithm !== undefined && hashAlgorithm !== alg.hash) ||
          (mgf1HashAlgorithm !== undefined && mgf1HashAlgorithm !== alg.hash) ||
          (saltLength !== undefined && saltLength > hashBytes)
        ) {
          throw new JoseError(
            'ERR_KEY_INVALID',
            `the RSA-PSS key's parameters do not match ${alg.alg}`,
          );
        }
      }
      const bits = details.modulusLength ?? 0;
      if (bits < alg.minRsaBits && policy?.allowInsecureKeySize !== true) {
        throw new JoseError(
          'ERR_KEY_TOO_WEAK',
          `${alg.alg} requires an RSA key of at least 2048 bits`,
        );
      }
      checkRsaKey(key);
      break;
    }
    case 'ecdsa': {
      const crv = type === 'ec' ? CRV_BY_NAMED_CURVE[details.namedCurve ?? ''] : undefined;
      if (crv === undefined || !alg.curves.includes(crv)) {
        throw new JoseError(
          'ERR_KEY_INVALID',
          `${alg.alg} requires an EC key on ${alg.curves.join(', ')}`,
        );
      }
      break;
    }
    case 'eddsa': {
      const crv = type === 'ed25519' ? 'Ed25519' : type === 'ed448' ? 'Ed448' : undefined;
      if (crv === undefined || !alg.curves.includes(crv)) {
        throw new JoseError(
          'ERR_KEY_INVALID',
          `${alg.alg} requires an ${alg.curves.join(' or ')} key`,
        );
      }
      const pub = key.type === 'private' ? createPublicKey(key) : key;
      const x = decodeBase64url((pub.export({ format: 'jwk' }) as Jwk).x ?? '');
      if (crv === 'Ed25519' ? isWeakEd25519Point(x) : isWeakEd448Point(x)) {
        throw new JoseError(
          'ERR_KEY_INVALID',
          `${crv} public key is of small order or not canonical`,
        );
      }
      break;
    }
  }
  return use === 'verify' && key.type === 'private' ? createPublicKey(key) : key;
}

/**
 * Import a JWK. With `alg`, the key is also checked against it (type, curve, hash, size) and the
 * JWK's own `alg`, `use` and `key_ops`, where present, must agree.
 *
 * @example
 * const key = importJwk({ kty: 'OKP', crv: 'Ed25519', x: '…' }, 'EdDSA');
 */
export function importJwk(jwk: Jwk, alg?: string, policy?: KeyPolicy, use?: KeyUse): KeyObject {
  const key = jwkToKeyObject(jwk);
  if (alg === undefined) return key;
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new JoseError('ERR_KEY_INVALID', 'the JWK "alg" does not match the requested algorithm');
  }
  if (!isJwsAlg(alg)) return key; // JWE algorithms check keys where they use them.
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new JoseError('ERR_KEY_INVALID', 'the JWK "use" does not allow signatures');
  }
  const effectiveUse: KeyUse = use ?? (key.type === 'private' ? 'sign' : 'verify');
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes(effectiveUse)) {
    throw new JoseError('ERR_KEY_INVALID', `the JWK "key_ops" does not allow "${effectiveUse}"`);
  }
  return checkKeyForAlg(key, JWS_ALGORITHMS[alg], effectiveUse, policy);
}

/** Export a key as a JWK: public, private, or `oct` for secrets. */
export function exportJwk(key: KeyObject | Uint8Array): Jwk {
  return keyObjectToJwk(key instanceof KeyObject ? key : createSecretKey(key));
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]+?\r?\n-----END \1-----\s*$/;

/**
 * Import a PEM text for an explicit algorithm: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC KEY`,
 * `RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`) or an X.509 `CERTIFICATE`
 * (its public key). PEM text is never an HMAC secret (docs/security.md#key-confusion).
 *
 * @example
 * const publicKey = importPem(fs.readFileSync('issuer.pem', 'utf8'), 'ES256');
 */
export function importPem(pem: string, alg: string, policy?: KeyPolicy): KeyObject {
  if (typeof pem !== 'string') throw new JoseError('ERR_PEM_INVALID', 'PEM input must be a string');
  const text = pem.trim();
  const m = PEM.exec(text);
  // The lazy body could span several blocks: exactly one BEGIN and one END line are allowed.
  if (
    m === null ||
    text.split('-----BEGIN ').length !== 2 ||
    text.split('-----END ').length !== 2
  ) {
    throw new JoseError('ERR_PEM_INVALID', 'the input is not a single PEM block');
  }
  if (isJwsAlg(alg) && JWS_ALGORITHMS[alg].family === 'hmac') {
    throw new JoseError('ERR_KEY_INVALID', 'a PEM key can never be used as an HMAC secret');
  }
  let key: KeyObject;
  try {
    switch (m[1]) {
      case 'PUBLIC KEY':
      case 'RSA PUBLIC KEY':
        key = createPublicKey({ key: text, format: 'pem' });
        break;
      case 'CERTIFICATE':
        key = new X509Certificate(text).publicKey;
        break;
      case 'PRIVATE KEY':
      case 'RSA PRIVATE KEY':
      case 'EC PRIVATE KEY':
        key = createPrivateKey({ key: text, format: 'pem' });
        break;
      default:
        throw new JoseError('ERR_PEM_INVALID', 'unsupported PEM label');
    }
  } catch (e) {
    if (e instanceof JoseError) throw e;
    throw new JoseError('ERR_PEM_INVALID', 'the PEM text could not be imported', { cause: e });
  }
  if (isJwsAlg(alg)) {
    checkKeyForAlg(key, JWS_ALGORITHMS[alg], key.type === 'private' ? 'sign' : 'verify', policy);
  } else if (!isKeyManagementAlg(alg)) {
    throw new JoseError('ERR_ALG_UNSUPPORTED', 'unsupported algorithm');
  }
  return key;
}

/** Export an asymmetric key as PEM: SPKI for public keys, PKCS#8 for private keys. */
export function exportPem(key: KeyObject): string {
  if (!(key instanceof KeyObject) || key.type === 'secret') {
    throw new JoseError('ERR_KEY_INVALID', 'only asymmetric keys can be exported as PEM');
  }
  return key.type === 'public'
    ? (key.export({ format: 'pem', type: 'spki' }) as string)
    : (key.export({ format: 'pem', type: 'pkcs8' }) as string);
}

// JWE algorithms whose keys are asymmetric (RSA-OAEP*, ECDH-ES*), from the registry.
function isKeyManagementAlg(alg: string): boolean {
  return isJweKeyManagementAlg(alg) && !JWE_KEY_MANAGEMENT_ALGORITHMS[alg].kty.includes('oct');
}

// Node 20 can deadlock when a KeyObject straight from generateKeyPairSync is exported as a JWK
// while the GC destroys the generation job that shares the key's mutex (seen here: a hang in
// ExportJWKEcKey -> ~KeyGenJob). Keys are therefore generated as DER and imported afresh, so no
// KeyObject handed out shares anything with the job.
const SPKI_DER = { type: 'spki', format: 'der' } as const;
const PKCS8_DER = { type: 'pkcs8', format: 'der' } as const;

function detached(pair: { publicKey: Buffer; privateKey: Buffer }): {
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  return {
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
  };
}

export interface GenerateKeyPairOptions {
  /** RSA modulus length in bits (default 2048; at least 2048). */
  modulusLength?: number;
  /** Curve for `EdDSA` (`Ed25519` default, or `Ed448`) and `ECDH-ES*` (`P-256` default, …). */
  crv?: string;
}

/**
 * Generate a key pair for an algorithm, synchronously.
 *
 * @example
 * const { privateKey, publicKey } = generateKeyPair('EdDSA');
 */
export function generateKeyPair(
  alg: string,
  options: GenerateKeyPairOptions = {},
): { privateKey: KeyObject; publicKey: KeyObject } {
  const modulusLength = options.modulusLength ?? 2048;
  const rsa = () => {
    if (!Number.isSafeInteger(modulusLength) || modulusLength < 2048) {
      throw new JoseError('ERR_OPTIONS_INVALID', 'modulusLength must be an integer >= 2048');
    }
    return detached(
      generateKeyPairSync('rsa', {
        modulusLength,
        publicExponent: 0x10001,
        publicKeyEncoding: SPKI_DER,
        privateKeyEncoding: PKCS8_DER,
      }),
    );
  };
  const curve = (crv: string) => {
    const info = CURVES[crv];
    if (info === undefined) throw new JoseError('ERR_OPTIONS_INVALID', 'unsupported curve');
    if (info.nodeKeyType === 'ec')
      return detached(
        generateKeyPairSync('ec', {
          namedCurve: info.namedCurve!,
          publicKeyEncoding: SPKI_DER,
          privateKeyEncoding: PKCS8_DER,
        }),
      );
    return detached(
      generateKeyPairSync(info.nodeKeyType as 'ed25519', {
        publicKeyEncoding: SPKI_DER,
        privateKeyEncoding: PKCS8_DER,
      }),
    );
  };
  if (isJwsAlg(alg)) {
    const row = JWS_ALGORITHMS[alg];
    switch (row.family) {
      case 'hmac':
        throw new JoseError('ERR_OPTIONS_INVALID', `${alg} uses a secret: call generateSecret`);
      case 'rsa':
      case 'rsa-pss':
        return rsa();
      case 'ecdsa':
        return curve(row.curves[0]!);
      case 'eddsa': {
        const crv = options.crv ?? 'Ed25519';
        if (!row.curves.includes(crv))
          throw new JoseError('ERR_OPTIONS_INVALID', `${alg} does not use ${crv}`);
        return curve(crv);
      }
    }
  }
  if (isJweKeyManagementAlg(alg)) {
    const row = JWE_KEY_MANAGEMENT_ALGORITHMS[alg];
    if (row.family === 'rsa-oaep') return rsa();
    if (row.family === 'ecdh-es') {
      const crv = options.crv ?? 'P-256';
      if (!row.curves.includes(crv))
        throw new JoseError('ERR_OPTIONS_INVALID', `${alg} does not use ${crv}`);
      return curve(crv);
    }
    throw new JoseError('ERR_OPTIONS_INVALID', `${alg} uses a secret: call generateSecret`);
  }
  throw new JoseError('ERR_ALG_UNSUPPORTED', 'unsupported algorithm');
}

// Secret sizes from the registry: HMAC minimum, AES key-wrap key, content-encryption key.
function secretBytes(alg: string): number | undefined {
  if (isJwsAlg(alg))
    return JWS_ALGORITHMS[alg].family === 'hmac' ? JWS_ALGORITHMS[alg].minSecretBytes : undefined;
  if (isJweKeyManagementAlg(alg)) {
    const row = JWE_KEY_MANAGEMENT_ALGORITHMS[alg];
    return row.family === 'aes-kw' || row.family === 'aes-gcm-kw' ? row.kekBytes : undefined;
  }
  if (isJweContentEncryptionAlg(alg)) return JWE_CONTENT_ENCRYPTION_ALGORITHMS[alg].cekBytes;
  return undefined;
}

/**
 * Generate a random secret of the right length for an HMAC, AES key-wrap or content-encryption
 * algorithm.
 *
 * @example
 * const secret = generateSecret('HS256'); // 32 random bytes
 */
export function generateSecret(alg: string): KeyObject {
  const bytes = secretBytes(alg);
  if (bytes === undefined)
    throw new JoseError('ERR_ALG_UNSUPPORTED', 'no secret size for this algorithm');
  return createSecretKey(randomBytes(bytes));
}

/**
 * RFC 7638 JWK thumbprint (base64url of the hash of the canonical required members).
 *
 * @example
 * const kid = calculateJwkThumbprint(publicKey); // e.g. "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
 */
export function calculateJwkThumbprint(
  key: Jwk | KeyObject,
  hash: ThumbprintHash = 'sha256',
): string {
  if (key instanceof KeyObject) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    return thumbprintOfJwk(keyObjectToJwk(pub), hash);
  }
  return thumbprintOfJwk(key, hash);
}

/**
 * RFC 9278 JWK thumbprint URI, e.g. `urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`.
 */
export function calculateJwkThumbprintUri(
  key: Jwk | KeyObject,
  hash: ThumbprintHash = 'sha256',
): string {
  return `urn:ietf:params:oauth:jwk-thumbprint:${THUMBPRINT_URI_HASH[hash]}:${calculateJwkThumbprint(key, hash)}`;
}
