/**
 * The fetch standard's side of the guard: a `Request` in, an RFC 6750 answer as a `Response`
 * out. Nothing here needs more than `Request`, `Response` and `Headers`, so it runs on Node.js,
 * Bun, Deno, Cloudflare Workers and in service workers alike.
 */
import { guardErrorResponse, type BearerInput, type GuardError } from './bearer.js';

/** The request target (path and query) of an absolute request URL: where RFC 6750 §2.3 looks. */
function targetOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '/' : `/${url.slice(q)}`;
}

/**
 * The parts of a fetch `Request` the guard reads: `Authorization`, `Cookie` (only when a cookie
 * name is configured) and the query string. Never the body.
 */
export function bearerInputOfRequest(request: Request, readCookie: boolean): BearerInput {
  const headers = request.headers;
  const dpop = headers.get('dpop');
  const url = request.url;
  const input: BearerInput = {
    authorization: headers.get('authorization') ?? undefined,
    cookie: readCookie ? (headers.get('cookie') ?? undefined) : undefined,
    url: targetOf(url),
  };
  if (dpop !== null) {
    input.method = request.method;
    input.dpop = dpop;
    // An absolute request URL: scheme://authority is everything before the third slash.
    const slash = url.indexOf('/', url.indexOf('//') + 2);
    input.origin = slash === -1 ? url : url.slice(0, slash);
    input.url = slash === -1 ? '/' : url.slice(slash);
  }
  return input;
}

/** A {@link GuardError} as a fetch `Response` (status, `WWW-Authenticate`, no-store, JSON). */
export function guardErrorToResponse(error: GuardError, realm?: string): Response {
  const r = guardErrorResponse(error, realm);
  return new Response(r.body, { status: r.status, headers: r.headers });
}
