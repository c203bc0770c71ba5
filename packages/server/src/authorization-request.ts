import type { IssuerContext } from './context.js';
import { isValidClientId } from './clients.js';
import { redirectUriMatches } from './redirect-uris.js';
import type { ClientRow } from './stores/store.js';
import { ServerError } from './errors.js';

/** Scopes of OpenID Connect itself (OIDC Core §5.4, §11), allowed to every code-flow client. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export type Prompt = 'none' | 'login' | 'consent';

/** A validated authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1). */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly responseMode: 'query' | 'form_post';
  readonly state?: string;
  readonly scope: string;
  readonly codeChallenge: string;
  readonly nonce?: string;
  readonly prompt: readonly Prompt[];
  readonly maxAge?: number;
  readonly loginHint?: string;
  /** OIDC Core §3.1.2.1 `acr_values`: a session with another `acr` signs in again (step-up). */
  readonly acrValues?: readonly string[];
  /** RFC 9449 §10: the code is bound to this DPoP key (SHA-256 JWK thumbprint). */
  readonly dpopJkt?: string;
}

/**
 * A request that cannot go on. `redirect` errors go back to the client's (verified) redirect
 * URI with an RFC 6749 §4.1.2.1 code; `page` errors — unknown client, bad redirect URI — are
 * shown on the issuer and never redirect (an attacker could otherwise bounce users anywhere).
 */
export class AuthorizeError extends ServerError {
  override readonly name = 'AuthorizeError';
  readonly error: string;
  readonly description: string;
  readonly redirect:
    | { readonly uri: string; readonly mode: 'query' | 'form_post'; readonly state?: string }
    | undefined;
  constructor(error: string, description: string, redirect?: AuthorizeError['redirect']) {
    super('ERR_AUTHORIZE', description);
    this.error = error;
    this.description = description;
    this.redirect = redirect;
  }
}

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/; // base64url(SHA-256), RFC 7636 §4.2
const PRINTABLE = /^[\x20-\x7e]{1,512}$/;

/**
 * The client and redirect URI of a request, checked first: until both are known good, no
 * error may redirect.
 */
export async function resolveClientAndRedirect(
  ctx: IssuerContext,
  params: Readonly<Record<string, string>>,
): Promise<{ client: ClientRow; redirectUri: string }> {
  const clientId = params['client_id'];
  if (clientId === undefined) throw new AuthorizeError('invalid_request', 'client_id is missing');
  const client = isValidClientId(clientId) ? await ctx.store.findClient(clientId) : undefined;
  if (client === undefined || client.disabled === 1)
    throw new AuthorizeError('invalid_client', 'the client is unknown or disabled');
  const registered = JSON.parse(client.redirect_uris) as string[];
  const redirectUri = params['redirect_uri'];
  if (redirectUri === undefined)
    throw new AuthorizeError('invalid_request', 'redirect_uri is missing');
  if (!redirectUriMatches(registered, redirectUri))
    throw new AuthorizeError('invalid_request', 'redirect_uri is not registered for this client');
  return { client, redirectUri };
}

/**
 * Validate an authorization request whose client and redirect URI are already trusted; every
 * failure redirects. `pushed` is true for the parameters of a pushed request (RFC 9126).
 */
export function validateAuthorizationRequest(
  client: ClientRow,
  redirectUri: string,
  params: Readonly<Record<string, string>>,
  pushed: boolean,
): AuthorizationRequest {
  const state = params['state'];
  const mode = params['response_mode'] ?? 'query';
  const redirectMode = mode === 'form_post' ? 'form_post' : 'query';
  const fail = (error: string, description: string): never => {
    throw new AuthorizeError(error, description, {
      uri: redirectUri,
      mode: redirectMode,
      ...(state !== undefined ? { state } : {}),
    });
  };
  if (state !== undefined && state.length > 2048) fail('invalid_request', 'state is too long');
  if (mode !== 'query' && mode !== 'form_post')
    fail('invalid_request', 'response_mode must be query or form_post');
  if (params['response_type'] !== 'code')
    fail('unsupported_response_type', 'only response_type=code is supported');
  if (!(JSON.parse(client.grant_types) as string[]).includes('authorization_code'))
    fail('unauthorized_client', 'this client may not use the authorization code flow');
  if (client.require_par === 1 && !pushed)
    fail('invalid_request', 'this client must push its authorization requests (PAR)');
  if (params['request'] !== undefined)
    fail('request_not_supported', 'request objects are not supported');
  // RFC 7636 §4.3 (plain is the default method, so an absent method is plain) and OAuth 2.1
  // §4.1.1: PKCE for every client, S256 only.
  const challenge = params['code_challenge'];
  if (challenge === undefined) fail('invalid_request', 'code_challenge is required (PKCE)');
  if ((params['code_challenge_method'] ?? 'plain') !== 'S256')
    fail('invalid_request', 'code_challenge_method must be S256');
  if (!S256_CHALLENGE.test(challenge!)) fail('invalid_request', 'code_challenge is malformed');
  const allowed = new Set<string>([...(JSON.parse(client.scopes) as string[]), ...OIDC_SCOPES]);
  const requested = params['scope'];
  let scope: string;
  if (requested === undefined) scope = (JSON.parse(client.scopes) as string[]).join(' ');
  else {
    const list = requested.split(' ').filter((s) => s.length > 0);
    if (list.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(s)))
      fail('invalid_scope', 'the scope is malformed');
    if (list.some((s) => !allowed.has(s)))
      fail('invalid_scope', 'a requested scope is not allowed');
    scope = [...new Set(list)].join(' ');
  }
  const nonce = params['nonce'];
  if (nonce !== undefined && !PRINTABLE.test(nonce)) fail('invalid_request', 'nonce is malformed');
  const prompt = (params['prompt'] ?? '').split(' ').filter((p) => p.length > 0);
  for (const p of prompt)
    if (p !== 'none' && p !== 'login' && p !== 'consent')
      fail('invalid_request', `prompt ${p.slice(0, 20)} is not supported`);
  // OIDC Core §3.1.2.1: none with any other value is an error.
  if (prompt.includes('none') && prompt.length > 1)
    fail('invalid_request', 'prompt=none cannot be combined');
  let maxAge: number | undefined;
  if (params['max_age'] !== undefined) {
    if (!/^\d{1,9}$/.test(params['max_age'])) fail('invalid_request', 'max_age is malformed');
    maxAge = Number(params['max_age']);
  }
  const loginHint = params['login_hint'];
  if (loginHint !== undefined && !PRINTABLE.test(loginHint))
    fail('invalid_request', 'login_hint is malformed');
  // Space-separated, in preference order (OIDC Core §3.1.2.1); bounded, visible ASCII only.
  const acrRaw = params['acr_values'];
  const acrValues = acrRaw?.split(' ').filter((v) => v.length > 0);
  if (
    acrRaw !== undefined &&
    (!PRINTABLE.test(acrRaw) || acrValues!.length === 0 || acrValues!.length > 10)
  )
    fail('invalid_request', 'acr_values is malformed');
  // RFC 9449 §10: dpop_jkt binds the code to a DPoP key, so only a proof by that key redeems it.
  const dpopJkt = params['dpop_jkt'];
  if (dpopJkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt))
    fail('invalid_request', 'dpop_jkt must be a SHA-256 JWK thumbprint');
  return {
    clientId: client.id,
    redirectUri,
    responseMode: redirectMode,
    ...(state !== undefined ? { state } : {}),
    scope,
    codeChallenge: challenge!,
    ...(nonce !== undefined ? { nonce } : {}),
    prompt: [...new Set(prompt)] as Prompt[],
    ...(maxAge !== undefined ? { maxAge } : {}),
    ...(loginHint !== undefined ? { loginHint: loginHint.slice(0, 64) } : {}),
    ...(acrValues !== undefined ? { acrValues } : {}),
    ...(dpopJkt !== undefined ? { dpopJkt } : {}),
  };
}
