/**
 * @tessera/web — the offline debugger page (decode, verify, sign, audit, trace) and its small
 * local API, served on 127.0.0.1 by `tessera ui` and at `/` by `tessera serve --demo`.
 */
export { createUiHandler, UI_PREFIX } from './ui-handler.js';
export type { UiHandler } from './ui-handler.js';
export { startUi } from './start-ui.js';
export type { StartUiOptions, RunningUi } from './start-ui.js';
export type { UiOptions } from './ui-options.js';
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './http-security.js';
export { decodeToken } from './decode-token.js';
export type {
  DecodeResult,
  ClaimRow,
  TokenPart,
  TokenFormat,
  DecodeWarning,
} from './decode-token.js';
export { verifyToken } from './verify-token.js';
export type { VerifyRequest, VerifyReport, VerifyCheck, VerifyStatus } from './verify-token.js';
export { signToken, generateKeyFor } from './sign-token.js';
export type { SignRequest, SignReport, GeneratedKey } from './sign-token.js';
export type { KeyMaterial, SecretEncoding } from './key-material.js';
export { summarizeTrace } from './trace-view.js';
export { WebError, WEB_ERROR_CODES } from './errors.js';
export type { WebErrorCode } from './errors.js';
export type { TraceSummary, ExchangeRow, AssertionRow } from './trace-view.js';
