/**
 * tessera — the command line for JSON Web Tokens. The binary is `tessera` (dist/bin.js); this
 * entry exposes `main` for embedding and testing. Token inspection (decoding, the claim report,
 * the audit) lives in @tessera/inspect, shared with the debugger page.
 */
export { main, usage, version } from './main.js';
export type { CliIo, CliOutput } from './io.js';
export { EXIT, EXIT_CODE_TABLE, CliError } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export type { JsonResult } from './json-result.js';
/** The issuer/trace/ui commands (their packages load only when they run). */
export const PACKAGE_COMMANDS = ['serve', 'user', 'client', 'trace', 'ui'] as const;
