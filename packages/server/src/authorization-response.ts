import type { FastifyReply } from 'fastify';
import type { IssuerContext } from './context.js';
import { formPostPage } from './pages/form-post-page.js';
import { formActionSource, sendPage } from './pages/html.js';

export interface ResponseTarget {
  readonly uri: string;
  readonly mode: 'query' | 'form_post';
  readonly state?: string;
}

/**
 * Send an authorization response (a code or an error) to a verified redirect URI: `iss` always
 * (RFC 9207 §2), `state` when the request had one; in the query (RFC 6749 §4.1.2) or as an
 * auto-submitted form (Form Post Response Mode).
 */
export function sendAuthorizationResponse(
  ctx: IssuerContext,
  reply: FastifyReply,
  target: ResponseTarget,
  params: Readonly<Record<string, string>>,
): FastifyReply {
  const all: Record<string, string> = {
    ...params,
    ...(target.state !== undefined ? { state: target.state } : {}),
    iss: ctx.config.issuer,
  };
  if (target.mode === 'form_post') {
    const source = formActionSource(target.uri);
    return sendPage(reply, 200, formPostPage(ctx.config.branding, target.uri, all), {
      formAction: source === undefined ? [] : [source],
      script: true,
    });
  }
  const url = new URL(target.uri);
  for (const [k, v] of Object.entries(all)) url.searchParams.append(k, v);
  return reply
    .code(303)
    .header('location', url.toString())
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send();
}
