import { randomUUID } from 'node:crypto';
import { verifyJwt, type JwtPayload } from '@tessera/jose';
import type { IssuerContext } from './context.js';
import { OAuthError } from './oauth-error.js';

export interface AccessTokenInput {
  sub: string;
  clientId: string;
  audience: string;
  scope: string;
  sid?: string;
  /** When the user authenticated (seconds), for sessions: RFC 9068 §2.2.1 `auth_time`. */
  authTime?: number;
  roles?: readonly string[];
  /** How the user authenticated (RFC 9068 §2.2.1 `acr`, `amr`; RFC 8176 values), for sessions. */
  acr?: string;
  amr?: readonly string[];
  /** A `jti` chosen beforehand (the code grant records it before signing). */
  jti?: string;
  /** Bind the token to this DPoP key thumbprint: `cnf.jkt` (RFC 9449 §6.1). */
  dpopJkt?: string;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  exp: number;
  expiresIn: number;
}

/**
 * Sign an RFC 9068 access token: header `typ: at+jwt` and `kid`; claims `iss sub aud exp iat jti
 * client_id scope sid` (+ `auth_time acr amr` for a browser sign-in, `roles` and the configured custom claims, within the byte budget).
 */
export function issueAccessToken(ctx: IssuerContext, input: AccessTokenInput): IssuedAccessToken {
  const { config } = ctx;
  const iat = ctx.nowSeconds();
  const exp = iat + config.accessTokenTtl;
  const jti = input.jti ?? randomUUID();
  const extra: Record<string, unknown> = { ...config.customClaims };
  if (input.roles !== undefined && input.roles.length > 0) extra['roles'] = [...input.roles];
  if (
    Object.keys(extra).length > 0 &&
    Buffer.byteLength(JSON.stringify(extra)) > config.claimBudgetBytes
  ) {
    // Roles are checked against the budget when set; this guards rows written by other means.
    throw new OAuthError(500, 'server_error', 'the access token would exceed its claim budget');
  }
  const claims: JwtPayload = {
    sub: input.sub,
    aud: input.audience,
    iat,
    exp,
    jti,
    client_id: input.clientId,
    ...(input.scope.length > 0 ? { scope: input.scope } : {}),
    ...(input.sid !== undefined ? { sid: input.sid } : {}),
    ...(input.authTime !== undefined ? { auth_time: input.authTime } : {}),
    ...(input.acr !== undefined ? { acr: input.acr } : {}),
    ...(input.amr !== undefined ? { amr: [...input.amr] } : {}),
    ...(input.dpopJkt !== undefined ? { cnf: { jkt: input.dpopJkt } } : {}),
    ...extra,
  };
  return {
    token: ctx.keys.current.signAccessToken(claims),
    jti,
    exp,
    expiresIn: config.accessTokenTtl,
  };
}

/** The token's `aud` as a list (RFC 7519 §4.1.3: a string or an array of strings). */
export function tokenAudiences(claims: JwtPayload): readonly string[] {
  return typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
}

/** Verify an access token this issuer signed (signature, `typ`, `iss`, expiry); undefined when not valid. */
export function verifyOwnAccessToken(ctx: IssuerContext, token: string): JwtPayload | undefined {
  const ring = ctx.keys.current;
  try {
    return verifyJwt(token, ring.keySet, {
      algorithms: ring.algorithms,
      issuer: ctx.config.issuer,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      currentDate: new Date(ctx.config.now()),
    }).payload;
  } catch {
    return undefined;
  }
}
