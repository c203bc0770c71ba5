import type { FastifyRequest } from 'fastify';
import { invalidRequest } from './oauth-error.js';

/** Longest value accepted for any one form parameter (tokens, usernames, scopes). */
export const MAX_PARAM_LENGTH = 4096;

/**
 * The request's form parameters as single strings. RFC 6749 §3.1/§3.2: the body is
 * `application/x-www-form-urlencoded` and a parameter MUST NOT appear more than once.
 */
export function formParams(request: FastifyRequest): Record<string, string> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    throw invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  const body = request.body;
  if (typeof body !== 'object' || body === null) throw invalidRequest('the body is missing');
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v !== 'string') throw invalidRequest(`parameter ${k.slice(0, 40)} is repeated`);
    if (v.length > MAX_PARAM_LENGTH)
      throw invalidRequest(`parameter ${k.slice(0, 40)} is too long`);
    if (v.length > 0) out[k] = v; // RFC 6749 §3.1: parameters sent without a value are omitted
  }
  return out;
}
