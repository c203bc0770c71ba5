/**
 * @tessera/guard — verify RFC 9068 access tokens on any number of resource servers with nothing
 * but the issuer's public keys: discovery, remote JWKS, scopes and roles, the signed revocation
 * feed, RFC 6750 answers, a fetch-standard entry (`guard.verifyRequest(request)`) for any runtime,
 * and adapters for node:http, Express, Fastify and Hono.
 */
export { createGuard } from './guard.js';
export { GUARD_ERROR_CODES } from './errors.js';
export type { GuardErrorCode } from './errors.js';
export { guardHealth } from './health.js';
export type { GuardHealth } from './health.js';
export type { Guard, GuardStatus, AuthContext, Requirement } from './guard.js';
export { prepareGuardOptions, isPreparedGuardOptions } from './options.js';
export type {
  GuardOptions,
  PreparedGuardOptions,
  PreparedRevocation,
  GuardVerifyOptions,
  RevocationOptions,
  FeedCredentials,
  VerifierCacheOption,
} from './options.js';
export { bearerInputOfRequest, guardErrorToResponse } from './fetch.js';
export type { GuardDpopOptions, PreparedGuardDpop } from './dpop.js';
export { createDpopFetch } from './dpop-fetch.js';
export type { DpopFetch, DpopFetchOptions, DpopRequestInit } from './dpop-fetch.js';
export {
  GuardError,
  isGuardError,
  extractBearerToken,
  guardErrorResponse,
  wwwAuthenticate,
  quoteString,
} from './bearer.js';
export type { BearerErrorCode, BearerInput, GuardResponse } from './bearer.js';
export { discoverIssuer, oauthMetadataUrl, openidMetadataUrl } from './discovery.js';
export type { IssuerMetadata } from './discovery.js';
export { RevocationList, REVOCATION_FEED_TYP } from './revocation-list.js';
export type { RevocationFeedClaims, RevocationEntry } from './revocation-list.js';
export { withGuard, sendGuardError, bearerInputOf } from './adapters/node-http.js';
export type { AuthenticatedRequest } from './adapters/node-http.js';
export { expressGuard, expressAuth } from './adapters/express.js';
export { fastifyGuard, fastifyAuth } from './adapters/fastify.js';
export type { FastifyAuthHook } from './adapters/fastify.js';
export type {
  FastifyGuardOptions,
  FastifyRequestLike,
  FastifyReplyLike,
  FastifyInstanceLike,
} from './adapters/fastify.js';
export { honoGuard } from './adapters/hono.js';
export type { HonoContextLike } from './adapters/hono.js';
