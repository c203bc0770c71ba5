/** Unverified decoding of compact tokens, for both cores (no `node:` module). */
import { JoseError } from '../base/errors.js';
import { decodeBase64url } from '../base/base64url.js';
import { parseJsonObject } from '../base/json.js';
import type { JoseHeader } from '../base/header.js';
import { DEFAULT_MAX_TOKEN_LENGTH, parseProtectedHeader, splitCompact } from '../jws/rules.js';
import type { JwtPayload } from './claims.js';

/**
 * Decode a JWT's claims WITHOUT verifying anything. Never use the result for a security
 * decision; use {@link verifyJwt}.
 */
export function decodeJwt<P = JwtPayload>(token: string, options?: { maxTokenLength?: number }): P {
  const [, pl] = splitCompact(token, options?.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH);
  return parseJsonObject(decodeBase64url(pl, 'payload'), 'JWT claims') as P;
}

/**
 * Decode the protected header of a compact JWS or JWE WITHOUT verifying anything.
 */
export function decodeProtectedHeader(
  token: string,
  options?: { maxTokenLength?: number },
): JoseHeader {
  if (typeof token !== 'string')
    throw new JoseError('ERR_JWS_MALFORMED', 'a compact token must be a string');
  const max = options?.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (token.length > max)
    throw new JoseError('ERR_TOKEN_TOO_LARGE', `the token is longer than ${max} characters`);
  const parts = token.split('.');
  if (parts.length !== 3 && parts.length !== 5) {
    throw new JoseError(
      'ERR_JWS_MALFORMED',
      'a compact token has three (JWS) or five (JWE) segments',
    );
  }
  return parseProtectedHeader(parts[0]!) as JoseHeader;
}
