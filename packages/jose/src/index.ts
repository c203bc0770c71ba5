/**
 * @tessera/jose — JOSE for Node.js: JWS, JWK, JWT (and JWE), strict by default,
 * zero dependencies, synchronous wherever node:crypto is.
 */
export { JoseError, JwtClaimError, isJoseError, JOSE_ERROR_CODES } from './base/errors.js';
export type { JoseErrorCode, ClaimFailureReason } from './base/errors.js';
export { encodeBase64url, decodeBase64url, isStrictBase64url } from './base/base64url.js';
export { JWS_ALGORITHMS, JWS_ALGORITHM_NAMES, CURVES, isJwsAlg } from './base/algorithms.js';
export type { JwsAlg, JwsAlgorithm } from './base/algorithms.js';
export type { Jwk, JwkSet } from './keys/jwk.js';
export {
  importJwk,
  exportJwk,
  importPem,
  exportPem,
  generateKeyPair,
  generateSecret,
  calculateJwkThumbprint,
  calculateJwkThumbprintUri,
} from './keys/keys.js';
export type { KeyInput, KeyPolicy, GenerateKeyPairOptions } from './keys/keys.js';
export { algorithmsForKey } from './keys/key-algorithms.js';
export { createLocalKeySet, isKeySet, type LocalKeySetOptions } from './jwks/local.js';
export type { KeySet, KeyResolver, KeyLookup } from './jwks/local.js';
export type { JoseHeader } from './base/header.js';
export { normalizeTyp } from './base/header.js';
export { parseDuration } from './base/duration.js';
export type { Duration } from './base/duration.js';
export { collectClaimFailures } from './jwt/claims.js';
export type { JwtPayload, ClaimOptions } from './jwt/claims.js';
export { signCompact, verifyCompact, DEFAULT_MAX_TOKEN_LENGTH } from './jws/compact.js';
export type {
  SignCompactOptions,
  CompactVerifyOptions,
  VerifyOptions,
  VerifyResult,
  VerifyKey,
} from './jws/compact.js';
export { signFlattened, verifyFlattened, signGeneral, verifyGeneral } from './jws/json.js';
export type {
  FlattenedJws,
  GeneralJws,
  JsonSignOptions,
  JsonVerifyOptions,
  JsonVerifyResult,
} from './jws/json.js';
export {
  signJwt,
  verifyJwt,
  createSigner,
  createVerifier,
  checkVerifierOptions,
  decodeJwt,
  decodeProtectedHeader,
} from './jwt/jwt.js';
export type { VerifyCacheOptions } from './jwt/verify-cache.js';
export type {
  SignJwtOptions,
  VerifyJwtOptions,
  VerifierOptions,
  JwtVerifyResult,
} from './jwt/jwt.js';
export { encodeUnsecuredJwt, decodeUnsecuredJwt } from './jws/unsecured.js';
export { createRemoteKeySet, isRemoteKeySet } from './jwks/remote.js';
export { fetchJwks } from './jwks/fetch.js';
export type { FetchJwksOptions } from './jwks/fetch.js';
export { verifyJwtAsync, createAsyncVerifier, withRemoteKeys } from './jwt/async.js';
export type { RemoteKeySet, RemoteKeySetOptions, RemoteKeySetStatus } from './jwks/remote.js';
export {
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
} from './base/algorithms.js';
export type {
  JweKeyManagementAlg,
  JweContentEncryptionAlg,
  JweKeyManagementAlgorithm,
  JweContentEncryptionAlgorithm,
} from './base/algorithms.js';
export { encryptCompact, decryptCompact } from './jwe/compact.js';
export type { CompactDecryptResult } from './jwe/compact.js';
export { encryptFlattened, decryptFlattened, encryptGeneral, decryptGeneral } from './jwe/json.js';
export type {
  FlattenedJwe,
  GeneralJwe,
  FlattenedEncryptOptions,
  GeneralEncryptOptions,
  GeneralRecipient,
  JsonDecryptResult,
} from './jwe/json.js';
export type { EncryptOptions, RecipientOptions } from './jwe/encrypt.js';
export type { DecryptOptions } from './jwe/header.js';
export type { DecryptKey, JweKeyResolver, JweKeyLookup } from './jwe/key.js';
export { DEFAULT_MAX_PBES2_COUNT, DEFAULT_MAX_DECOMPRESSED_LENGTH } from './jwe/rules.js';
export { encryptJwt, encryptNestedJwt, decryptJwt, createDecrypter } from './jwt/encrypted.js';
export type {
  EncryptJwtOptions,
  DecryptJwtOptions,
  DecryptJwtResult,
  NestedVerifyOptions,
} from './jwt/encrypted.js';
export {
  createDpopProof,
  verifyDpopProof,
  createDpopVerifier,
  calculateAccessTokenHash,
  DPOP_TYP,
  DEFAULT_DPOP_MAX_AGE,
} from './dpop/proof.js';
export type {
  CreateDpopProofOptions,
  DpopVerifierOptions,
  DpopVerifyOptions,
  DpopRequest,
  DpopNonceCheck,
  DpopProofResult,
  DpopVerifier,
} from './dpop/proof.js';
export { normalizeHtu } from './dpop/htu.js';
export { createDpopNonces, DEFAULT_DPOP_NONCE_PERIOD } from './dpop/nonce.js';
export type { DpopNonces, DpopNonceOptions } from './dpop/nonce.js';
