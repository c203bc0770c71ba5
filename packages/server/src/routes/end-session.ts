import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyJwt, type JwsAlg } from '@tessera/jose';
import { sendBackchannelLogout, type BackchannelOptions } from '../backchannel-logout.js';
import { clearBrowserSessionCookie, currentBrowserSession } from '../browser-sessions.js';
import { isValidClientId } from '../clients.js';
import type { IssuerContext } from '../context.js';
import { formParams, MAX_PARAM_LENGTH } from '../form.js';
import { idTokenAlgorithms } from '../id-tokens.js';
import { findInteraction, startInteraction } from '../interactions.js';
import { errorPage } from '../pages/error-page.js';
import { formActionSource, sendPage } from '../pages/html.js';
import { loggedOutPage, logoutConfirmPage, stayedPage } from '../pages/logout-page.js';
import type { ClientRow } from '../stores/store.js';

interface LogoutRequest extends Record<string, string | undefined> {
  readonly clientId?: string;
  readonly postLogoutRedirectUri?: string;
  readonly state?: string;
}

function params(request: FastifyRequest): Record<string, string> {
  if (request.method === 'POST') return formParams(request);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries((request.query as Record<string, unknown>) ?? {})) {
    if (typeof v === 'string' && v.length > 0 && v.length <= MAX_PARAM_LENGTH) out[k] = v;
  }
  return out;
}

/** End a browser session: families revoked, `sid` on the revocation feed, back-channel notices. */
export async function endBrowserSession(
  ctx: IssuerContext,
  sid: string,
  sub: string,
  ip: string,
  backchannel?: BackchannelOptions,
): Promise<void> {
  const now = ctx.nowSeconds();
  const clientIds = await ctx.store.endBrowserSession(sid, now);
  if (clientIds === undefined) return;
  await ctx.store.addRevocation(
    'sid',
    sid,
    now + ctx.config.accessTokenTtl + ctx.config.clockTolerance,
    now,
  );
  await ctx.audit.record({
    type: 'session.ended',
    subject: sub,
    ip,
    detail: { sid, reason: 'rp_logout' },
  });
  const clients = (await Promise.all(clientIds.map((id) => ctx.store.findClient(id)))).filter(
    (c): c is ClientRow => c !== undefined,
  );
  void sendBackchannelLogout(ctx, clients, { sub, sid }, backchannel);
}

/**
 * OIDC RP-Initiated Logout 1.0: `GET|POST /end-session` with `id_token_hint`,
 * `post_logout_redirect_uri` (registered ones only, exact match), `state`, `client_id`.
 */
export function registerEndSession(
  app: FastifyInstance,
  ctx: IssuerContext,
  backchannel?: BackchannelOptions,
): void {
  const showError = (reply: FastifyReply, description: string) =>
    sendPage(reply, 400, errorPage(ctx.config.branding, { code: 'invalid_request', description }));

  const finish = async (reply: FastifyReply, req: LogoutRequest): Promise<FastifyReply> => {
    clearBrowserSessionCookie(ctx, reply);
    if (req.postLogoutRedirectUri !== undefined) {
      const url = new URL(req.postLogoutRedirectUri);
      if (req.state !== undefined) url.searchParams.append('state', req.state);
      return reply
        .code(303)
        .header('location', url.toString())
        .header('cache-control', 'no-store')
        .send();
    }
    return sendPage(reply, 200, loggedOutPage(ctx.config.branding));
  };

  const endSession = async (request: FastifyRequest, reply: FastifyReply) => {
    const p = params(request);
    let hintSid: string | undefined;
    let clientId = p['client_id'];
    if (p['id_token_hint'] !== undefined) {
      let claims;
      try {
        // §2: the OP should accept an expired hint; the signature and issuer must hold.
        claims = verifyJwt(p['id_token_hint'], ctx.keys.current.keySet, {
          algorithms: idTokenAlgorithms(ctx) as JwsAlg[],
          issuer: ctx.config.issuer,
          clockTolerance: ctx.config.browserSessionMaxAge,
          currentDate: new Date(ctx.config.now()),
        }).payload;
      } catch {
        return showError(reply, 'id_token_hint is not an ID token of this issuer');
      }
      const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
      if (clientId !== undefined && clientId !== aud)
        return showError(reply, 'client_id does not match id_token_hint');
      clientId = aud;
      hintSid = typeof claims['sid'] === 'string' ? claims['sid'] : undefined;
    }
    let client: ClientRow | undefined;
    if (clientId !== undefined) {
      client = isValidClientId(clientId) ? await ctx.store.findClient(clientId) : undefined;
      if (client === undefined) return showError(reply, 'the client is unknown');
    }
    const redirect = p['post_logout_redirect_uri'];
    if (redirect !== undefined) {
      // Exact match against the registered list only: never an open redirect (§3.1).
      const allowed =
        client === undefined ? [] : (JSON.parse(client.post_logout_redirect_uris) as string[]);
      if (!allowed.includes(redirect))
        return showError(reply, 'post_logout_redirect_uri is not registered for this client');
    }
    const req: LogoutRequest = {
      ...(client !== undefined ? { clientId: client.id } : {}),
      ...(redirect !== undefined ? { postLogoutRedirectUri: redirect } : {}),
      ...(p['state'] !== undefined && p['state'].length <= 2048 ? { state: p['state'] } : {}),
    };
    const session = await currentBrowserSession(ctx, request);
    if (session === undefined) return finish(reply, req);
    if (hintSid !== undefined && hintSid === session.row.id) {
      await endBrowserSession(ctx, session.row.id, session.user.id, request.ip, backchannel);
      return finish(reply, req);
    }
    // No hint for this session: ask the user (a forged link cannot sign them out).
    const form = await startInteraction(ctx, request, reply, {
      clientId: client?.id ?? '',
      logout: { ...req },
    });
    const targets =
      redirect === undefined
        ? []
        : [formActionSource(redirect)].filter((s): s is string => s !== undefined);
    return sendPage(
      reply,
      200,
      logoutConfirmPage(ctx.config.branding, {
        ...(client !== undefined ? { clientName: client.name } : {}),
        ...form,
      }),
      { formAction: targets },
    );
  };
  app.get('/end-session', endSession);
  app.post('/end-session', endSession);

  app.post('/end-session/confirm', async (request, reply) => {
    const form = formParams(request);
    const found = await findInteraction<{ clientId: string; logout: LogoutRequest }>(
      ctx,
      request,
      form,
      'logout',
    );
    if (!found.ok)
      return sendPage(
        reply,
        found.why === 'csrf' ? 403 : 400,
        errorPage(ctx.config.branding, {
          code: found.why === 'csrf' ? 'invalid_csrf_token' : 'invalid_request',
          description:
            found.why === 'csrf'
              ? 'the form token is missing or wrong'
              : 'the request expired or was used',
          kind: found.why,
        }),
      );
    await ctx.store.consumeAuthorizationRequest(found.idHash, ctx.nowSeconds());
    const req = found.req.logout;
    if (form['decision'] !== 'logout') return sendPage(reply, 200, stayedPage(ctx.config.branding));
    const session = await currentBrowserSession(ctx, request);
    if (session !== undefined)
      await endBrowserSession(ctx, session.row.id, session.user.id, request.ip, backchannel);
    return finish(reply, req);
  });
}
