import { createHash, randomBytes } from 'node:crypto';
import { encodeBase64url } from '@tessera/jose';
import type { RefreshTokenRow, SessionRow } from './stores/store.js';

/** Longest refresh token accepted (ours are 43 characters). */
export const MAX_REFRESH_TOKEN_LENGTH = 256;

/** A new opaque refresh token: 256 random bits, base64url. */
export function newRefreshToken(): string {
  return encodeBase64url(randomBytes(32));
}

/** Refresh tokens are stored only as this hash: a database leak yields no usable token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** The replay response is sealed to the spent token's hash (it cannot be moved to another row). */
export const replayContext = (hash: string): string => `refresh-replay:${hash}`;

export interface RefreshTokenFields {
  sessionId: string;
  parentHash: string | null;
  clientId: string;
  userId: string;
  scope: string;
  now: number;
  idleTtl: number;
  sessionExpiresAt: number;
  /** The DPoP key thumbprint the token is bound to (public clients, RFC 9449 §5). */
  dpopJkt?: string | null;
  /** The access token issued with it: its `jti` and `exp` (seconds). */
  accessJti?: string;
  accessExp?: number;
}

export interface NewFamily {
  sessionId: string;
  userId: string;
  clientId: string;
  /** A public client's first refresh token is bound to its DPoP key (RFC 9449 §5). */
  publicClient: boolean;
  scope: string;
  now: number;
  idleTtl: number;
  sessionExpiresAt: number;
  /** The browser session a code-flow family belongs to (null for the password grant). */
  browserSessionId: string | null;
  /**
   * How the user signed in (RFC 8176 `amr`, our `acr`) and when (`auth_time`): every access token
   * refreshed from the family carries them, as the first one did.
   */
  authentication: FamilyAuthentication;
  dpopJkt?: string | undefined;
  accessJti?: string;
  accessExp?: number;
}

/** How and when the login that started a refresh family authenticated the user. */
export interface FamilyAuthentication {
  readonly acr: string;
  readonly amr: readonly string[];
  readonly authTime: number;
}

/**
 * The authentication a family's refreshed access tokens carry: its stored acr/amr/auth_time;
 * for a family from before they were stored, only `auth_time` (its start) and no acr/amr, so a
 * route that requires an acr refuses it (fails closed).
 */
export function familyAuthentication(session: SessionRow): {
  authTime: number;
  acr?: string;
  amr?: string[];
} {
  if (session.acr === null || session.amr === null)
    return { authTime: session.auth_time ?? session.created_at };
  return {
    authTime: session.auth_time ?? session.created_at,
    acr: session.acr,
    amr: JSON.parse(session.amr) as string[],
  };
}

/** A new refresh family: its session row and its first refresh token's row. */
export function newFamilyRows(
  token: string,
  f: NewFamily,
): { session: SessionRow; token: RefreshTokenRow } {
  return {
    session: {
      id: f.sessionId,
      user_id: f.userId,
      client_id: f.clientId,
      created_at: f.now,
      expires_at: f.sessionExpiresAt,
      ended_at: null,
      ended_reason: null,
      browser_session_id: f.browserSessionId,
      acr: f.authentication.acr,
      amr: JSON.stringify(f.authentication.amr),
      auth_time: f.authentication.authTime,
    },
    token: refreshTokenRow(token, {
      sessionId: f.sessionId,
      parentHash: null,
      clientId: f.clientId,
      userId: f.userId,
      scope: f.scope,
      now: f.now,
      idleTtl: f.idleTtl,
      sessionExpiresAt: f.sessionExpiresAt,
      dpopJkt: f.publicClient ? (f.dpopJkt ?? null) : null,
      ...(f.accessJti !== undefined ? { accessJti: f.accessJti } : {}),
      ...(f.accessExp !== undefined ? { accessExp: f.accessExp } : {}),
    }),
  };
}

/** The row for a new refresh token; it expires at the idle lifetime or the session end, whichever is first. */
export function refreshTokenRow(token: string, f: RefreshTokenFields): RefreshTokenRow {
  return {
    hash: hashRefreshToken(token),
    session_id: f.sessionId,
    parent_hash: f.parentHash,
    state: 'active',
    client_id: f.clientId,
    user_id: f.userId,
    scope: f.scope,
    created_at: f.now,
    expires_at: Math.min(f.now + f.idleTtl, f.sessionExpiresAt),
    rotated_at_ms: null,
    successor: null,
    dpop_jkt: f.dpopJkt ?? null,
    access_jti: f.accessJti ?? null,
    access_exp: f.accessExp ?? null,
  };
}
