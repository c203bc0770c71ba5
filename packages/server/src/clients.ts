import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { encodeBase64url } from '@tessera/jose';
import type { Audit } from './audit.js';
import type { ClientRow, Store } from './stores/store.js';
import { InputError } from './users.js';

import { isMfaPolicy, MFA_POLICIES, type MfaPolicy } from './mfa/policy.js';
export const GRANT_TYPES = [
  'authorization_code',
  'password',
  'refresh_token',
  'client_credentials',
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** Token endpoint authentication methods (RFC 7591 §2, RFC 7523 `private_key_jwt`). */
export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** ID-token algorithms a client may register (RS256 is the OIDC default). */
export const ID_TOKEN_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

export interface Client {
  clientId: string;
  name: string;
  /** Confidential clients hold a secret; public clients (`none`) cannot use client_credentials. */
  confidential: boolean;
  /** First-party clients may use the password grant. */
  firstParty: boolean;
  grantTypes: GrantType[];
  scopes: string[];
  audience: string;
  /** Audiences whose access tokens this client may introspect (a resource server). */
  introspectAudiences: string[];
  disabled: boolean;
  createdAt: number;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  requirePar: boolean;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  jwksUri?: string;
  /** The registered public keys for `private_key_jwt` (no private members). */
  jwks?: { keys: Record<string, unknown>[] };
  backchannelLogoutUri?: string;
  idTokenSignedResponseAlg: IdTokenAlg;
  /** The token endpoint refuses this client's requests without a DPoP proof (RFC 9449 §5.2). */
  requireDpop: boolean;
  /** Its own second-factor policy; absent: the issuer's `mfa` setting applies. */
  mfa?: MfaPolicy;
}

/** The method a stored client authenticates with (rows from before registration fields: derived). */
export function authMethodOf(r: ClientRow): TokenEndpointAuthMethod {
  if (r.token_endpoint_auth_method !== null)
    return r.token_endpoint_auth_method as TokenEndpointAuthMethod;
  return r.secret_hash === null ? 'none' : 'client_secret_basic';
}

/** The public view of a stored client (no secret hash). */
export function toClient(r: ClientRow): Client {
  return {
    clientId: r.id,
    name: r.name,
    confidential: r.secret_hash !== null,
    firstParty: r.first_party === 1,
    grantTypes: JSON.parse(r.grant_types) as GrantType[],
    scopes: JSON.parse(r.scopes) as string[],
    audience: r.audience,
    introspectAudiences: JSON.parse(r.introspect_audiences) as string[],
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    redirectUris: JSON.parse(r.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
    requirePar: r.require_par === 1,
    tokenEndpointAuthMethod: authMethodOf(r),
    ...(r.jwks_uri !== null ? { jwksUri: r.jwks_uri } : {}),
    ...(r.jwks !== null ? { jwks: JSON.parse(r.jwks) as { keys: Record<string, unknown>[] } } : {}),
    ...(r.backchannel_logout_uri !== null
      ? { backchannelLogoutUri: r.backchannel_logout_uri }
      : {}),
    idTokenSignedResponseAlg: (r.id_token_signed_response_alg ?? 'RS256') as IdTokenAlg,
    requireDpop: r.require_dpop === 1,
    ...(isMfaPolicy(r.mfa) ? { mfa: r.mfa } : {}),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * A redirect URI a client may register: absolute, no fragment (RFC 6749 §3.1.2), https — or
 * http on a loopback host, or a private-use scheme with a dot, for native apps (RFC 8252 §7).
 */
export function checkRedirectUri(uri: unknown, what = 'a redirect URI'): string {
  let u: URL;
  try {
    if (typeof uri !== 'string' || uri.length > 2000) throw new Error('bad');
    u = new URL(uri);
  } catch {
    throw new InputError(`${what} must be an absolute URL`);
  }
  if (u.hash !== '' || uri.includes('#')) throw new InputError(`${what} may not have a fragment`);
  if (u.username !== '' || u.password !== '')
    throw new InputError(`${what} may not carry user information`);
  const scheme = u.protocol.slice(0, -1);
  if (scheme === 'https') return uri;
  if (scheme === 'http') {
    if (LOOPBACK_HOSTS.has(u.hostname)) return uri;
    throw new InputError(`${what} must use https (http only on 127.0.0.1, [::1] or localhost)`);
  }
  // RFC 8252 §7.1: private-use schemes are reverse domain names; never script-capable ones.
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$/i.test(scheme)) return uri;
  throw new InputError(`${what} must use https, loopback http, or a reverse-DNS private scheme`);
}

function checkUriList(list: unknown, what: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > 20)
    throw new InputError(`${what}s are a list of at most 20 URLs`);
  return [...new Set(list.map((u) => checkRedirectUri(u, what)))];
}

function checkHttpsUrl(uri: unknown, what: string): string {
  const ok = checkRedirectUri(uri, what);
  const u = new URL(ok);
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new InputError(`${what} must be an https URL`);
  return ok;
}

function checkJwks(jwks: unknown): string {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys) || keys.length === 0)
    throw new InputError('a JWKS is an object with a non-empty "keys" list');
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || typeof (k as { kty?: unknown }).kty !== 'string')
      throw new InputError('each JWK needs a "kty"');
    // Only public keys are registered: a private member means the client leaked its key to us.
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
      if (m in k) throw new InputError('a registered JWKS holds public keys only');
  }
  const text = JSON.stringify({ keys });
  if (text.length > 16384) throw new InputError('the JWKS is too large');
  return text;
}

/** SHA-256 of a client secret: a slow KDF protects low-entropy passwords, not 256-bit random secrets. */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function clientSecretMatches(row: ClientRow, secret: string): boolean {
  if (row.secret_hash === null) return false;
  const a = Buffer.from(hashClientSecret(secret));
  const b = Buffer.from(row.secret_hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/; // RFC 6749 §3.3 scope-token

/** Client ids are 1–64 characters of letters, digits and `. _ -`. */
export function isValidClientId(id: unknown): id is string {
  return typeof id === 'string' && CLIENT_ID.test(id);
}

export interface CreateClientInput {
  name: string;
  clientId?: string;
  /** Public clients get no secret and authenticate with `none` (default false). */
  public?: boolean;
  firstParty?: boolean;
  grantTypes?: GrantType[];
  scopes?: string[];
  audience?: string;
  /** Exact redirect URIs for the authorization code flow. */
  redirectUris?: string[];
  /** Where RP-initiated logout may return to (OIDC RP-Initiated Logout §2). */
  postLogoutRedirectUris?: string[];
  /** Authorization requests must be pushed first (RFC 9126 §6). */
  requirePar?: boolean;
  /** Default: `none` for public clients, else `client_secret_basic` (post is accepted too). */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** Public keys for `private_key_jwt` (one of `jwks` / `jwksUri`). */
  jwks?: unknown;
  jwksUri?: string;
  /** OIDC Back-Channel Logout §2.2. */
  backchannelLogoutUri?: string;
  /** Default RS256. */
  idTokenSignedResponseAlg?: IdTokenAlg;
  /** Refuse token requests without a DPoP proof (RFC 9449 §5.2 `dpop_bound_access_tokens`). */
  requireDpop?: boolean;
  /** This client's second-factor policy (default: none of its own, the issuer's applies). */
  mfa?: MfaPolicy;
  /**
   * For a resource-server client: the audiences whose access tokens it may introspect
   * (RFC 7662 §4). Without any, a client introspects only tokens issued to itself.
   */
  introspectAudiences?: string[];
}

export interface ClientDeps {
  store: Store;
  audit?: Audit;
  now?: () => number;
  /** The audience for clients that name none. */
  defaultAudience: string;
  /**
   * How long a disabled client's session ids stay on the revocation feed: at least the
   * access-token lifetime + clock skew (default: the longest allowed lifetime, 1 day, + 60 s).
   */
  revocationTtlSeconds?: number;
}

/**
 * Register a client. The secret (256-bit random) is returned once and stored only as SHA-256.
 *
 * @example
 * const { client, clientSecret } = await createClient(deps, { name: 'web', firstParty: true, scopes: ['read'] });
 */
export async function createClient(
  d: ClientDeps,
  input: CreateClientInput,
): Promise<{ client: Client; clientSecret: string | undefined }> {
  const id = input.clientId ?? `c_${encodeBase64url(randomBytes(12))}`;
  if (!isValidClientId(id))
    throw new InputError('a client id is 1-64 characters of letters, digits and . _ -');
  if (typeof input.name !== 'string' || input.name.length === 0 || input.name.length > 200)
    throw new InputError('a client name is 1-200 characters');
  const firstParty = input.firstParty === true;
  const method: TokenEndpointAuthMethod =
    input.tokenEndpointAuthMethod ?? (input.public === true ? 'none' : 'client_secret_basic');
  if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly string[]).includes(method))
    throw new InputError(`unknown token endpoint auth method ${JSON.stringify(method)}`);
  if (input.public === true && method !== 'none')
    throw new InputError('a public client authenticates with "none"');
  const isPublic = method === 'none';
  const redirectUris = checkUriList(input.redirectUris, 'a redirect URI');
  const postLogout = checkUriList(input.postLogoutRedirectUris, 'a post-logout redirect URI');
  const grants =
    input.grantTypes ??
    (redirectUris.length > 0
      ? ['authorization_code', 'refresh_token']
      : isPublic
        ? ['password', 'refresh_token']
        : firstParty
          ? ['password', 'refresh_token', 'client_credentials']
          : ['client_credentials']);
  for (const g of grants)
    if (!(GRANT_TYPES as readonly string[]).includes(g))
      throw new InputError(`unknown grant type ${JSON.stringify(g)}`);
  if (grants.includes('password') && !firstParty)
    throw new InputError('only first-party clients may use the password grant');
  if (isPublic && grants.includes('client_credentials'))
    throw new InputError('a public client cannot use client_credentials');
  if (grants.includes('authorization_code') && redirectUris.length === 0)
    throw new InputError('the authorization_code grant needs at least one redirect URI');
  let jwks: string | null = null;
  let jwksUri: string | null = null;
  if (input.jwks !== undefined && input.jwksUri !== undefined)
    throw new InputError('register jwks or jwksUri, not both');
  if (input.jwks !== undefined) jwks = checkJwks(input.jwks);
  if (input.jwksUri !== undefined) jwksUri = checkHttpsUrl(input.jwksUri, 'a JWKS URI');
  if (method === 'private_key_jwt' && jwks === null && jwksUri === null)
    throw new InputError('private_key_jwt needs jwks or jwksUri');
  const backchannel =
    input.backchannelLogoutUri === undefined
      ? null
      : checkHttpsUrl(input.backchannelLogoutUri, 'a back-channel logout URI');
  const idAlg = input.idTokenSignedResponseAlg ?? 'RS256';
  if (!(ID_TOKEN_ALGS as readonly string[]).includes(idAlg))
    throw new InputError(`idTokenSignedResponseAlg must be one of ${ID_TOKEN_ALGS.join(', ')}`);
  const scopes = input.scopes ?? [];
  for (const s of scopes) if (!SCOPE_TOKEN.test(s)) throw new InputError('invalid scope token');
  const audience = input.audience ?? d.defaultAudience;
  if (audience.length === 0 || audience.length > 200)
    throw new InputError('an audience is 1-200 characters');
  const introspectAudiences = [...new Set(input.introspectAudiences ?? [])];
  if (introspectAudiences.length > 20) throw new InputError('at most 20 introspection audiences');
  if (isPublic && introspectAudiences.length > 0)
    throw new InputError('a public client cannot introspect (it cannot authenticate)');
  for (const a of introspectAudiences)
    if (typeof a !== 'string' || a.length === 0 || a.length > 200)
      throw new InputError('an audience is 1-200 characters');
  if ((await d.store.findClient(id)) !== undefined) throw new InputError('that client id is taken');
  const usesSecret = method === 'client_secret_basic' || method === 'client_secret_post';
  const secret = usesSecret ? encodeBase64url(randomBytes(32)) : undefined;
  const row: ClientRow = {
    id,
    name: input.name,
    secret_hash: secret === undefined ? null : hashClientSecret(secret),
    first_party: firstParty ? 1 : 0,
    grant_types: JSON.stringify([...new Set(grants)]),
    scopes: JSON.stringify([...new Set(scopes)]),
    audience,
    disabled: 0,
    created_at: Math.floor((d.now ?? Date.now)() / 1000),
    redirect_uris: JSON.stringify(redirectUris),
    post_logout_redirect_uris: JSON.stringify(postLogout),
    require_par: input.requirePar === true ? 1 : 0,
    token_endpoint_auth_method: method,
    jwks,
    jwks_uri: jwksUri,
    backchannel_logout_uri: backchannel,
    id_token_signed_response_alg: idAlg,
    require_dpop: input.requireDpop === true ? 1 : 0,
    introspect_audiences: JSON.stringify(introspectAudiences),
    credentials_sid: randomUUID(),
    mfa: checkMfaPolicy(input.mfa) ?? null,
  };
  await d.store.insertClient(row);
  await d.audit?.record({
    type: 'client.created',
    clientId: id,
    detail: { firstParty, public: isPublic, grants },
  });
  return { client: toClient(row), clientSecret: secret };
}

/**
 * All clients, by id.
 *
 * @example
 * for (const c of await listClients({ store })) console.log(c.clientId, c.grantTypes);
 */
export async function listClients(d: Pick<ClientDeps, 'store'>): Promise<Client[]> {
  return (await d.store.listClients()).map(toClient);
}

async function mustFind(d: Pick<ClientDeps, 'store'>, id: string): Promise<ClientRow> {
  const c = isValidClientId(id) ? await d.store.findClient(id) : undefined;
  if (c === undefined) throw new InputError('no such client');
  return c;
}

/**
 * Disable (or re-enable) a client: a disabled client fails authentication everywhere. Disabling
 * also takes back what it holds: the sessions it started end (refresh families revoked) and
 * their ids go on the revocation feed, and so does the `sid` shared by its client_credentials
 * access tokens, which is replaced so that tokens issued after a re-enable are not caught.
 */
export async function setClientDisabled(
  d: ClientDeps,
  clientId: string,
  disabled: boolean,
): Promise<void> {
  const c = await mustFind(d, clientId);
  if (!disabled) {
    await d.store.updateClient(c.id, { disabled: 0 });
    await d.audit?.record({ type: 'client.updated', clientId: c.id, detail: { disabled } });
    return;
  }
  await d.store.updateClient(c.id, { disabled: 1, credentials_sid: randomUUID() });
  await d.audit?.record({ type: 'client.updated', clientId: c.id, detail: { disabled } });
  // After the flag: a grant racing with this call either fails or its session is ended here.
  const now = Math.floor((d.now ?? Date.now)() / 1000);
  const until = now + (d.revocationTtlSeconds ?? 86400 + 60);
  const sids = await d.store.endClientSessions(c.id, 'client_disabled', now);
  const all = c.credentials_sid !== null ? [...sids, c.credentials_sid] : sids;
  for (const sid of all) await d.store.addRevocation('sid', sid, until, now);
  // Code-flow access tokens carry the browser session's sid, which the user's other clients
  // share: this client's live ones go on the feed by jti instead.
  const live = await d.store.listLiveAccessTokens(c.id, now);
  for (const t of live) await d.store.addRevocation('jti', t.jti, Math.max(t.exp, until), now);
  await d.audit?.record({
    type: 'session.ended',
    clientId: c.id,
    detail: { reason: 'client_disabled', sessions: sids.length },
  });
}

/** Require DPoP proofs for a client's token requests, or stop requiring them. */
export async function setClientRequireDpop(
  d: ClientDeps,
  clientId: string,
  requireDpop: boolean,
): Promise<void> {
  const c = await mustFind(d, clientId);
  await d.store.updateClient(c.id, { require_dpop: requireDpop ? 1 : 0 });
  await d.audit?.record({ type: 'client.updated', clientId: c.id, detail: { requireDpop } });
}

function checkMfaPolicy(v: unknown): MfaPolicy | undefined {
  if (v === undefined) return undefined;
  if (!isMfaPolicy(v)) throw new InputError(`mfa is one of ${MFA_POLICIES.join(', ')}`);
  return v;
}

/**
 * Set a client's own second-factor policy, or (`undefined`) remove it so the issuer's applies.
 * Audited. Sign-ins already past their password step keep the policy they started with.
 */
export async function setClientMfa(
  d: ClientDeps,
  clientId: string,
  mfa: MfaPolicy | undefined,
): Promise<void> {
  const policy = checkMfaPolicy(mfa);
  const c = await mustFind(d, clientId);
  await d.store.updateClient(c.id, { mfa: policy ?? null });
  await d.audit?.record({
    type: 'client.updated',
    clientId: c.id,
    detail: { mfa: policy ?? null },
  });
}

/** Replace a confidential client's secret; the new one is returned once. */
export async function rotateClientSecret(d: ClientDeps, clientId: string): Promise<string> {
  const c = await mustFind(d, clientId);
  if (c.secret_hash === null) throw new InputError('a public client has no secret');
  const secret = encodeBase64url(randomBytes(32));
  await d.store.updateClient(c.id, { secret_hash: hashClientSecret(secret) });
  await d.audit?.record({ type: 'client.updated', clientId: c.id, detail: { secret: 'rotated' } });
  return secret;
}
