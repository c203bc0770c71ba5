import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IssuerContext } from '../context.js';

/** RFC 8414 metadata: only what works is advertised. */
export function metadata(ctx: IssuerContext): Record<string, unknown> {
  const iss = ctx.config.issuer;
  return {
    issuer: iss,
    token_endpoint: `${iss}/token`,
    jwks_uri: `${iss}/jwks`,
    revocation_endpoint: `${iss}/revoke`,
    introspection_endpoint: `${iss}/introspect`,
    grant_types_supported: ['password', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'none',
    ],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: [],
    // Non-standard, documented in the README: the signed revocation feed and logout.
    revocation_feed_uri: `${iss}/revocations`,
    logout_endpoint: `${iss}/logout`,
    access_token_signing_alg_values_supported: ctx.keys.current.algorithms,
  };
}

export function registerWellKnown(app: FastifyInstance, ctx: IssuerContext): void {
  const handler = async (_req: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'public, max-age=300');
    return metadata(ctx);
  };
  app.get('/.well-known/oauth-authorization-server', handler);
  app.get('/.well-known/openid-configuration', handler);
}
