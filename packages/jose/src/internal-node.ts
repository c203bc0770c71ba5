/**
 * `@tessera/jose/internal/node`: the Node.js-only plumbing of Tessera's own packages — the
 * owner-only file writer (the CLI's token and key files, the trace files, the demo's env file).
 * Kept apart from `@tessera/jose/internal`, which the guard loads in workers. Not part of the
 * public API and not covered by semver.
 */
export { writePrivateFile } from './base/private-file.js';
export type { PrivateFileOptions } from './base/private-file.js';
