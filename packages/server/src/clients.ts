import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeBase64url } from '@tessera/jose';
import type { Audit } from './audit.js';
import type { ClientRow, Store } from './stores/store.js';
import { InputError } from './users.js';

export const GRANT_TYPES = ['password', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

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
  disabled: boolean;
  createdAt: number;
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
    disabled: r.disabled === 1,
    createdAt: r.created_at,
  };
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
}

export interface ClientDeps {
  store: Store;
  audit?: Audit;
  now?: () => number;
  /** The audience for clients that name none. */
  defaultAudience: string;
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
  const isPublic = input.public === true;
  const grants =
    input.grantTypes ??
    (isPublic
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
  const scopes = input.scopes ?? [];
  for (const s of scopes) if (!SCOPE_TOKEN.test(s)) throw new InputError('invalid scope token');
  const audience = input.audience ?? d.defaultAudience;
  if (audience.length === 0 || audience.length > 200)
    throw new InputError('an audience is 1-200 characters');
  if ((await d.store.findClient(id)) !== undefined) throw new InputError('that client id is taken');
  const secret = isPublic ? undefined : encodeBase64url(randomBytes(32));
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

/** Disable (or re-enable) a client: a disabled client fails authentication everywhere. */
export async function setClientDisabled(
  d: ClientDeps,
  clientId: string,
  disabled: boolean,
): Promise<void> {
  const c = await mustFind(d, clientId);
  await d.store.updateClient(c.id, { disabled: disabled ? 1 : 0 });
  await d.audit?.record({ type: 'client.updated', clientId: c.id, detail: { disabled } });
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
