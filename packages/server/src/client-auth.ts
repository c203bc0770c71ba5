import type { FastifyRequest } from 'fastify';
import { verifyClientAssertion, CLIENT_ASSERTION_TYPE } from './client-assertion.js';
import type { IssuerContext } from './context.js';
import { authMethodOf, clientSecretMatches, isValidClientId } from './clients.js';
import { OAuthError, invalidRequest } from './oauth-error.js';
import type { ClientRow } from './stores/store.js';

export type ClientAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

export interface AuthenticatedClient {
  readonly row: ClientRow;
  readonly method: ClientAuthMethod;
}

// RFC 6749 Appendix B: client_id and client_secret are form-urlencoded before Basic encoding.
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

function parseBasic(header: string): { id: string; secret: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  try {
    return { id: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * Authenticate the calling client: `client_secret_basic`, `client_secret_post`, or `none` for
 * public clients. Exactly one method per request (RFC 6749 §2.3). Failures are 401
 * `invalid_client`, with `WWW-Authenticate: Basic` when Basic was tried (§5.2).
 */
export async function authenticateClient(
  ctx: IssuerContext,
  request: FastifyRequest,
  params: Record<string, string>,
  options: { allowPublic: boolean },
): Promise<AuthenticatedClient> {
  const header = request.headers.authorization;
  const basicTried = typeof header === 'string' && /^basic\s/i.test(header);
  const fail = async (id: string | undefined, why: string): Promise<never> => {
    const event = {
      type: 'client.authentication_failed',
      clientId: isValidClientId(id) ? id : undefined,
      ip: request.ip,
      detail: { why },
    } as const;
    // Failures against a real client are stored (brute force on its secret shows in the table);
    // junk for unknown clients goes to the log only, so it cannot fill the database.
    if (id !== undefined) await ctx.audit.record(event);
    else ctx.audit.log(event);
    throw new OAuthError(
      401,
      'invalid_client',
      'client authentication failed',
      basicTried ? { 'www-authenticate': 'Basic realm="tessera", charset="UTF-8"' } : {},
    );
  };
  let id: string | undefined;
  let secret: string | undefined;
  let method: ClientAuthMethod;
  const assertion = params['client_assertion'];
  if (assertion !== undefined || params['client_assertion_type'] !== undefined) {
    // RFC 7523 §2.2 / RFC 7521 §4.2
    if (basicTried || params['client_secret'] !== undefined)
      throw invalidRequest('use one client authentication method, not two');
    if (params['client_assertion_type'] !== CLIENT_ASSERTION_TYPE || assertion === undefined)
      throw invalidRequest(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    const claimed = await verifyClientAssertion(ctx, assertion, params['client_id']);
    if (!claimed.ok) return fail(claimed.clientId, claimed.why);
    return { row: claimed.row, method: 'private_key_jwt' };
  }
  if (basicTried) {
    const creds = parseBasic(header);
    if (creds === undefined) return fail(undefined, 'malformed basic credentials');
    if (params['client_secret'] !== undefined)
      throw invalidRequest('use one client authentication method, not two');
    if (params['client_id'] !== undefined && params['client_id'] !== creds.id)
      throw invalidRequest('client_id does not match the credentials');
    ({ id, secret } = creds);
    method = 'client_secret_basic';
  } else {
    id = params['client_id'];
    secret = params['client_secret'];
    if (id === undefined) return fail(undefined, 'no client credentials');
    method = secret === undefined ? 'none' : 'client_secret_post';
  }
  const row = isValidClientId(id) ? await ctx.store.findClient(id) : undefined;
  if (row === undefined) return fail(undefined, 'unknown client');
  if (row.disabled === 1) return fail(row.id, 'client disabled');
  // A client registered for private_key_jwt never authenticates with less.
  if (authMethodOf(row) === 'private_key_jwt') return fail(row.id, 'client assertion required');
  if (row.secret_hash === null) {
    if (method !== 'none' || !options.allowPublic) return fail(row.id, 'public client');
  } else if (secret === undefined || !clientSecretMatches(row, secret)) {
    return fail(row.id, 'wrong secret');
  }
  return { row, method };
}
