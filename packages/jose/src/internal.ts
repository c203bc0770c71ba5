/**
 * `@tessera/jose/internal`: the plumbing Tessera's own packages build on — the bounded fetch (the
 * guard's discovery and revocation feed). It stays free of `node:` modules, since the guard runs
 * in workers too; the owner-only file writer is `@tessera/jose/internal/node`. Not part of the
 * public API and not covered by semver: use `fetchJwks` or `createRemoteKeySet` from
 * `@tessera/jose`.
 */
export { checkFetchUrl, fetchBounded, isHttpLoopback } from './jwks/fetch.js';
export type { BoundedFetchOptions, BoundedResponse } from './jwks/fetch.js';
