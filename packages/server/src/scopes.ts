import { OAuthError } from './oauth-error.js';

/**
 * Resolve the requested `scope` (RFC 6749 §3.3) against what is allowed: absent means all
 * allowed scopes; anything outside the allowed set is `invalid_scope`.
 */
export function resolveScope(requested: string | undefined, allowed: readonly string[]): string {
  if (requested === undefined) return allowed.join(' ');
  const asked = requested.split(' ');
  if (asked.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)))
    throw new OAuthError(400, 'invalid_scope', 'the scope is malformed');
  for (const s of asked)
    if (!allowed.includes(s))
      throw new OAuthError(400, 'invalid_scope', 'a requested scope is not allowed');
  return [...new Set(asked)].join(' ');
}
