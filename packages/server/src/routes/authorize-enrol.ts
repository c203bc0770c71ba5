import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { AuthorizationRequest } from '../authorization-request.js';
import { startBrowserSession } from '../browser-sessions.js';
import type { IssuerContext } from '../context.js';
import { formParams } from '../form.js';
import {
  continueInteraction,
  findInteraction,
  type InteractionForm,
  type PendingEnrolment,
  type SignedInContinuation,
} from '../interactions.js';
import {
  confirmTotp,
  enrolTotp,
  MfaError,
  pendingTotp,
  type MfaSubkeyDeps,
  type PendingTotp,
} from '../mfa/mfa-admin.js';
import { mfaPolicyFor } from '../mfa/policy.js';
import { hasSecondFactor } from '../mfa/second-factor.js';
import {
  enrolOfferPage,
  enrolPage,
  recoveryCodesPage,
  type EnrolPageInput,
} from '../pages/enrol-page.js';
import { sendPage } from '../pages/html.js';
import type { ClientRow, UserRow } from '../stores/store.js';
import { afterLogin, formError, formTargets } from './authorize.js';

const depsOf = (ctx: IssuerContext): MfaSubkeyDeps => ({
  store: ctx.store,
  secrets: ctx.mfaSecrets,
  audit: ctx.audit,
  now: ctx.config.now,
});

/** The sign-in waiting behind the offer or the enrolment page. */
function pendingOf(
  ctx: IssuerContext,
  client: ClientRow,
  req: AuthorizationRequest,
  user: UserRow,
  required: boolean,
  factorId: string | null,
): PendingEnrolment {
  return {
    clientId: client.id,
    enrol: { userId: user.id, passwordAt: ctx.nowSeconds(), required, factorId },
    request: req,
  };
}

/**
 * After a right password for a user without a second factor: under the client's (else the
 * issuer's) policy, `optional` offers enrolment and `required` starts it — no session and no
 * code before the first TOTP code confirms it. Undefined under `off`: a password sign-in.
 */
export async function enrolAfterPassword(
  ctx: IssuerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  o: { client: ClientRow; req: AuthorizationRequest; idHash: string; user: UserRow },
): Promise<FastifyReply | undefined> {
  const policy = mfaPolicyFor(ctx.config.mfa, o.client);
  if (policy === 'off') return undefined;
  if (policy === 'required') return startEnrolment(ctx, request, reply, { ...o, required: true });
  const next = await continueInteraction(
    ctx,
    request,
    reply,
    o.idHash,
    pendingOf(ctx, o.client, o.req, o.user, false, null),
  );
  return sendPage(
    reply,
    200,
    enrolOfferPage({ branding: ctx.config.branding, clientName: o.client.name, ...next }),
    { formAction: formTargets(o.req) },
  );
}

async function startEnrolment(
  ctx: IssuerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  o: {
    client: ClientRow;
    req: AuthorizationRequest;
    idHash: string;
    user: UserRow;
    required: boolean;
  },
): Promise<FastifyReply> {
  const pending = await enrolTotp(depsOf(ctx), o.user.username, {
    issuer: ctx.config.branding.name,
  });
  const next = await continueInteraction(
    ctx,
    request,
    reply,
    o.idHash,
    pendingOf(ctx, o.client, o.req, o.user, o.required, pending.factorId),
  );
  return showEnrolment(ctx, reply, 200, { ...o, pending, form: next });
}

async function showEnrolment(
  ctx: IssuerContext,
  reply: FastifyReply,
  status: number,
  o: {
    client: ClientRow;
    req: AuthorizationRequest;
    required: boolean;
    pending: PendingTotp;
    form: InteractionForm;
    error?: EnrolPageInput['error'];
  },
): Promise<FastifyReply> {
  // The QR code is drawn by the library as SVG markup (no script, no image request): inline, so
  // the CSP needs nothing new.
  const qrSvg = await QRCode.toString(o.pending.uri, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
  });
  return sendPage(
    reply,
    status,
    enrolPage({
      branding: ctx.config.branding,
      clientName: o.client.name,
      required: o.required,
      qrSvg,
      secret: o.pending.secret,
      minutesLeft: Math.max(1, Math.ceil((o.pending.expiresAt - ctx.nowSeconds()) / 60)),
      ...o.form,
      ...(o.error !== undefined ? { error: o.error } : {}),
    }),
    { formAction: formTargets(o.req) },
  );
}

/** The pending sign-in a form names, still valid: its client and user as they are now. */
async function loadPending(
  ctx: IssuerContext,
  request: FastifyRequest,
  form: Record<string, string>,
) {
  const found = await findInteraction<PendingEnrolment>(ctx, request, form, 'enrol');
  if (!found.ok) return found;
  const { req: pending, idHash } = found;
  const client = await ctx.store.findClient(pending.request.clientId);
  const user = await ctx.store.findUserById(pending.enrol.userId);
  // Disabled meanwhile, or a factor was enrolled elsewhere (the code page asks for it then).
  if (
    client === undefined ||
    client.disabled === 1 ||
    user === undefined ||
    user.disabled === 1 ||
    (await hasSecondFactor(ctx, user.id))
  )
    return { ok: false as const, why: 'expired' as const };
  return { ok: true as const, pending, idHash, client, user };
}

/** `POST /authorize/enrol/offer` (the offer's choice) and `POST /authorize/enrol` (the first code). */
export function registerAuthorizeEnrolment(app: FastifyInstance, ctx: IssuerContext): void {
  app.post('/authorize/enrol/offer', async (request, reply) => {
    const form = formParams(request);
    const p = await loadPending(ctx, request, form);
    if (!p.ok) return formError(ctx, reply, p.why);
    const { pending, idHash, client, user } = p;
    const req = pending.request;
    // The offer's choice; "Not now" also from an optional enrolment page. Never when required.
    if (pending.enrol.required) return formError(ctx, reply, 'expired');
    if (form['decision'] === 'setup' && pending.enrol.factorId === null)
      return startEnrolment(ctx, request, reply, { client, req, idHash, user, required: false });
    if (form['decision'] !== 'skip') return formError(ctx, reply, 'expired');
    // Not now: a password sign-in, as under `off`.
    const row = await startBrowserSession(ctx, reply, user, ['pwd']);
    await ctx.audit.record({
      type: 'login.succeeded',
      subject: user.id,
      clientId: client.id,
      ip: request.ip,
      detail: { sid: row.id, via: 'login_page', enrolment: 'skipped' },
    });
    return afterLogin(ctx, request, reply, client, req, { row, user }, false, idHash);
  });

  app.post('/authorize/enrol', async (request, reply) => {
    const form = formParams(request);
    const p = await loadPending(ctx, request, form);
    if (!p.ok) return formError(ctx, reply, p.why);
    const { pending, idHash, client, user } = p;
    const req = pending.request;
    const factorId = pending.enrol.factorId;
    const deps = depsOf(ctx);
    const shown =
      factorId === null
        ? undefined
        : await pendingTotp(deps, user.username, { issuer: ctx.config.branding.name });
    // Expired, replaced by another enrolment, or never started: this page is void.
    if (shown === undefined || shown.factorId !== factorId) return formError(ctx, reply, 'expired');
    let recoveryCodes: string[];
    try {
      ({ recoveryCodes } = await confirmTotp(deps, user.username, form['code'] ?? '', {
        factorId,
      }));
    } catch (e) {
      if (!(e instanceof MfaError)) throw e;
      if (e.code === 'not_enrolled' || e.code === 'enrolment_expired')
        return formError(ctx, reply, 'expired');
      const next = await continueInteraction(ctx, request, reply, idHash, pending);
      const blocked = e.code === 'too_many_attempts';
      if (blocked) reply.header('retry-after', String(e.retryAfter ?? 1));
      return showEnrolment(ctx, reply, blocked ? 429 : e.code === 'malformed_code' ? 400 : 401, {
        client,
        req,
        required: pending.enrol.required,
        pending: shown,
        form: next,
        error: blocked
          ? { blocked: e.retryAfter ?? 1 }
          : e.code === 'malformed_code'
            ? 'malformed'
            : 'wrong',
      });
    }
    // The first code was a TOTP verification (RFC 6238) after the password: an MFA sign-in.
    const amr = ['pwd', 'otp', 'mfa'];
    const row = await startBrowserSession(ctx, reply, user, amr);
    await ctx.audit.record({
      type: 'login.succeeded',
      subject: user.id,
      clientId: client.id,
      ip: request.ip,
      detail: { sid: row.id, via: 'login_page', amr, enrolment: 'totp' },
    });
    const then: SignedInContinuation = {
      clientId: client.id,
      signedIn: { sid: row.id },
      request: req,
    };
    const next = await continueInteraction(ctx, request, reply, idHash, then);
    return sendPage(
      reply,
      200,
      recoveryCodesPage({ branding: ctx.config.branding, codes: recoveryCodes, ...next }),
      { formAction: formTargets(req) },
    );
  });
}
