/**
 * `@tessera/jose/internal`: the bounded fetch that Tessera's own packages (the guard's discovery
 * and revocation feed) build on. Not part of the public API and not covered by semver: use
 * `fetchJwks` or `createRemoteKeySet` from `@tessera/jose`.
 */
export { checkFetchUrl, fetchBounded, isHttpLoopback } from './jwks/fetch.js';
export type { BoundedFetchOptions, BoundedResponse } from './jwks/fetch.js';
