import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACR } from '../browser-sessions.js';
import { OIDC_SCOPES } from '../authorization-request.js';
import type { IssuerContext } from '../context.js';
import { idTokenAlgorithms } from '../id-tokens.js';

/** RFC 8414 metadata: only what works is advertised. */
export function metadata(ctx: IssuerContext): Record<string, unknown> {
  const iss = ctx.config.issuer;
  return {
    issuer: iss,
    authorization_endpoint: `${iss}/authorize`,
    token_endpoint: `${iss}/token`,
    jwks_uri: `${iss}/jwks`,
    revocation_endpoint: `${iss}/revoke`,
    introspection_endpoint: `${iss}/introspect`,
    grant_types_supported: [
      'authorization_code',
      'password',
      'refresh_token',
      'client_credentials',
    ],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'none',
    ],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    code_challenge_methods_supported: ['S256'],
    // RFC 9207 §3
    authorization_response_iss_parameter_supported: true,
    pushed_authorization_request_endpoint: `${iss}/par`,
    require_pushed_authorization_requests: false,
    prompt_values_supported: ['none', 'login', 'consent'],
    // OpenID Connect Discovery 1.0 §3
    userinfo_endpoint: `${iss}/userinfo`,
    // OIDC RP-Initiated Logout §2.1, Back-Channel Logout §2.1
    end_session_endpoint: `${iss}/end-session`,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    id_token_signing_alg_values_supported: idTokenAlgorithms(ctx),
    subject_types_supported: ['public'],
    scopes_supported: [...OIDC_SCOPES],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'azp',
      'sid',
      'acr',
      'amr',
      'at_hash',
      'name',
      'preferred_username',
      'email',
      'email_verified',
    ],
    acr_values_supported: [ACR.password, ACR.mfa],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // Non-standard, documented in the README: the signed revocation feed and logout.
    revocation_feed_uri: `${iss}/revocations`,
    revocation_stream_uri: `${iss}/revocations/stream`,
    logout_endpoint: `${iss}/logout`,
    access_token_signing_alg_values_supported: ctx.keys.current.algorithms,
    // RFC 9449 §5.1
    dpop_signing_alg_values_supported: ctx.config.dpop.algorithms,
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
