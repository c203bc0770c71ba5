import type { FastifyRequest } from 'fastify';
import { issueAccessToken } from '../access-tokens.js';
import type { AuthenticatedClient } from '../client-auth.js';
import type { IssuerContext } from '../context.js';
import { OAuthError } from '../oauth-error.js';
import { resolveScope } from '../scopes.js';
import { tokenResponse, type TokenResponse } from './token-response.js';

/** RFC 6749 §4.4: a confidential client acting for itself; no refresh token (§4.4.3). */
export async function clientCredentialsGrant(
  ctx: IssuerContext,
  request: FastifyRequest,
  params: Record<string, string>,
  client: AuthenticatedClient,
  dpopJkt?: string,
): Promise<TokenResponse> {
  const c = client.row;
  if (
    c.secret_hash === null ||
    !(JSON.parse(c.grant_types) as string[]).includes('client_credentials')
  ) {
    throw new OAuthError(400, 'unauthorized_client', 'this client may not use client_credentials');
  }
  const scope = resolveScope(params['scope'], JSON.parse(c.scopes) as string[]);
  const at = issueAccessToken(ctx, {
    sub: c.id,
    clientId: c.id,
    audience: c.audience,
    scope,
    // One sid for all of the client's tokens: disabling the client revokes them at once.
    ...(c.credentials_sid !== null ? { sid: c.credentials_sid } : {}),
    ...(dpopJkt !== undefined ? { dpopJkt } : {}),
  });
  // Routine machine-to-machine issuance goes to the log only: no write per token keeps this grant fast.
  ctx.audit.log({
    type: 'token.issued',
    subject: c.id,
    clientId: c.id,
    ip: request.ip,
    detail: { jti: at.jti, grant: 'client_credentials' },
  });
  return tokenResponse(at.token, at.expiresIn, scope, undefined, dpopJkt !== undefined);
}
