/**
 * The JWE rules both backends share (the Node.js core in jwe/*.ts and the Web Crypto entry in
 * webcrypto/jwe.ts): option validation, segment splitting, header merging, the PBES2 and
 * ECDH-ES input checks and the Concat KDF input. Pure TypeScript, no `node:` module.
 */
import {
  isJweContentEncryptionAlg,
  isJweKeyManagementAlg,
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  CURVES,
  type JweContentEncryptionAlg,
  type JweContentEncryptionAlgorithm,
  type JweKeyManagementAlg,
  type JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { decodeBase64url, isStrictBase64url } from '../base/base64url.js';
import { concat, uint32be, utf8 } from '../base/bytes.js';
import { JoseError } from '../base/errors.js';
import { checkHeaderTypes } from '../base/header.js';
import { isJsonObject, type JsonObject } from '../base/json.js';
import type { KeyPolicy } from '../keys/policy.js';
import { decryptionFailed } from './failure.js';

/** Default maximum PBES2 iteration count on decryption (docs/security.md#pbes2; jose's default). */
export const DEFAULT_MAX_PBES2_COUNT = 10_000;
/** Default iteration count when encrypting (at the decryption cap, so defaults interoperate). */
export const DEFAULT_PBES2_COUNT = 10_000;
/** Minimum salt input length (RFC 7518 §4.8.1.1: at least 8 octets). */
export const MIN_PBES2_SALT_BYTES = 8;
/** Default cap on the inflated plaintext of a `zip: "DEF"` JWE (docs/security.md#zip; jose 6.2). */
export const DEFAULT_MAX_DECOMPRESSED_LENGTH = 250_000;
/**
 * How many (recipient, key) decryption attempts one JWE may cost in all (docs/security.md#cost-limits): a
 * general JWE of 16 recipients against a key set of 8 candidates would otherwise cost 128
 * RSA or PBES2 operations.
 */
export const MAX_KEY_ATTEMPTS = 16;
/** At most this many keys are tried for a JWE that names no `kid`. */
export const MAX_DECRYPTION_CANDIDATES = 8;

/** Options for one recipient's key management. */
export interface RecipientOptions extends KeyPolicy {
  /** Key management algorithm. */
  alg: JweKeyManagementAlg;
  /** Key id of the recipient key. */
  kid?: string;
  /** ECDH-ES PartyUInfo / PartyVInfo bytes (written as `apu` / `apv`). */
  apu?: Uint8Array;
  apv?: Uint8Array;
  /** PBES2 iteration count (default 10,000, the default decryption cap). */
  p2c?: number;
}

/** Options of encryptCompact / encryptFlattened / encryptJwt. */
export interface EncryptOptions extends RecipientOptions {
  /** Content encryption algorithm. */
  enc: JweContentEncryptionAlg;
  /** `"DEF"` compresses the plaintext before encryption (RFC 7516 §4.1.3; see RFC 8725 §3.6). */
  zip?: 'DEF';
  /** Further protected header parameters (e.g. `typ`, `cty`). */
  header?: Record<string, unknown>;
}

/** One recipient's view of a JWE, already split and base64url-decoded. */
export interface JweParts {
  /** The protected header exactly as on the wire ('' when absent). */
  readonly protectedB64: string;
  readonly protectedHeader: JsonObject | undefined;
  readonly sharedHeader: JsonObject | undefined;
  readonly recipientHeader: JsonObject | undefined;
  readonly encryptedKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
  /** The JSON `aad` member as on the wire (JSON serializations only). */
  readonly aadB64: string | undefined;
}

/** The encrypted content members, base64url-encoded. */
export interface EncryptedContent {
  iv: string;
  ciphertext: string;
  tag: string;
}

/** The attempts left for one JWE, shared by its recipients. */
export interface AttemptBudget {
  left: number;
}

/** RFC 7516 §5.2 step 14: AAD = ASCII(protected) or ASCII(protected '.' aad). */
export function jweAad(parts: Pick<JweParts, 'protectedB64' | 'aadB64'>): Uint8Array {
  const text =
    parts.aadB64 === undefined ? parts.protectedB64 : `${parts.protectedB64}.${parts.aadB64}`;
  return ascii(text);
}

/** True for `{ keys: [...] }` (a JWKS), as opposed to a single JWK. */
export function isJwkSet(v: unknown): v is { keys: unknown[] } {
  return isJsonObject(v) && Array.isArray(v['keys']) && v['kty'] === undefined;
}

/** The members of a private JWKS that may decrypt for this header: by `kty`, `kid` and `crv`. */
export function jwksCandidates(
  keys: readonly unknown[],
  row: JweKeyManagementAlgorithm,
  kid: string | undefined,
): JsonObject[] {
  return keys.filter(
    (jwk): jwk is JsonObject =>
      isJsonObject(jwk) &&
      typeof jwk['kty'] === 'string' &&
      row.kty.includes(jwk['kty'] as never) &&
      (kid === undefined || jwk['kid'] === kid) &&
      (row.curves.length === 0 || row.curves.includes(jwk['crv'] as string)),
  );
}

/**
 * After the candidates were prepared: none usable is the first preparation error or
 * ERR_KEY_NOT_FOUND; more than MAX_DECRYPTION_CANDIDATES without a `kid` is ERR_KEY_AMBIGUOUS.
 * Both depend on the header and the caller's keys only, never on secrets.
 */
export function checkCandidateCount(
  usable: number,
  kid: string | undefined,
  firstError: unknown,
): void {
  if (usable === 0) {
    if (firstError !== undefined) throw firstError;
    throw new JoseError('ERR_KEY_NOT_FOUND', 'no key in the key set matches the JWE header');
  }
  if (kid === undefined && usable > MAX_DECRYPTION_CANDIDATES)
    throw new JoseError('ERR_KEY_AMBIGUOUS', 'too many keys match a JWE without "kid"');
}

/** The bytes of an ASCII string (base64url text: one byte per character). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/**
 * Split a compact JWE after the length cap: exactly five segments. A JWS (three segments) is
 * named as such (docs/security.md#nested).
 */
export function splitCompactJwe(
  jwe: unknown,
  max: number,
): [string, string, string, string, string] {
  if (typeof jwe !== 'string')
    throw new JoseError('ERR_JWE_MALFORMED', 'a compact JWE must be a string');
  if (jwe.length > max)
    throw new JoseError('ERR_TOKEN_TOO_LARGE', `the token is longer than ${max} characters`);
  const parts = jwe.split('.', 6);
  if (parts.length !== 5) {
    throw new JoseError(
      'ERR_JWE_MALFORMED',
      parts.length === 3
        ? 'a JWS (3 segments) cannot be decrypted; verify it instead'
        : 'a compact JWE has exactly five segments',
    );
  }
  return parts as [string, string, string, string, string];
}

// Parameters the library writes itself; a caller may not set them through `header`.
const GENERATED = ['zip', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c'];

/** Resolve the rows of an encryption, or throw ERR_ALG_UNSUPPORTED (RSA1_5 named as such). */
export function encryptionRows(
  alg: unknown,
  enc: unknown,
): { alg: JweKeyManagementAlgorithm; enc: JweContentEncryptionAlgorithm } {
  if (alg === 'RSA1_5') {
    throw new JoseError(
      'ERR_ALG_UNSUPPORTED',
      'RSA1_5 is not supported (CVE-2023-46809): use RSA-OAEP-256 or ECDH-ES',
    );
  }
  if (!isJweKeyManagementAlg(alg))
    throw new JoseError('ERR_ALG_UNSUPPORTED', 'unsupported JWE key management algorithm');
  if (!isJweContentEncryptionAlg(enc))
    throw new JoseError('ERR_ALG_UNSUPPORTED', 'unsupported JWE content encryption algorithm');
  return { alg: JWE_KEY_MANAGEMENT_ALGORITHMS[alg], enc: JWE_CONTENT_ENCRYPTION_ALGORITHMS[enc] };
}

/**
 * Merge caller header parameters into `target` (keeping the caller's member order, so published
 * vectors can be reproduced): `alg`/`enc` may be repeated only with the same value, generated
 * parameters may not be set.
 */
export function mergeHeader(
  target: Record<string, unknown>,
  extra: unknown,
  fixed: Record<string, unknown>,
): void {
  if (extra !== undefined) {
    if (!isJsonObject(extra))
      throw new JoseError('ERR_OPTIONS_INVALID', 'header must be an object');
    for (const [k, v] of Object.entries(extra)) {
      if (GENERATED.includes(k))
        throw new JoseError('ERR_OPTIONS_INVALID', `header parameter "${k}" is set by the library`);
      if (fixed[k] !== undefined && fixed[k] !== v)
        throw new JoseError('ERR_OPTIONS_INVALID', `header "${k}" conflicts with the options`);
      target[k] = v;
    }
  }
  for (const [k, v] of Object.entries(fixed)) if (v !== undefined) target[k] = v;
  checkHeaderTypes(target as JsonObject);
}

/**
 * Validate a recipient's options (before any key is touched) and return its `kid`. `p2s` is the
 * test-only fixed PBES2 salt input, when given.
 */
export function checkRecipientOptions(
  o: RecipientOptions,
  p2s: Uint8Array | undefined,
): string | undefined {
  const kid = o.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0))
    throw new JoseError('ERR_OPTIONS_INVALID', 'kid must be a non-empty string');
  if (
    o.p2c !== undefined &&
    (typeof o.p2c !== 'number' || !Number.isSafeInteger(o.p2c) || o.p2c < 1)
  ) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'p2c must be a positive integer');
  }
  for (const n of ['apu', 'apv'] as const) {
    if (o[n] !== undefined && !(o[n] instanceof Uint8Array))
      throw new JoseError('ERR_OPTIONS_INVALID', `${n} must be a Uint8Array`);
  }
  if (p2s !== undefined && p2s.length < MIN_PBES2_SALT_BYTES)
    throw new JoseError('ERR_OPTIONS_INVALID', 'p2s must be at least 8 bytes');
  return kid;
}

/** Plaintext as bytes (strings are UTF-8). */
export function plaintextBytes(plaintext: Uint8Array | string): Uint8Array {
  if (typeof plaintext === 'string') return utf8(plaintext);
  if (plaintext instanceof Uint8Array) return plaintext;
  throw new JoseError('ERR_OPTIONS_INVALID', 'plaintext must be a Uint8Array or a string');
}

/** Validate `zip` (only `"DEF"`). */
export function zipOption(zip: unknown): boolean {
  if (zip === undefined) return false;
  if (zip !== 'DEF') throw new JoseError('ERR_OPTIONS_INVALID', 'the only supported zip is "DEF"');
  return true;
}

/**
 * Check `p2c` and `p2s` BEFORE any derivation (docs/security.md#pbes2; CVE-2022-36083): `p2c` a positive safe
 * integer at most `maxCount`, `p2s` at least 8 bytes.
 */
export function checkPbes2Parameters(
  p2c: unknown,
  p2s: Uint8Array | undefined,
  maxCount: number,
): number {
  if (typeof p2c !== 'number' || !Number.isSafeInteger(p2c) || p2c < 1) {
    throw new JoseError('ERR_JWE_PBES2_NOT_ALLOWED', '"p2c" must be a positive integer');
  }
  if (p2c > maxCount) {
    throw new JoseError(
      'ERR_JWE_PBES2_NOT_ALLOWED',
      `"p2c" is above the allowed maximum (${maxCount})`,
    );
  }
  if (p2s === undefined || p2s.length < MIN_PBES2_SALT_BYTES) {
    throw new JoseError(
      'ERR_JWE_PBES2_NOT_ALLOWED',
      `"p2s" must be at least ${MIN_PBES2_SALT_BYTES} bytes`,
    );
  }
  return p2c;
}

/** RFC 7518 §4.8.1.1: the PBKDF2 salt is UTF8(alg) || 0x00 || p2s. */
export function pbes2Salt(row: JweKeyManagementAlgorithm, p2s: Uint8Array): Uint8Array {
  const algBytes = utf8(row.alg);
  const salt = new Uint8Array(algBytes.length + 1 + p2s.length);
  salt.set(algBytes, 0);
  salt.set(p2s, algBytes.length + 1);
  return salt;
}

/** A base64url header member as bytes (of an exact length when given), or the opaque failure. */
export function headerBytes(header: JsonObject, name: string, length?: number): Uint8Array {
  const v = header[name];
  if (typeof v !== 'string' || !isStrictBase64url(v)) throw decryptionFailed();
  const bytes = decodeBase64url(v);
  if (length !== undefined && bytes.length !== length) throw decryptionFailed();
  return bytes;
}

/** An optional base64url header member (`apu`, `apv`): empty when absent. */
export function optionalHeaderBytes(header: JsonObject, name: string): Uint8Array {
  return header[name] === undefined ? new Uint8Array(0) : headerBytes(header, name);
}

// Short Weierstrass y² = x³ − 3x + b over GF(p) (FIPS 186-4 D.1.2 / SEC 2).
const WEIERSTRASS: Readonly<Record<string, { p: bigint; b: bigint }>> = {
  'P-256': {
    p: (1n << 256n) - (1n << 224n) + (1n << 192n) + (1n << 96n) - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  'P-384': {
    p: (1n << 384n) - (1n << 128n) - (1n << 96n) + (1n << 32n) - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
};

function beToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return n;
}

/** True when (x, y) is an affine point of the named NIST curve (both coordinates < p). */
export function isOnCurve(crv: string, x: Uint8Array, y: Uint8Array): boolean {
  const c = WEIERSTRASS[crv];
  if (c === undefined) return false;
  const X = beToBigInt(x);
  const Y = beToBigInt(y);
  if (X >= c.p || Y >= c.p) return false;
  const lhs = (Y * Y) % c.p;
  const rhs = (((X * X) % c.p) * X - 3n * X + c.b) % c.p;
  return lhs === (rhs + c.p) % c.p;
}

function coordinate(epk: Record<string, unknown>, name: string, size: number): Uint8Array {
  const v = epk[name];
  if (typeof v !== 'string' || !isStrictBase64url(v)) throw decryptionFailed();
  const bytes = decodeBase64url(v);
  if (bytes.length !== size) throw decryptionFailed();
  return bytes;
}

/**
 * Validate the `epk` header against the recipient's curve BEFORE any ECDH (docs/security.md#ecdh-curve;
 * CVE-2017-16007): a public JWK of the same `kty` and `crv`, coordinates of the exact size, for
 * NIST curves a point on the curve with x, y < p. Returns the public JWK members to import;
 * every failure is the opaque one.
 */
export function checkEpk(epk: unknown, recipientCrv: string): Record<string, string> {
  if (!isJsonObject(epk)) throw decryptionFailed();
  const info = CURVES[recipientCrv];
  if (info === undefined || epk['crv'] !== recipientCrv || epk['d'] !== undefined)
    throw decryptionFailed();
  const nist = info.nodeKeyType === 'ec';
  if (epk['kty'] !== (nist ? 'EC' : 'OKP')) throw decryptionFailed();
  const x = coordinate(epk, 'x', info.size);
  if (nist) {
    const y = coordinate(epk, 'y', info.size);
    if (!isOnCurve(recipientCrv, x, y)) throw decryptionFailed();
    return { kty: 'EC', crv: recipientCrv, x: epk['x'] as string, y: epk['y'] as string };
  }
  if (epk['y'] !== undefined) throw decryptionFailed();
  return { kty: 'OKP', crv: recipientCrv, x: epk['x'] as string };
}

/** An all-zero ECDH output (a low-order X25519/X448 point, RFC 7748 §6) is refused. */
export function isAllZero(z: Uint8Array): boolean {
  let acc = 0;
  for (const b of z) acc |= b;
  return acc === 0;
}

function lengthPrefixed(data: Uint8Array): Uint8Array {
  return concat(uint32be(data.length), data);
}

/**
 * The OtherInfo of the Concat KDF (NIST SP 800-56A §5.8.1, RFC 7518 §4.6.2): AlgorithmID is the
 * `enc` (direct) or `alg` (key wrap) name, PartyUInfo/PartyVInfo the `apu`/`apv` bytes,
 * SuppPubInfo the key length in bits.
 */
export function concatKdfOtherInfo(
  keyBytes: number,
  algorithmId: string,
  apu: Uint8Array,
  apv: Uint8Array,
): Uint8Array {
  return concat(
    lengthPrefixed(utf8(algorithmId)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    uint32be(keyBytes * 8),
  );
}

/** Concat KDF rounds over a SHA-256 function: round i hashes counter(i) ‖ Z ‖ OtherInfo. */
export function concatKdfRound(i: number, z: Uint8Array, otherInfo: Uint8Array): Uint8Array {
  return concat(uint32be(i + 1), z, otherInfo);
}
