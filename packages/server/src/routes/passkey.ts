import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentBrowserSession, startBrowserSession } from '../browser-sessions.js';
import type { IssuerContext } from '../context.js';
import { formParams } from '../form.js';
import {
  continueInteraction,
  findInteraction,
  type PendingSecondFactor,
  type SignedInContinuation,
} from '../interactions.js';
import {
  PasskeyError,
  verifyPasskeyAssertion,
  verifyPasskeyRegistration,
} from '../mfa/passkeys.js';
import { passkeyStatus } from '../mfa/passkey-errors.js';
import { afterLogin, formError, sendLogin, sendPasskeyOffer, sendSecondStep } from './authorize.js';

async function refused(
  ctx: IssuerContext,
  request: FastifyRequest,
  e: unknown,
  ceremony: 'register' | 'login' | 'second_factor',
  o: { subject?: string; clientId: string },
): Promise<PasskeyError> {
  if (!(e instanceof PasskeyError)) throw e;
  await ctx.audit.record({
    type: 'passkey.refused',
    ...(o.subject !== undefined ? { subject: o.subject } : {}),
    clientId: o.clientId,
    ip: request.ip,
    detail: { ceremony, why: e.code },
  });
  return e;
}

/**
 * The passkey steps of the hosted login (WebAuthn Level 3): sign in without a password
 * (`POST /authorize/passkey`), a passkey as the second factor after the password
 * (`POST /authorize/passkey/second-factor`), and adding a passkey after a sign-in
 * (`POST /authorize/passkey/register`). Registered only when `passkeys` is configured.
 */
export function registerPasskeyRoutes(app: FastifyInstance, ctx: IssuerContext): void {
  if (ctx.config.passkeys === undefined) return;

  app.post('/authorize/passkey', async (request, reply) => {
    const form = formParams(request);
    const found = await findInteraction(ctx, request, form);
    if (!found.ok) return formError(ctx, reply, found.why);
    const { req, idHash } = found;
    const client = await ctx.store.findClient(req.clientId);
    if (client === undefined || client.disabled === 1) return formError(ctx, reply, 'expired');
    let assertion;
    try {
      assertion = await verifyPasskeyAssertion(ctx, form['credential'], idHash);
    } catch (e) {
      const err = await refused(ctx, request, e, 'login', { clientId: client.id });
      const next = await continueInteraction(ctx, request, reply, idHash, req);
      return sendLogin(ctx, reply, passkeyStatus(err), client, req, next, {
        error: { passkey: err.code },
      });
    }
    // RFC 8176: the key's kind, and "mfa": user verification (biometric or PIN) on top of
    // possession of the authenticator is two factors.
    const amr = [assertion.method, 'mfa'];
    const row = await startBrowserSession(ctx, reply, assertion.user, amr);
    await ctx.audit.record({
      type: 'login.succeeded',
      subject: assertion.user.id,
      clientId: client.id,
      ip: request.ip,
      detail: { sid: row.id, via: 'passkey', amr },
    });
    const session = { row, user: assertion.user };
    return afterLogin(ctx, request, reply, client, req, session, false, idHash);
  });

  app.post('/authorize/passkey/second-factor', async (request, reply) => {
    const form = formParams(request);
    const found = await findInteraction<PendingSecondFactor>(ctx, request, form, 'mfa');
    if (!found.ok) return formError(ctx, reply, found.why);
    const { req: pending, idHash } = found;
    const client = await ctx.store.findClient(pending.request.clientId);
    const user = await ctx.store.findUserById(pending.mfa.userId);
    if (client === undefined || client.disabled === 1 || user === undefined || user.disabled === 1)
      return formError(ctx, reply, 'expired');
    let assertion;
    try {
      assertion = await verifyPasskeyAssertion(ctx, form['credential'], idHash, user.id);
    } catch (e) {
      const err = await refused(ctx, request, e, 'second_factor', {
        subject: user.id,
        clientId: client.id,
      });
      const next = await continueInteraction(ctx, request, reply, idHash, pending);
      return sendSecondStep(ctx, reply, passkeyStatus(err), client, pending, next, {
        passkey: err.code,
      });
    }
    const amr = ['pwd', assertion.method, 'mfa'];
    const row = await startBrowserSession(ctx, reply, user, amr);
    await ctx.audit.record({
      type: 'login.succeeded',
      subject: user.id,
      clientId: client.id,
      ip: request.ip,
      detail: { sid: row.id, via: 'login_page', amr },
    });
    return afterLogin(ctx, request, reply, client, pending.request, { row, user }, false, idHash);
  });

  app.post('/authorize/passkey/register', async (request, reply) => {
    const form = formParams(request);
    const found = await findInteraction<SignedInContinuation>(ctx, request, form, 'continue');
    if (!found.ok) return formError(ctx, reply, found.why);
    const { req: then, idHash } = found;
    const client = await ctx.store.findClient(then.clientId);
    const session = await currentBrowserSession(ctx, request);
    if (
      client === undefined ||
      client.disabled === 1 ||
      session === undefined ||
      session.row.id !== then.signedIn.sid
    )
      return formError(ctx, reply, 'expired');
    try {
      const row = await verifyPasskeyRegistration(ctx, form['credential'], idHash, session.user);
      await ctx.audit.record({
        type: 'passkey.registered',
        subject: session.user.id,
        clientId: client.id,
        ip: request.ip,
        detail: {
          amr: row.backup_eligible === 1 ? 'swk' : 'hwk',
          transports: JSON.parse(row.transports) as unknown,
        },
      });
    } catch (e) {
      const err = await refused(ctx, request, e, 'register', {
        subject: session.user.id,
        clientId: client.id,
      });
      return sendPasskeyOffer(ctx, request, reply, client, then, idHash, session.user, err);
    }
    return afterLogin(ctx, request, reply, client, then.request, session, false, idHash);
  });
}
