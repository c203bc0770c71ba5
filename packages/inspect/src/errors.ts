/**
 * Every failure of @tessera/inspect is an {@link InspectError} with a stable `code`. Messages
 * describe the input ("binary", "too large") and never echo it, so they are safe to show and log.
 */

/** All error codes, each with its one-line meaning (docs/errors.md lists them; a test keeps it so). */
export const INSPECT_ERROR_CODES = {
  ERR_INPUT_EMPTY: 'nothing is left once the paste is cleaned (no token given)',
  ERR_INPUT_BINARY: 'the input holds control characters or is not UTF-8: it is not a token',
  ERR_INPUT_TOO_LARGE:
    'the input (or the cleaned token) is longer than the limit; nothing was parsed',
  ERR_NOT_A_JWT:
    'no segment decodes to a JSON object: the text is not a JWT or JWE, even partially',
  ERR_KEY_TEXT_INVALID:
    'the key text is neither PEM nor a JSON JWK/JWKS, or is the wrong kind of key',
  // Decode problems: listed in `DecodedToken.problems`, never thrown (the token decodes partly).
  ERR_HEADER_UNDECODABLE: 'decode problem: the header segment is not base64url JSON',
  ERR_PAYLOAD_UNDECODABLE: 'decode problem: the payload segment is neither JSON nor text',
  ERR_TRUNCATED:
    'decode problem: one or two segments only, so the payload or the signature is missing',
  ERR_SEGMENTS: 'decode problem: more than three segments, yet not the five of a JWE',
  ERR_SIGNATURE_MISSING: 'decode problem: the signature segment is empty',
  ERR_SIGNATURE_MALFORMED: 'decode problem: the signature segment is not canonical base64url',
} as const;

export type InspectErrorCode = keyof typeof INSPECT_ERROR_CODES;

/** The one error type thrown by @tessera/inspect. */
export class InspectError extends Error {
  readonly code: InspectErrorCode;
  constructor(code: InspectErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return 'InspectError';
  }
}

/** True when `e` is an InspectError (optionally with the given code). */
export function isInspectError(e: unknown, code?: InspectErrorCode): e is InspectError {
  return e instanceof InspectError && (code === undefined || e.code === code);
}
