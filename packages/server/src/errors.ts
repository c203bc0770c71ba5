/**
 * Every failure the issuer's library throws is a {@link ServerError} with a stable `code`; the
 * subclasses name the kind and carry data where there is some (an OAuth answer's status and RFC
 * 6749 `error`, an authorization error's redirect, every bad setting of a SettingsError). A
 * refused second-factor call (`MfaError`, an `InputError`) carries its reason as `code` instead
 * (`too_many_attempts`, …, listed in mfa/mfa-admin.ts). Messages never hold a password, a token,
 * a secret or a key.
 */
import type { MfaErrorCode } from './mfa/mfa-admin.js';

/** All error codes, each with its one-line meaning (docs/errors.md lists them; a test keeps it so). */
export const SERVER_ERROR_CODES = {
  ERR_CONFIG:
    'a setting is wrong (ConfigError; SettingsError lists every bad setting): the issuer refuses to start',
  ERR_INPUT:
    'invalid input to the user, client or second-factor APIs (InputError); nothing was changed',
  ERR_KEK: 'sealed data cannot be opened (KekError): a wrong key-encryption key, or tampering',
  ERR_STORE: 'the database cannot be reached, or a query failed for a reason not ours (StoreError)',
  ERR_AUTHORIZE:
    'an authorization request cannot go on (AuthorizeError): its `error` is the RFC 6749 §4.1.2.1 code',
  ERR_OAUTH:
    'an endpoint answers an RFC 6749 §5.2 error (OAuthError): its `status`, `error` and description',
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERROR_CODES;

/** The base of the issuer's errors. */
export class ServerError extends Error {
  override readonly name: string = 'ServerError';
  readonly code: ServerErrorCode | MfaErrorCode;
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
