import { createHash } from 'node:crypto';
import type { IssuerContext } from './context.js';
import type { KeyRing } from './keys/rotation.js';
import { OAuthError } from './oauth-error.js';
import type { ClientRow, UserRow } from './stores/store.js';

/** The key ring that signs a client's ID tokens: RS256 (the OIDC default) or the issuer's own alg. */
export async function idTokenRing(ctx: IssuerContext, client: ClientRow): Promise<KeyRing> {
  const alg = client.id_token_signed_response_alg ?? 'RS256';
  if (alg === 'RS256') return ctx.idKeys();
  if (alg === ctx.keys.current.alg) return ctx.keys.current;
  throw new OAuthError(
    500,
    'server_error',
    'the client registered an ID-token algorithm this issuer does not sign with',
  );
}

/** The algorithms ID tokens can be signed with (discovery). */
export function idTokenAlgorithms(ctx: IssuerContext): string[] {
  return [...new Set(['RS256', ctx.keys.current.alg])];
}

/**
 * OIDC Core §3.1.3.6 `at_hash`: the left half of the hash of the access token, with the hash of
 * the ID token's alg (SHA-256 for RS256/ES256; SHA-512 for Ed25519, as the OpenID Foundation's
 * EdDSA registration settles).
 */
export function accessTokenHash(alg: string, accessToken: string): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(accessToken, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Profile and email claims by scope (OIDC Core §5.4); the `openid` scope alone gives only `sub`. */
export function scopedUserClaims(user: UserRow, scope: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (scope.includes('profile')) {
    if (user.name !== null) out['name'] = user.name;
    out['preferred_username'] = user.username;
  }
  if (scope.includes('email') && user.email !== null) {
    out['email'] = user.email;
    out['email_verified'] = user.email_verified === 1;
  }
  return out;
}

export interface IdTokenInput {
  readonly client: ClientRow;
  readonly user: UserRow;
  readonly sid: string;
  readonly authTime: number;
  readonly amr: readonly string[];
  readonly acr: string;
  readonly nonce: string | null;
  readonly scope: readonly string[];
  readonly accessToken: string;
}

/**
 * Sign an ID token (OIDC Core §2): `iss sub aud exp iat auth_time nonce azp sid acr amr
 * at_hash`, plus profile/email claims by scope.
 */
export async function issueIdToken(ctx: IssuerContext, i: IdTokenInput): Promise<string> {
  const ring = await idTokenRing(ctx, i.client);
  const iat = ctx.nowSeconds();
  return ring.signIdToken({
    sub: i.user.id,
    aud: i.client.id,
    iat,
    exp: iat + ctx.config.idTokenTtl,
    auth_time: i.authTime,
    ...(i.nonce !== null ? { nonce: i.nonce } : {}),
    azp: i.client.id,
    sid: i.sid,
    acr: i.acr,
    amr: [...i.amr],
    at_hash: accessTokenHash(ring.alg, i.accessToken),
    ...scopedUserClaims(i.user, i.scope),
  });
}
