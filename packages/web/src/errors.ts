/**
 * Every failure of @tessera/web is a {@link WebError}: a stable `code` and the HTTP `status` the
 * local API answers with. Where the page signs or fetches on the core's behalf, the code is the
 * core's (`ERR_KEY_INVALID`, `ERR_JWKS_FETCH_FAILED`, …), so the page and the CLI name a failure
 * alike. Messages never echo a token, a key or a secret.
 */
import type { JoseErrorCode } from '@tessera/jose';

/** The page's own codes, each with its one-line meaning (docs/errors.md lists them; a test keeps it so). */
export const WEB_ERROR_CODES = {
  ERR_REQUEST: 'an API request lacks a field or has one of the wrong type (400)',
  ERR_BODY:
    'the request body is not application/json, too large, unreadable or not JSON (400, 413, 415)',
  ERR_METHOD: 'an API was called with a method other than POST (405)',
  ERR_NOT_FOUND: 'no such API (404)',
  ERR_SESSION: 'the request carries no session: open the URL `tessera ui` printed (401)',
  ERR_ORIGIN: 'a cross-origin request (403)',
  ERR_INTERNAL: 'an unexpected failure; the answer says only "the request failed" (500)',
  ERR_NETWORK_DISABLED:
    'a JWKS fetch was asked of a debugger started without --allow-network (403)',
  ERR_JWKS_URL_INVALID: 'the JWKS URL is not an https URL the debugger may fetch (400)',
  ERR_NO_LIVE_TRACE: 'the live flow was asked of a debugger not started by serve --demo (404)',
  ERR_LIVE_TRACE: 'the live flow could not be read (500)',
  ERR_UI_OPTIONS_INVALID:
    'an option of startUi is invalid (the port); thrown before anything listens',
} as const;

export type WebErrorCode = keyof typeof WEB_ERROR_CODES;

/** The error type of @tessera/web. */
export class WebError extends Error {
  /** One of {@link WEB_ERROR_CODES}, or the core's code for a failure the core defines. */
  readonly code: WebErrorCode | JoseErrorCode;
  /** The HTTP status the API answers with. */
  readonly status: 400 | 403 | 404 | 405 | 413 | 415 | 500 | 502;
  constructor(
    code: WebError['code'],
    status: WebError['status'],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.status = status;
  }
  override get name(): string {
    return 'WebError';
  }
}
