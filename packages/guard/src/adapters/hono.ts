import { guardErrorResponse, isGuardError } from '../bearer.js';
import type { AuthContext, Guard, Requirement } from '../guard.js';

/** The parts of a Hono context the middleware uses (structural: no dependency on Hono). */
export interface HonoContextLike {
  req: { header(name: string): string | undefined; url: string };
  set(key: 'auth', value: AuthContext): void;
}

/**
 * Hono middleware: `c.get('auth')` holds the auth context; failures are answered per RFC 6750
 * with a `Response` (runs on any Hono runtime that has `fetch` types).
 *
 * @example
 * app.get('/orders', honoGuard(guard, { scopes: ['orders:read'] }), (c) => c.json({ sub: c.get('auth').subject }));
 */
export function honoGuard(
  guard: Guard,
  requirement?: Requirement,
): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  return async (c, next) => {
    let auth: AuthContext;
    try {
      const url = c.req.url;
      const q = url.indexOf('?');
      auth = await guard.authenticate(
        {
          authorization: c.req.header('authorization'),
          cookie: c.req.header('cookie'),
          url: q === -1 ? '/' : `/${url.slice(q)}`,
        },
        requirement,
      );
    } catch (e) {
      if (!isGuardError(e)) throw e;
      const r = guardErrorResponse(e, guard.realm);
      return new Response(r.body, { status: r.status, headers: r.headers });
    }
    c.set('auth', auth);
    await next();
    return undefined;
  };
}
