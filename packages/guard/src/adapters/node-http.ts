import type { IncomingMessage, ServerResponse } from 'node:http';
import { guardErrorResponse, isGuardError, type BearerInput } from '../bearer.js';
import type { AuthContext, Guard, Requirement } from '../guard.js';

/** A request that passed the guard. */
export type AuthenticatedRequest<R extends IncomingMessage = IncomingMessage> = R & {
  auth: AuthContext;
};

const one = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join('; ') : v;

/**
 * The parts of a node:http request the guard reads (header, cookie, target; method, `DPoP` and
 * the origin the request came in on when it carries a proof).
 */
export function bearerInputOf(req: IncomingMessage): BearerInput {
  const dpop = req.headers['dpop'];
  if (dpop === undefined)
    return {
      authorization: req.headers.authorization,
      cookie: one(req.headers.cookie),
      url: req.url,
    };
  const tls = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return {
    authorization: req.headers.authorization,
    cookie: one(req.headers.cookie),
    url: req.url,
    method: req.method,
    dpop: Array.isArray(dpop) ? dpop.join(', ') : dpop,
    ...(req.headers.host !== undefined
      ? { origin: `${tls ? 'https' : 'http'}://${req.headers.host}` }
      : {}),
  };
}

/** Write a guard failure onto a node:http response (status, WWW-Authenticate, JSON body). */
export function sendGuardError(res: ServerResponse, error: unknown, realm?: string): void {
  if (!isGuardError(error)) throw error;
  const r = guardErrorResponse(error, realm);
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}

/**
 * Wrap a `node:http` handler: the request reaches `handler` only with a valid token that meets
 * `requirement`, with the auth context as `req.auth`. Failures are answered per RFC 6750.
 *
 * @example
 * const server = http.createServer(withGuard(guard, (req, res) => res.end(`hello ${req.auth.subject}`), { scopes: ['read'] }));
 */
export function withGuard<
  R extends IncomingMessage = IncomingMessage,
  S extends ServerResponse = ServerResponse,
>(
  guard: Guard,
  handler: (req: AuthenticatedRequest<R>, res: S) => unknown,
  requirement?: Requirement,
): (req: R, res: S) => void {
  const fail = (res: S, e: unknown) => {
    if (isGuardError(e)) sendGuardError(res, e, guard.realm);
    else serverError(res);
  };
  const run = (req: R, res: S, auth: AuthContext) => {
    (req as AuthenticatedRequest<R>).auth = auth;
    try {
      const out = handler(req as AuthenticatedRequest<R>, res);
      if (out instanceof Promise) out.catch(() => serverError(res));
    } catch {
      serverError(res);
    }
  };
  return (req, res) => {
    let auth: AuthContext | Promise<AuthContext>;
    try {
      auth = guard.authenticateFast(bearerInputOf(req), requirement);
    } catch (e) {
      fail(res, e);
      return;
    }
    if (auth instanceof Promise)
      auth.then(
        (a) => run(req, res, a),
        (e: unknown) => fail(res, e),
      );
    else run(req, res, auth);
  };
}

// An unexpected failure (not a GuardError, or thrown by the handler): never leak it.
function serverError(res: ServerResponse): void {
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"error":"server_error"}');
  } else res.destroy();
}
