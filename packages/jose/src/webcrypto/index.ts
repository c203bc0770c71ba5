/**
 * @tessera/jose/webcrypto — the Web Crypto entry: JWS, JWK, JWT and key sets on any runtime with
 * `crypto.subtle` and `fetch` (Bun, Deno, Cloudflare Workers, browsers, Node.js), async, with no
 * `node:` module. Parsing, header rules, claim checks, limits and error codes are the Node.js
 * core's own modules. Keys are CryptoKeys or JWKs (and byte arrays for HMAC secrets).
 */
export { JoseError, JwtClaimError, isJoseError, JOSE_ERROR_CODES } from '../base/errors.js';
export type { JoseErrorCode, ClaimFailureReason } from '../base/errors.js';
export { encodeBase64url, decodeBase64url, isStrictBase64url } from '../base/base64url.js';
export { JWS_ALGORITHMS, JWS_ALGORITHM_NAMES, CURVES, isJwsAlg } from '../base/algorithms.js';
export type { JwsAlg, JwsAlgorithm } from '../base/algorithms.js';
export type { Jwk, JwkSet } from '../keys/jwk.js';
export type { KeyPolicy } from '../keys/policy.js';
export type { JoseHeader } from '../base/header.js';
export { normalizeTyp } from '../base/header.js';
export { normalizeHtu } from '../dpop/htu.js';
export { parseDuration } from '../base/duration.js';
export type { Duration } from '../base/duration.js';
export type { JwtPayload, ClaimOptions } from '../jwt/claims.js';
export type { SignJwtOptions, VerifyJwtOptions } from '../jwt/rules.js';
export type { VerifyCacheOptions } from '../jwt/verify-cache.js';
export { DEFAULT_MAX_TOKEN_LENGTH } from '../jws/rules.js';
export { decodeJwt, decodeProtectedHeader } from '../jwt/decode.js';
export { encodeUnsecuredJwt, decodeUnsecuredJwt } from '../jws/unsecured.js';
export { fetchJwks } from '../jwks/fetch.js';
export type { FetchJwksOptions } from '../jwks/fetch.js';
export type { RemoteKeySetOptions, RemoteKeySetStatus } from '../jwks/remote-cache.js';
export { WEBCRYPTO_JWS_ALGORITHMS } from './algorithms.js';
export { runtimeName } from './runtime.js';
export {
  importJwk,
  exportJwk,
  generateKeyPair,
  generateSecret,
  calculateJwkThumbprint,
  calculateJwkThumbprintUri,
  isCryptoKey,
} from './keys.js';
export type { WebKeyInput } from './keys.js';
export { signCompact, verifyCompact } from './jws.js';
export type { WebVerifyKey, WebVerifyResult, WebSignCompactOptions } from './jws.js';
export { signFlattened, verifyFlattened, signGeneral, verifyGeneral } from './jws-json.js';
export type {
  FlattenedJws,
  GeneralJws,
  JsonSignOptions,
  JsonVerifyOptions,
  JsonVerifyResult,
} from '../jws/json-rules.js';
export {
  signJwt,
  verifyJwt,
  createSigner,
  createVerifier,
  createAsyncVerifier,
  verifyJwtAsync,
  checkVerifierOptions,
} from './jwt.js';
export type { WebJwtVerifyResult, WebVerifierOptions } from './jwt.js';
export {
  createLocalKeySet,
  createRemoteKeySet,
  isRemoteKeySet,
  isWebKeySet,
  withRemoteKeys,
} from './key-sets.js';
export type { WebKeySet, WebRemoteKeySet, WebKeyResolver } from './key-sets.js';
export type { LocalKeySetOptions } from '../jwks/select.js';
export { encryptCompact, decryptCompact } from './jwe.js';
export type { WebJweKey, WebDecryptKey, WebJweKeyLookup, WebCompactDecryptResult } from './jwe.js';
export { encryptFlattened, decryptFlattened, encryptGeneral, decryptGeneral } from './jwe-json.js';
export type { WebGeneralRecipient, WebJsonDecryptResult } from './jwe-json.js';
export { encryptJwt, encryptNestedJwt, decryptJwt, createDecrypter } from './jwt-encrypted.js';
export type {
  WebDecryptJwtOptions,
  WebDecryptJwtResult,
  WebNestedVerifyOptions,
} from './jwt-encrypted.js';
export type { EncryptJwtOptions } from '../jwt/encrypted-rules.js';
export type {
  FlattenedJwe,
  GeneralJwe,
  JsonEncryptOptions,
  FlattenedEncryptOptions,
  GeneralEncryptOptions,
} from '../jwe/json-rules.js';
export {
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
} from '../base/algorithms.js';
export type {
  JweKeyManagementAlg,
  JweContentEncryptionAlg,
  JweKeyManagementAlgorithm,
  JweContentEncryptionAlgorithm,
} from '../base/algorithms.js';
export type { EncryptOptions, RecipientOptions } from '../jwe/rules.js';
export type { DecryptOptions } from '../jwe/header.js';
export { DEFAULT_MAX_PBES2_COUNT, DEFAULT_MAX_DECOMPRESSED_LENGTH } from '../jwe/rules.js';
