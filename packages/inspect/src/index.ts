/**
 * @tessera/inspect — token inspection shared by the Tessera CLI and the debugger page:
 * paste cleaning, lenient decoding, the claim report, the claim and header catalogue, dates,
 * key text and the audit rules. Browser-safe: it imports only @tessera/jose, never node:fs or
 * node:http, and does no I/O.
 */
export { InspectError, isInspectError, INSPECT_ERROR_CODES } from './errors.js';
export type { InspectErrorCode } from './errors.js';
export { cleanToken, MAX_TOKEN_CHARS } from './paste.js';
export type { CleanedToken } from './paste.js';
export { decodeToken, FORMAT_LABELS } from './decode.js';
export type { DecodedToken, TokenFormat, TokenPart, PartKind, DecodeProblem } from './decode.js';
export { decodeSegment } from './segments.js';
export type { DecodedSegment } from './segments.js';
export { duplicateMembers } from './json-members.js';
export {
  CLAIMS,
  JWS_HEADER_PARAMETERS,
  JWE_HEADER_PARAMETERS,
  TIME_CLAIMS,
  headerCatalogue,
  catalogueEntry,
} from './catalogue.js';
export type { CatalogueEntry } from './catalogue.js';
export {
  formatDate,
  parseDateMode,
  isoUtc,
  relative,
  span,
  localTime,
  jsonDate,
  looksLikeMilliseconds,
  readableDate,
} from './dates.js';
export type { DateMode, JsonDate, ReadableDate } from './dates.js';
export { claimReport } from './claim-report.js';
export type { ClaimReportOptions, ReportRow } from './claim-report.js';
export { verifyReport, KEY_FAILURE_CODES } from './verify.js';
export type { VerifyReport, VerifyReportOptions, VerifyStatus } from './verify.js';
export {
  readKeyText,
  selectKid,
  algorithmsForKeySet,
  decodeSecret,
  SECRET_ENCODINGS,
} from './key-text.js';
export type { KeyText, KeyTextOptions, SecretEncoding } from './key-text.js';
export { auditToken, auditDecoded, atLeast, RULES } from './audit/audit.js';
export { SEVERITIES } from './audit/finding.js';
export type { AuditFinding, AuditOptions, Severity } from './audit/finding.js';
export { findSensitiveData, looksLikeCardNumber, luhnValid } from './audit/sensitive-data.js';
export { WEAK_SECRETS } from './audit/weak-secrets.js';
