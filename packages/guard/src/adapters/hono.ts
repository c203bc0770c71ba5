import type { AuthContext, Guard, Requirement } from '../guard.js';

/** The parts of a Hono context the middleware uses (structural: no dependency on Hono). */
export interface HonoContextLike {
  req: { raw: Request };
  set(key: 'auth', value: AuthContext): void;
}

/**
 * Hono middleware over the guard's fetch entry ({@link Guard.verifyRequest}): `c.get('auth')`
 * holds the auth context; failures are answered per RFC 6750 with a `Response`. Runs wherever
 * Hono runs (Node.js, Bun, Deno, Cloudflare Workers).
 *
 * @example
 * app.get('/orders', honoGuard(guard, { scopes: ['orders:read'] }), (c) => c.json({ sub: c.get('auth').subject }));
 */
export function honoGuard(
  guard: Guard,
  requirement?: Requirement,
): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  return async (c, next) => {
    const auth = await guard.verifyRequest(c.req.raw, requirement);
    if (auth instanceof Response) return auth;
    c.set('auth', auth);
    await next();
    return undefined;
  };
}
