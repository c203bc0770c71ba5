import {
  createLocalKeySet,
  createRemoteKeySet,
  decodeJwt,
  isRemoteKeySet,
  verifyJwt,
  verifyJwtAsync,
  type JwkSet,
  type JwsAlg,
  type KeySet,
  type RemoteKeySet,
} from '@tessera/jose';
import { authMethodOf, isValidClientId } from './clients.js';
import type { IssuerContext } from './context.js';
import type { ClientRow } from './stores/store.js';

/** RFC 7523 §2.2 */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Asymmetric algorithms only: a shared-secret assertion is client_secret_jwt, not offered. */
const ALGS: readonly JwsAlg[] = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
/** An assertion may live at most this long (it is a one-time credential). */
const MAX_LIFETIME_SECONDS = 300;

// Remote key sets are cached per URI, so their own cache and cooldown apply across requests.
const remoteSets = new Map<string, RemoteKeySet>();

function keySetOf(row: ClientRow): KeySet | RemoteKeySet {
  if (row.jwks !== null) return createLocalKeySet(JSON.parse(row.jwks) as JwkSet);
  const uri = row.jwks_uri!;
  let set = remoteSets.get(uri);
  if (set === undefined) {
    set = createRemoteKeySet(uri, { allowHttpLoopback: true });
    if (remoteSets.size > 1000) remoteSets.clear();
    remoteSets.set(uri, set);
  }
  return set;
}

export type AssertionResult =
  | { readonly ok: true; readonly row: ClientRow }
  | { readonly ok: false; readonly clientId: string | undefined; readonly why: string };

/**
 * `private_key_jwt` (RFC 7523 §3, OIDC Core §9): a JWT signed with a key the client registered,
 * `iss` = `sub` = client id, `aud` the issuer or its token endpoint, short `exp`, and a `jti`
 * seen only once (kept in the store until it expires, so every node refuses a replay).
 */
export async function verifyClientAssertion(
  ctx: IssuerContext,
  assertion: string,
  clientIdParam: string | undefined,
): Promise<AssertionResult> {
  let claimedId: unknown;
  try {
    // Unverified, only to pick the client whose keys verify it below.
    claimedId = decodeJwt(assertion).sub;
  } catch {
    return { ok: false, clientId: undefined, why: 'malformed client assertion' };
  }
  if (!isValidClientId(claimedId))
    return { ok: false, clientId: undefined, why: 'bad assertion subject' };
  if (clientIdParam !== undefined && clientIdParam !== claimedId)
    return { ok: false, clientId: undefined, why: 'client_id does not match the assertion' };
  const row = await ctx.store.findClient(claimedId);
  if (row === undefined) return { ok: false, clientId: undefined, why: 'unknown client' };
  if (row.disabled === 1) return { ok: false, clientId: row.id, why: 'client disabled' };
  if (authMethodOf(row) !== 'private_key_jwt' || (row.jwks === null && row.jwks_uri === null))
    return { ok: false, clientId: row.id, why: 'client does not use private_key_jwt' };
  const iss = ctx.config.issuer;
  let payload;
  try {
    const keys = keySetOf(row);
    const options = {
      algorithms: ALGS,
      issuer: row.id,
      subject: row.id,
      audience: [iss, `${iss}/token`, `${iss}/par`],
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(ctx.config.now()),
      clockTolerance: ctx.config.clockTolerance,
    };
    ({ payload } = isRemoteKeySet(keys)
      ? await verifyJwtAsync(assertion, keys, options)
      : verifyJwt(assertion, keys, options));
  } catch {
    return { ok: false, clientId: row.id, why: 'client assertion not valid' };
  }
  const now = ctx.nowSeconds();
  const exp = payload.exp!;
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    return { ok: false, clientId: row.id, why: 'client assertion jti missing' };
  if (exp - now > MAX_LIFETIME_SECONDS)
    return { ok: false, clientId: row.id, why: 'client assertion lives too long' };
  if (
    !(await ctx.store.recordClientAssertion(
      `${row.id}:${jti}`,
      exp + ctx.config.clockTolerance,
      now,
    ))
  )
    return { ok: false, clientId: row.id, why: 'client assertion replayed' };
  return { ok: true, row };
}
