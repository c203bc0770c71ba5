import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { parseJsonObject } from '../base/json.js';
import {
  checkClaims,
  nowSeconds,
  prepareClaimChecks,
  type ClaimOptions,
  type JwtPayload,
} from '../jwt/claims.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from './rules.js';

/**
 * Unsecured JWTs (`alg: none`, RFC 7519 §6) have their own API with no key, so no verify call
 * can ever be talked into accepting one (docs/security.md#alg-none). Use only where integrity does not
 * matter.
 */
export function encodeUnsecuredJwt(claims: JwtPayload): string {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'JWT claims must be a plain object');
  }
  return `${encodeBase64url('{"alg":"none"}')}.${encodeBase64url(JSON.stringify(claims))}.`;
}

/** Decode an unsecured JWT: exactly `{"alg":"none"}`-style header, and an empty signature. */
export function decodeUnsecuredJwt<P = JwtPayload>(
  token: string,
  options: ClaimOptions = {},
): { payload: P } {
  const checks = prepareClaimChecks(options);
  if (typeof token !== 'string' || token.length > DEFAULT_MAX_TOKEN_LENGTH) {
    throw new JoseError('ERR_UNSECURED_JWT_INVALID', 'not an unsecured JWT');
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts[2] !== '') {
    // docs/security.md#alg-none special case: `none` with a signature present is refused.
    throw new JoseError('ERR_UNSECURED_JWT_INVALID', 'an unsecured JWT has an empty third segment');
  }
  const header = parseJsonObject(decodeBase64url(parts[0]!, 'header'), 'header');
  if (header['alg'] !== 'none')
    throw new JoseError('ERR_UNSECURED_JWT_INVALID', 'the header "alg" is not "none"');
  if (header['crit'] !== undefined)
    throw new JoseError('ERR_CRIT_UNSUPPORTED', '"crit" is not supported here');
  const payload = parseJsonObject(decodeBase64url(parts[1]!, 'payload'), 'JWT claims');
  checkClaims(payload, header['typ'], checks, nowSeconds(checks));
  return { payload: payload as P };
}
