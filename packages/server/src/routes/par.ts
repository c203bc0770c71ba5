import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { encodeBase64url } from '@tessera/jose';
import {
  AuthorizeError,
  resolveClientAndRedirect,
  validateAuthorizationRequest,
} from '../authorization-request.js';
import { authenticateClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { formParams } from '../form.js';
import { OAuthError, invalidRequest } from '../oauth-error.js';

/** RFC 9126 §2.2: the `request_uri` handle. */
export const PAR_URN_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** Short-lived (RFC 9126 §2.2 suggests 5–600 s). */
export const PAR_TTL_SECONDS = 60;

/**
 * POST /par (RFC 9126): the client authenticates, the request is validated as at /authorize,
 * and a single-use `request_uri` comes back.
 */
export function registerPar(app: FastifyInstance, ctx: IssuerContext): void {
  app.post('/par', async (request, reply) => {
    const params = formParams(request);
    const client = await authenticateClient(ctx, request, params, { allowPublic: true });
    if (params['request_uri'] !== undefined)
      throw invalidRequest('request_uri is not allowed in a pushed request');
    const { client_secret: _s, client_assertion: _a, client_assertion_type: _t, ...rest } = params;
    const pushed = { ...rest, client_id: client.row.id };
    try {
      const { redirectUri } = await resolveClientAndRedirect(ctx, pushed);
      validateAuthorizationRequest(client.row, redirectUri, pushed, true);
    } catch (e) {
      if (e instanceof AuthorizeError)
        throw new OAuthError(400, e.error as 'invalid_request', e.description);
      throw e;
    }
    const handle = encodeBase64url(randomBytes(32));
    const now = ctx.nowSeconds();
    await ctx.store.insertAuthorizationRequest({
      id_hash: createHash('sha256').update(handle).digest('base64url'),
      kind: 'par',
      client_id: client.row.id,
      params: JSON.stringify(pushed),
      csrf_hash: null,
      expires_at: now + PAR_TTL_SECONDS,
      used_at: null,
    });
    reply.header('cache-control', 'no-store');
    return reply
      .code(201)
      .send({ request_uri: `${PAR_URN_PREFIX}${handle}`, expires_in: PAR_TTL_SECONDS });
  });
}
