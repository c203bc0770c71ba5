import { SpanStatusCode } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { authenticateClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { tokenRequestDpop } from '../dpop.js';
import { formParams } from '../form.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { clientCredentialsGrant } from '../grants/client-credentials.js';
import { passwordGrant } from '../grants/password.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { OAuthError, invalidRequest } from '../oauth-error.js';

const GRANTS = {
  authorization_code: authorizationCodeGrant,
  password: passwordGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
} as const;

/**
 * POST /token (RFC 6749 §3.2): `authorization_code`, `password`, `refresh_token`,
 * `client_credentials`; a `DPoP` proof on any grant binds the access token to its key (RFC 9449 §5).
 */
export function registerToken(app: FastifyInstance, ctx: IssuerContext): void {
  app.post('/token', async (request, reply) => {
    const params = formParams(request);
    const grantType = params['grant_type'];
    if (grantType === undefined) throw invalidRequest('grant_type is required');
    const grant = Object.hasOwn(GRANTS, grantType)
      ? GRANTS[grantType as keyof typeof GRANTS]
      : undefined;
    if (grant === undefined)
      throw new OAuthError(400, 'unsupported_grant_type', 'this grant type is not supported');
    // RFC 6749 §2.3.1: a client authenticates with Basic or body credentials. Another scheme (a
    // Bearer access token, say) is refused, not silently ignored beside body credentials.
    const scheme = request.headers.authorization;
    if (typeof scheme === 'string' && scheme.length > 0 && !/^basic\s/i.test(scheme))
      throw new OAuthError(401, 'invalid_client', 'use Basic or body client credentials here');
    const client = await authenticateClient(ctx, request, params, {
      allowPublic: grantType !== 'client_credentials',
    });
    const dpopJkt = await tokenRequestDpop(ctx, request, client.row);
    const body =
      ctx.tracer === undefined
        ? await grant(ctx, request, params, client, dpopJkt, reply)
        : await ctx.tracer.startActiveSpan(
            `grant ${grantType}`,
            { attributes: { 'oauth.grant_type': grantType, 'oauth.client_id': client.row.id } },
            async (span) => {
              try {
                return await grant(ctx, request, params, client, dpopJkt, reply);
              } catch (e) {
                // RFC 6749 §5.2 error code only: descriptions may name the user's input.
                span.setStatus({
                  code: SpanStatusCode.ERROR,
                  message: e instanceof OAuthError ? e.error : 'server_error',
                });
                throw e;
              } finally {
                span.end();
              }
            },
          );
    // RFC 6749 §5.1
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    // RFC 9449 §8.2: the next nonce rides on every response while nonces are on.
    if (ctx.dpop.nonces !== undefined)
      reply.header('dpop-nonce', ctx.dpop.nonces.current(new Date(ctx.config.now())));
    return body;
  });
}
