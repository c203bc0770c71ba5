import { isJoseError, type JwtPayload } from '@tessera/jose';
import { GuardError } from './bearer.js';
import type { PreparedGuardOptions } from './options.js';
import { optionsError } from './errors.js';

/** What of a guard's configuration a route check reads. */
export type RequirementConfig = Pick<
  PreparedGuardOptions,
  'requiredScopes' | 'verify' | 'clockToleranceSeconds'
>;

/** Who called: the verified access token, reduced to what routes need. */
export interface AuthContext {
  /** `sub`: the resource owner (or the client itself for client_credentials). */
  readonly subject: string;
  /** `client_id`: the OAuth client the token was issued to. */
  readonly clientId: string;
  /** The `scope` claim, split on spaces. */
  readonly scopes: readonly string[];
  /** The `roles` claim (an array of strings), or empty. */
  readonly roles: readonly string[];
  /** Every verified claim (frozen). */
  readonly claims: Readonly<JwtPayload>;
}

/** What a route requires beyond a valid token: every listed scope, and at least one listed role. */
export interface Requirement {
  scopes?: readonly string[];
  roles?: readonly string[];
  /**
   * Step-up (RFC 9470): the token's `acr` must be one of these, else 401
   * `insufficient_user_authentication` with `acr_values` in the challenge.
   */
  requiredAcr?: readonly string[];
  /**
   * Step-up (RFC 9470): the user must have authenticated at most this many seconds ago
   * (`auth_time`), else 401 `insufficient_user_authentication` with `max_age`.
   */
  maxAge?: number;
}

/** The 401 `invalid_token` answer; `reason` is for logs only. */
export const invalidToken = (reason: string, cause?: unknown): GuardError =>
  new GuardError(401, 'invalid_token', 'The access token is invalid', reason, { cause });

/** The 503 answer when the guard cannot decide (issuer or keys unreachable). */
export const unavailable = (reason: string, cause?: unknown): GuardError =>
  new GuardError(503, undefined, 'The authorization service is unavailable', reason, { cause });

/** Map a verification failure to an RFC 6750 answer, keeping the cause for logs only. */
export function toGuardError(e: unknown): GuardError {
  if (e instanceof GuardError) return e;
  if (!isJoseError(e)) throw e;
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new GuardError(401, 'invalid_token', 'The access token expired', e.code, { cause: e });
    case 'ERR_JWKS_FETCH_FAILED':
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      // No usable keys at all: the guard cannot decide, which is not the client's fault.
      return unavailable(e.code, e);
    default:
      return invalidToken(e.code, e);
  }
}

/** The auth context of a verified payload (RFC 9068 §2.2 claim types checked). */
export function contextOf(payload: JwtPayload): AuthContext {
  const clientId = payload['client_id'];
  const scope = payload['scope'];
  const roles = payload['roles'];
  if (typeof clientId !== 'string' || clientId.length === 0) throw invalidToken('client_id');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw invalidToken('sub');
  if (scope !== undefined && typeof scope !== 'string') throw invalidToken('scope');
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))) {
    throw invalidToken('roles');
  }
  return Object.freeze({
    subject: payload.sub,
    clientId,
    // RFC 9068 §2.2.3 / RFC 6749 §3.3: space-delimited scope tokens.
    scopes: Object.freeze(scope === undefined ? [] : scope.split(' ').filter((s) => s.length > 0)),
    roles: Object.freeze(roles === undefined ? [] : [...(roles as string[])]),
    // The payload is this verification's own object (or the cache's frozen one): freeze in place.
    claims: Object.freeze(payload),
  });
}

/**
 * Throw a 403 `insufficient_scope` unless `auth` carries every scope of `requiredScopes` and of
 * the requirement, and at least one of the requirement's roles (RFC 6750 §3.1).
 */
export function checkRequirement(
  auth: AuthContext,
  config: RequirementConfig,
  requirement?: Requirement,
): void {
  const requiredScopes = config.requiredScopes;
  const scopes = requirement?.scopes;
  const granted = auth.scopes;
  let ok = true;
  for (const s of requiredScopes) if (!granted.includes(s)) ok = false;
  if (scopes !== undefined) for (const s of scopes) if (!granted.includes(s)) ok = false;
  if (!ok) {
    throw new GuardError(
      403,
      'insufficient_scope',
      'The access token does not grant the required scope',
      'scope',
      { scope: [...new Set([...requiredScopes, ...(scopes ?? [])])] },
    );
  }
  const roles = requirement?.roles;
  if (roles !== undefined && roles.length > 0 && !roles.some((r) => auth.roles.includes(r))) {
    throw new GuardError(
      403,
      'insufficient_scope',
      'The access token does not grant the required role',
      'role',
    );
  }
  if (requirement?.requiredAcr !== undefined || requirement?.maxAge !== undefined)
    checkAuthentication(auth, config, requirement.requiredAcr, requirement.maxAge);
}

/**
 * RFC 9470 §3: a token whose `acr` is not one the route accepts, or whose `auth_time` is older
 * than `maxAge` seconds (or missing), is refused with 401 `insufficient_user_authentication`; the
 * challenge names what the next authorization request should ask for. The age is measured on the
 * clock `exp` is checked against (`currentDate`, else the system clock) and allows the same
 * `clockTolerance`: either way, so an `auth_time` further in the future than that is refused too.
 */
function checkAuthentication(
  auth: AuthContext,
  config: RequirementConfig,
  requiredAcr: readonly string[] | undefined,
  maxAge: number | undefined,
): void {
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0))
    throw optionsError('maxAge must be a whole number of seconds, 0 or more');
  const acr = auth.claims['acr'];
  const authTime = auth.claims['auth_time'];
  const acrOk =
    requiredAcr === undefined ||
    requiredAcr.length === 0 ||
    (typeof acr === 'string' && requiredAcr.includes(acr));
  const ageOk = maxAge === undefined || recentEnough(authTime, maxAge, config);
  if (acrOk && ageOk) return;
  throw new GuardError(
    401,
    'insufficient_user_authentication',
    acrOk
      ? 'A more recent authentication is required'
      : 'A different authentication level is required',
    acrOk ? 'max_age' : 'acr',
    {
      stepUp: {
        ...(requiredAcr !== undefined && requiredAcr.length > 0 ? { acrValues: requiredAcr } : {}),
        ...(maxAge !== undefined ? { maxAge } : {}),
      },
    },
  );
}

function recentEnough(authTime: unknown, maxAge: number, config: RequirementConfig): boolean {
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) return false;
  const now = Math.floor((config.verify.currentDate?.getTime() ?? Date.now()) / 1000);
  const tolerance = config.clockToleranceSeconds;
  const age = now - authTime;
  return age <= maxAge + tolerance && age >= -tolerance;
}
