import { ServerError } from './errors.js';
/** RFC 6749 §5.2 error codes (plus RFC 7009 / server-side ones). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type'
  | 'invalid_token'
  | 'server_error'
  | 'temporarily_unavailable'
  // RFC 9449 §5, §8
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/**
 * An error answered as an RFC 6749 §5.2 JSON body `{ error, error_description }` with
 * `Cache-Control: no-store`. The description never contains a token, a secret or a password.
 */
export class OAuthError extends ServerError {
  override readonly name = 'OAuthError';
  readonly status: number;
  readonly error: OAuthErrorCode;
  readonly description: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: number,
    error: OAuthErrorCode,
    description?: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super('ERR_OAUTH', description ?? error);
    this.status = status;
    this.error = error;
    this.description = description;
    this.headers = headers;
  }

  body(): { error: OAuthErrorCode; error_description?: string } {
    return this.description === undefined
      ? { error: this.error }
      : { error: this.error, error_description: this.description };
  }
}

export const invalidRequest = (description: string) =>
  new OAuthError(400, 'invalid_request', description);
export const invalidGrant = (description: string) =>
  new OAuthError(400, 'invalid_grant', description);
