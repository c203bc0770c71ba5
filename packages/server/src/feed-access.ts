import type { FastifyRequest } from 'fastify';
import { bearerCredentialCheck } from './bearer-credential.js';
import { authenticateClient } from './client-auth.js';
import type { FeedAccess } from './config.js';
import type { IssuerContext } from './context.js';
import { OAuthError } from './oauth-error.js';

const BASIC_CHALLENGE = 'Basic realm="tessera", charset="UTF-8"';

/**
 * Who may read `GET /revocations` and `/revocations/stream` (docs/security.md#feed-access):
 * - `public` (default): anyone — revoked ids are random, expire with the tokens they name and
 *   carry no claims;
 * - `clients`: a resource-server client (one registered with `--introspect-audience`) that
 *   authenticates with `client_secret_basic`, as it would on `/introspect` (a GET has no body);
 * - `token`: `Authorization: Bearer <feed.token>`, one credential shared by the guards.
 * A refusal is 401 with `WWW-Authenticate` naming the scheme (RFC 9110 §11.6.1, RFC 6750 §3),
 * or 403 for an authenticated client that is not a resource server.
 */
export function createFeedAccessCheck(
  ctx: IssuerContext,
): (request: FastifyRequest) => Promise<void> {
  const { access, token } = ctx.config.feed;
  if (access === 'public') return async () => {};
  if (access === 'token') {
    const allowed = bearerCredentialCheck(token!);
    return async (request) => {
      const header = request.headers.authorization;
      if (allowed(header)) return;
      // RFC 6750 §3.1: no error code when no credential was presented.
      const challenge =
        header === undefined
          ? 'Bearer realm="tessera"'
          : 'Bearer realm="tessera", error="invalid_token"';
      throw new OAuthError(401, 'invalid_token', 'the feed needs its bearer credential', {
        'www-authenticate': challenge,
      });
    };
  }
  return async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || !/^basic\s/i.test(header))
      throw new OAuthError(401, 'invalid_client', 'client authentication required', {
        'www-authenticate': BASIC_CHALLENGE,
      });
    const client = await authenticateClient(ctx, request, {}, { allowPublic: false });
    if ((JSON.parse(client.row.introspect_audiences) as string[]).length === 0)
      throw new OAuthError(403, 'unauthorized_client', 'this client is not a resource server');
  };
}

/** The feed's `Cache-Control`: a feed behind credentials must not sit in a shared cache. */
export function feedCacheControl(access: FeedAccess): string {
  // RFC 9111 §3.5: `public` would let a shared cache answer unauthenticated requests.
  return access === 'public' ? 'public, max-age=5' : 'private, max-age=5';
}
