/**
 * @tessera/jose — JOSE for Node.js: JWS, JWK, JWT (and JWE), strict by default,
 * zero dependencies, synchronous wherever node:crypto is.
 */
export { JoseError, JwtClaimError, isJoseError, JOSE_ERROR_CODES } from './errors.js';
export type { JoseErrorCode, ClaimFailureReason } from './errors.js';
export { encodeBase64url, decodeBase64url, isStrictBase64url } from './base64url.js';
export { JWS_ALGORITHMS, JWS_ALGORITHM_NAMES, CURVES } from './algorithms.js';
export type { JwsAlg, JwsAlgorithm } from './algorithms.js';
export type { Jwk, JwkSet } from './jwk.js';
export {
  importJwk,
  exportJwk,
  importPem,
  exportPem,
  generateKeyPair,
  generateSecret,
  calculateJwkThumbprint,
  calculateJwkThumbprintUri,
} from './keys.js';
export type { KeyInput, KeyPolicy, GenerateKeyPairOptions } from './keys.js';
export { createLocalKeySet, isKeySet } from './jwks.js';
export type { KeySet, KeyResolver, KeyLookup } from './jwks.js';
export type { JoseHeader } from './header.js';
export { normalizeTyp } from './header.js';
export { parseDuration } from './duration.js';
export type { Duration } from './duration.js';
export type { JwtPayload, ClaimOptions } from './claims.js';
export { signCompact, verifyCompact, DEFAULT_MAX_TOKEN_LENGTH } from './jws.js';
export type { SignCompactOptions, CompactVerifyOptions, VerifyOptions, VerifyResult, VerifyKey } from './jws.js';
export { signFlattened, verifyFlattened, signGeneral, verifyGeneral } from './jws-json.js';
export type { FlattenedJws, GeneralJws, JsonSignOptions, JsonVerifyOptions, JsonVerifyResult } from './jws-json.js';
export { signJwt, verifyJwt, createSigner, createVerifier, decodeJwt, decodeProtectedHeader } from './jwt.js';
export type { SignJwtOptions, VerifyJwtOptions, JwtVerifyResult } from './jwt.js';
export { encodeUnsecuredJwt, decodeUnsecuredJwt } from './unsecured.js';
