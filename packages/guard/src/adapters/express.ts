import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGuardError } from '../bearer.js';
import type { AuthContext, Guard, Requirement } from '../guard.js';
import { bearerInputOf, sendGuardError } from './node-http.js';

/**
 * Express middleware (typed structurally: Express requests and responses are node:http ones, so
 * `@tessera/guard` has no dependency on Express). Sets `req.auth`; failures are answered per
 * RFC 6750; any other error goes to `next(err)`.
 *
 * @example
 * app.get('/orders', expressGuard(guard, { scopes: ['orders:read'] }), (req, res) => res.json({ sub: req.auth.subject }));
 */
export function expressGuard(
  guard: Guard,
  requirement?: Requirement,
): (
  req: IncomingMessage & { auth?: AuthContext; originalUrl?: string },
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void {
  return (req, res, next) => {
    const input = bearerInputOf(req);
    // Express rewrites req.url under a mount path; the query string is in originalUrl.
    if (req.originalUrl !== undefined) input.url = req.originalUrl;
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
