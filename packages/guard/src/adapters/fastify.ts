import { guardErrorResponse, isGuardError } from '../bearer.js';
import type { AuthContext, Guard, Requirement } from '../guard.js';

/** The parts of a Fastify request the hook uses (structural: no dependency on Fastify). */
export interface FastifyRequestLike {
  headers: Record<string, string | string[] | undefined>;
  url: string;
  method?: string;
  /** `http` or `https` (Fastify's `request.protocol`, proxy-aware with `trustProxy`). */
  protocol?: string;
  auth?: AuthContext | null;
}

/** The parts of a Fastify reply the hook uses. */
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: string): FastifyReplyLike;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  decorateRequest(name: string, value: null): unknown;
  decorate(name: string, value: unknown): unknown;
}

/** A Fastify callback-style hook (`onRequest` or `preHandler`). */
export type FastifyAuthHook = (
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
  done: (err?: Error) => void,
) => void;

const one = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join('; ') : v;

/**
 * A Fastify `onRequest`/`preHandler` hook: sets `request.auth` or answers per RFC 6750. It is
 * callback-style so a request whose keys are cached costs no promise.
 *
 * @example
 * app.get('/orders', { onRequest: fastifyAuth(guard, { scopes: ['orders:read'] }) }, (req) => ({ sub: req.auth.subject }));
 */
export function fastifyAuth(guard: Guard, requirement?: Requirement): FastifyAuthHook {
  return (request, reply, done) => {
    const fail = (e: unknown): void => {
      if (!isGuardError(e)) {
        done(e instanceof Error ? e : new Error('authentication failed'));
        return;
      }
      const r = guardErrorResponse(e, guard.realm);
      reply.code(r.status).headers(r.headers).send(r.body);
    };
    let auth: AuthContext | Promise<AuthContext>;
    try {
      auth = guard.authenticateFast(
        request.headers['dpop'] === undefined
          ? {
              authorization: one(request.headers['authorization']),
              cookie: one(request.headers['cookie']),
              url: request.url,
            }
          : {
              authorization: one(request.headers['authorization']),
              cookie: one(request.headers['cookie']),
              url: request.url,
              method: request.method,
              dpop: ([] as string[]).concat(request.headers['dpop']).join(', '),
              origin: `${request.protocol ?? 'http'}://${one(request.headers['host']) ?? ''}`,
            },
        requirement,
      );
    } catch (e) {
      fail(e);
      return;
    }
    if (auth instanceof Promise) {
      auth.then((a) => {
        request.auth = a;
        done();
      }, fail);
      return;
    }
    request.auth = auth;
    done();
  };
}

export interface FastifyGuardOptions {
  guard: Guard;
}

/**
 * A Fastify plugin: decorates requests with `auth` and the instance with
 * `requireAuth(requirement?)`, which returns a hook for a route's `onRequest`. It is not
 * encapsulated (like plugins wrapped by fastify-plugin), so the decorators reach every route.
 *
 * @example
 * await app.register(fastifyGuard, { guard });
 * app.get('/orders', { onRequest: app.requireAuth({ scopes: ['orders:read'] }) }, (req) => req.auth);
 */
export const fastifyGuard = Object.assign(
  async function fastifyGuard(
    instance: FastifyInstanceLike,
    options: FastifyGuardOptions,
  ): Promise<void> {
    const { guard } = options;
    instance.decorateRequest('auth', null);
    instance.decorate('requireAuth', (requirement?: Requirement) =>
      fastifyAuth(guard, requirement),
    );
  },
  {
    // fastify-plugin's contract without the dependency: skip encapsulation, name the plugin.
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@tessera/guard',
  },
);
