import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGuardError } from '../bearer.js';
import type { AuthContext, Guard, Requirement } from '../guard.js';
import { bearerInputOf, sendGuardError } from './node-http.js';
import { optionsError } from '../errors.js';

declare global {
  // Express's own merge point (as in @types/express-serve-static-core): every Express `Request`
  // gets `auth`, set by `expressGuard`. Harmless when Express is not installed.
  namespace Express {
    interface Request {
      /** The verified access token's context; set by `expressGuard` on the routes it guards. */
      auth?: AuthContext;
    }
  }
}

/**
 * Express middleware (typed structurally: Express requests and responses are node:http ones, so
 * `@tessera/guard` has no dependency on Express). Sets `req.auth`; failures are answered per
 * RFC 6750; any other error goes to `next(err)`.
 *
 * @example
 * app.get('/orders', expressGuard(guard, { scopes: ['orders:read'] }), (req, res) => res.json({ sub: expressAuth(req).subject }));
 */
export function expressGuard(
  guard: Guard,
  requirement?: Requirement,
): (
  req: IncomingMessage & { auth?: AuthContext; originalUrl?: string; protocol?: string },
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void {
  return (req, res, next) => {
    const input = bearerInputOf(req);
    // Express rewrites req.url under a mount path; the query string is in originalUrl.
    if (req.originalUrl !== undefined) input.url = req.originalUrl;
    // Express knows the scheme behind a trusted proxy (`trust proxy`); a configured dpop.origin wins.
    if (input.dpop !== undefined && req.protocol !== undefined && req.headers.host !== undefined)
      input.origin = `${req.protocol}://${req.headers.host}`;
    const fail = (e: unknown) => {
      if (isGuardError(e)) sendGuardError(res, e, guard.realm);
      else next(e);
    };
    let auth: AuthContext | Promise<AuthContext>;
    try {
      auth = guard.authenticateFast(input, requirement);
    } catch (e) {
      fail(e);
      return;
    }
    if (auth instanceof Promise) {
      auth.then((a) => {
        req.auth = a;
        next();
      }, fail);
      return;
    }
    req.auth = auth;
    next();
  };
}

/**
 * The auth context of a request that `expressGuard` let through, typed non-optional. Throws when
 * the guard did not run for this route (a wiring mistake, never a client error).
 *
 * @example
 * app.get('/me', expressGuard(guard), (req, res) => res.json({ sub: expressAuth(req).subject }));
 */
export function expressAuth(req: { auth?: AuthContext | undefined }): AuthContext {
  if (req.auth === undefined)
    throw optionsError('expressAuth: no auth context; put expressGuard(guard) before this handler');
  return req.auth;
}
