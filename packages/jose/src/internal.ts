/**
 * `@tessera/jose/internal`: the plumbing Tessera's own packages build on — the bounded fetch (the
 * guard's discovery and revocation feed) and the owner-only file writer (the CLI's token and key
 * files, the trace files). Not part of the public API and not covered by semver: use
 * `fetchJwks` or `createRemoteKeySet` from `@tessera/jose`.
 */
export { checkFetchUrl, fetchBounded, isHttpLoopback } from './jwks/fetch.js';
export type { BoundedFetchOptions, BoundedResponse } from './jwks/fetch.js';
export { writePrivateFile } from './base/private-file.js';
export type { PrivateFileOptions } from './base/private-file.js';
