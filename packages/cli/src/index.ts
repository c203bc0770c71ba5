/**
 * tessera — the command line for JSON Web Tokens. The binary is `tessera` (dist/bin.js); this
 * entry exposes `main` for embedding and testing, and `auditToken` for other front-ends (the web
 * debugger) that show the same lint.
 */
export { main, usage, version } from './main.js';
export type { CliIo, CliOutput } from './io.js';
export { EXIT, EXIT_CODE_TABLE, CliError } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export { auditToken, auditDecoded, atLeast, SEVERITIES } from './audit/audit-token.js';
export type { AuditFinding, AuditOptions, Severity } from './audit/audit-token.js';
export { cleanTokenInput } from './token-input.js';
export { decodeToken } from './token-parts.js';
export type { DecodedToken, TokenFormat } from './token-parts.js';
export type { JsonResult } from './json-result.js';
export { DELEGATED_COMMANDS } from './commands/delegated.js';
