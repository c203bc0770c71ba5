import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { issueAuthorizationCode } from '../authorization-codes.js';
import {
  AuthorizeError,
  resolveClientAndRedirect,
  validateAuthorizationRequest,
  type AuthorizationRequest,
} from '../authorization-request.js';
import { sendAuthorizationResponse } from '../authorization-response.js';
import {
  ACR,
  currentBrowserSession,
  startBrowserSession,
  type ActiveBrowserSession,
} from '../browser-sessions.js';
import type { IssuerContext } from '../context.js';
import { formParams, MAX_PARAM_LENGTH } from '../form.js';
import {
  continueInteraction,
  findInteraction,
  interactionIdHash,
  startInteraction,
  type PendingSecondFactor,
  type InteractionForm,
  type SignedInContinuation,
} from '../interactions.js';
import {
  checkSecondFactor,
  hasSecondFactor,
  type SecondFactorInput,
} from '../mfa/second-factor.js';
import { mfaPolicyFor } from '../mfa/policy.js';
import { confirmedTotp } from '../mfa/totp.js';
import { mfaPage, recoveryUsedPage, type MfaPageInput } from '../pages/mfa-page.js';
import { passkeyStatus, type PasskeyError, type PasskeyErrorCode } from '../mfa/passkey-errors.js';
import { OAuthError } from '../oauth-error.js';
import { consentPage } from '../pages/consent-page.js';
import { errorPage } from '../pages/error-page.js';
import { formActionSource, sendPage } from '../pages/html.js';
import { loginPage, type LoginPageInput } from '../pages/login-page.js';
import { checkPasswordLogin } from '../password-login.js';
import type { ClientRow, UserRow } from '../stores/store.js';
import { enrolAfterPassword, registerAuthorizeEnrolment } from './authorize-enrol.js';
import { PAR_URN_PREFIX } from './par.js';
import {
  hasPasskeys,
  loginPasskeyOptions,
  secondFactorPasskeyOptions,
  shouldOfferPasskey,
} from './passkey-steps.js';
import { passkeyOfferPage, passkeyStepPage } from '../pages/passkey-page.js';
import { registrationOptions } from '../mfa/passkeys.js';

function queryParams(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const q = request.query as Record<string, unknown>;
  for (const [k, v] of Object.entries(q ?? {})) {
    // RFC 6749 §3.1: parameters must not be repeated.
    if (typeof v !== 'string')
      throw new AuthorizeError('invalid_request', `${k.slice(0, 40)} is repeated`);
    if (v.length > MAX_PARAM_LENGTH)
      throw new AuthorizeError('invalid_request', `${k.slice(0, 40)} is too long`);
    if (v.length > 0) out[k] = v;
  }
  return out;
}

function showError(ctx: IssuerContext, reply: FastifyReply, e: AuthorizeError): FastifyReply {
  return sendPage(
    reply,
    400,
    errorPage(ctx.config.branding, { code: e.error, description: e.description }),
  );
}

/** Where a page's forms may submit and the redirects after them may go (CSP form-action). */
export function formTargets(req: AuthorizationRequest): string[] {
  const s = formActionSource(req.redirectUri);
  return s === undefined ? [] : [s];
}

async function loadPushed(
  ctx: IssuerContext,
  params: Record<string, string>,
): Promise<Record<string, string> | undefined> {
  const uri = params['request_uri'];
  if (uri === undefined) return undefined;
  const clientId = params['client_id'];
  const handle = uri.startsWith(PAR_URN_PREFIX) ? uri.slice(PAR_URN_PREFIX.length) : '';
  const idHash = createHash('sha256').update(handle).digest('base64url');
  const row = handle.length > 0 ? await ctx.store.findAuthorizationRequest(idHash) : undefined;
  // RFC 9126 §4: bound to the client that pushed it, short-lived and (§7.3) single use.
  if (
    row === undefined ||
    row.kind !== 'par' ||
    row.client_id !== clientId ||
    row.expires_at <= ctx.nowSeconds() ||
    !(await ctx.store.consumeAuthorizationRequest(idHash, ctx.nowSeconds()))
  )
    throw new AuthorizeError('invalid_request_uri', 'request_uri is unknown, expired or used');
  return JSON.parse(row.params) as Record<string, string>;
}

/** Render the login page for a parked request (fresh handle and token). */
async function showLogin(
  ctx: IssuerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  client: ClientRow,
  req: AuthorizationRequest,
): Promise<FastifyReply> {
  const form = await startInteraction(ctx, request, reply, req);
  return sendLogin(ctx, reply, 200, client, req, form, {
    ...(req.loginHint !== undefined ? { username: req.loginHint } : {}),
  });
}

/** The login page on `form` (with passkey sign-in when configured). */
export async function sendLogin(
  ctx: IssuerContext,
  reply: FastifyReply,
  status: number,
  client: ClientRow,
  req: AuthorizationRequest,
  form: InteractionForm,
  extra: Pick<LoginPageInput, 'username' | 'error'> = {},
): Promise<FastifyReply> {
  const passkeyOptions = await loginPasskeyOptions(ctx, client.id, form);
  return sendPage(
    reply,
    status,
    loginPage({
      branding: ctx.config.branding,
      clientName: client.name,
      ...form,
      ...extra,
      ...(passkeyOptions !== undefined ? { passkeyOptions } : {}),
    }),
    { formAction: formTargets(req), script: passkeyOptions !== undefined },
  );
}

/**
 * The second step after a right password for a user with a second factor: the code page (with a
 * passkey button when the user also has passkeys) or, for passkeys only, the passkey page.
 */
export async function sendSecondStep(
  ctx: IssuerContext,
  reply: FastifyReply,
  status: number,
  client: ClientRow,
  pending: PendingSecondFactor,
  form: InteractionForm,
  error?: MfaPageInput['error'] | { passkey: PasskeyErrorCode },
): Promise<FastifyReply> {
  const userId = pending.mfa.userId;
  const passkeyOptions = (await hasPasskeys(ctx, userId))
    ? await secondFactorPasskeyOptions(ctx, client.id, form, { id: userId })
    : undefined;
  const totp = (await confirmedTotp(ctx.store, userId)) !== undefined;
  const branding = ctx.config.branding;
  const page =
    !totp && passkeyOptions !== undefined
      ? passkeyStepPage({
          branding,
          clientName: client.name,
          ...form,
          options: passkeyOptions,
          ...(error !== undefined && typeof error === 'object' && 'passkey' in error
            ? { error: error.passkey }
            : {}),
        })
      : mfaPage({
          branding,
          clientName: client.name,
          ...form,
          ...(error !== undefined && !(typeof error === 'object' && 'passkey' in error)
            ? { error }
            : {}),
          ...(passkeyOptions !== undefined ? { passkeyOptions } : {}),
        });
  return sendPage(reply, status, page, {
    formAction: formTargets(pending.request),
    script: passkeyOptions !== undefined,
  });
}

/** After a password-only sign-in: the page offering to add a passkey (again after a refusal). */
export async function sendPasskeyOffer(
  ctx: IssuerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  client: ClientRow,
  then: SignedInContinuation,
  idHash: string,
  user: UserRow,
  refused?: PasskeyError,
): Promise<FastifyReply> {
  const form = await continueInteraction(ctx, request, reply, idHash, then);
  const options = await registrationOptions(
    ctx,
    client.id,
    interactionIdHash(form.interaction),
    user,
  );
  return sendPage(
    reply,
    refused === undefined ? 200 : passkeyStatus(refused),
    passkeyOfferPage({
      branding: ctx.config.branding,
      clientName: client.name,
      ...form,
      options,
      ...(refused !== undefined ? { error: refused.code } : {}),
    }),
    { formAction: formTargets(then.request), script: true },
  );
}

function consentCovers(granted: string | undefined, scope: string): boolean {
  if (granted === undefined) return false;
  const have = new Set(granted.split(' '));
  return scope.split(' ').every((s) => s.length === 0 || have.has(s));
}

/**
 * After the user is known: consent when the client is third-party and has no remembered
 * consent covering the scopes (or the client asked for prompt=consent), else issue the code.
 */
export async function afterLogin(
  ctx: IssuerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  client: ClientRow,
  req: AuthorizationRequest,
  session: ActiveBrowserSession,
  consentAsked: boolean,
  interactionHash?: string,
): Promise<FastifyReply> {
  const target = {
    uri: req.redirectUri,
    mode: req.responseMode,
    ...(req.state !== undefined ? { state: req.state } : {}),
  };
  const needsConsent =
    client.first_party !== 1 &&
    (req.prompt.includes('consent') ||
      !consentCovers((await ctx.store.findConsent(session.user.id, client.id))?.scopes, req.scope));
  if (needsConsent && !consentAsked) {
    if (req.prompt.includes('none'))
      return sendAuthorizationResponse(ctx, reply, target, {
        error: 'consent_required',
        error_description: 'the user has not consented to this client',
      });
    const form =
      interactionHash !== undefined
        ? await continueInteraction(ctx, request, reply, interactionHash, req)
        : await startInteraction(ctx, request, reply, req);
    return sendPage(
      reply,
      200,
      consentPage({
        branding: ctx.config.branding,
        clientName: client.name,
        username: session.user.username,
        scopes: req.scope.split(' ').filter((s) => s.length > 0),
        ...form,
      }),
      { formAction: formTargets(req) },
    );
  }
  if (interactionHash !== undefined)
    await ctx.store.consumeAuthorizationRequest(interactionHash, ctx.nowSeconds());
  const code = await issueAuthorizationCode(ctx, req, session.row);
  await ctx.audit.record({
    type: 'authorization.code_issued',
    subject: session.user.id,
    clientId: client.id,
    ip: request.ip,
    detail: { sid: session.row.id },
  });
  return sendAuthorizationResponse(ctx, reply, target, { code });
}

/**
 * `GET|POST /authorize` (RFC 6749 §4.1.1), the hosted login form (`POST /authorize/login`) and
 * the consent form (`POST /authorize/consent`).
 */
export function registerAuthorize(app: FastifyInstance, ctx: IssuerContext): void {
  const authorize = async (
    request: FastifyRequest,
    reply: FastifyReply,
    read: () => Record<string, string>,
  ) => {
    let client: ClientRow;
    let req: AuthorizationRequest;
    try {
      let params = read();
      const pushed = await loadPushed(ctx, params);
      if (pushed !== undefined) params = { ...pushed, client_id: params['client_id']! };
      const resolved = await resolveClientAndRedirect(ctx, params);
      client = resolved.client;
      req = validateAuthorizationRequest(
        client,
        resolved.redirectUri,
        params,
        pushed !== undefined,
      );
    } catch (e) {
      if (!(e instanceof AuthorizeError)) {
        if (e instanceof OAuthError)
          return showError(ctx, reply, new AuthorizeError(e.error, e.description ?? e.error));
        throw e;
      }
      if (e.redirect === undefined) return showError(ctx, reply, e);
      return sendAuthorizationResponse(ctx, reply, e.redirect, {
        error: e.error,
        error_description: e.description,
      });
    }
    const session = await currentBrowserSession(ctx, request);
    const now = ctx.nowSeconds();
    const needLogin =
      session === undefined ||
      req.prompt.includes('login') ||
      (req.maxAge !== undefined && now - session.row.auth_time > req.maxAge) ||
      // Step-up: the client asked for classes this session did not reach (RFC 9470 §4).
      (req.acrValues !== undefined && !req.acrValues.includes(session.row.acr)) ||
      // A client that requires a second factor gets no code from a password-only session.
      (mfaPolicyFor(ctx.config.mfa, client) === 'required' && session.row.acr !== ACR.mfa);
    if (needLogin) {
      if (req.prompt.includes('none')) {
        return sendAuthorizationResponse(
          ctx,
          reply,
          {
            uri: req.redirectUri,
            mode: req.responseMode,
            ...(req.state !== undefined ? { state: req.state } : {}),
          },
          { error: 'login_required', error_description: 'the user is not signed in' },
        );
      }
      return showLogin(ctx, request, reply, client, req);
    }
    return afterLogin(ctx, request, reply, client, req, session, false);
  };
  app.get('/authorize', (request, reply) => authorize(request, reply, () => queryParams(request)));
  app.post('/authorize', (request, reply) => authorize(request, reply, () => formParams(request)));

  app.post('/authorize/login', async (request, reply) => {
    const form = formParams(request);
    const found = await findInteraction(ctx, request, form);
    if (!found.ok) return formError(ctx, reply, found.why);
    const { req, idHash } = found;
    const client = await ctx.store.findClient(req.clientId);
    if (client === undefined || client.disabled === 1) return formError(ctx, reply, 'expired');
    const username = form['username'] ?? '';
    const result = await checkPasswordLogin(ctx, {
      username,
      password: form['password'] ?? '',
      ip: request.ip,
      clientId: client.id,
      request,
      reply,
    });
    if (!result.ok) {
      const next = await continueInteraction(ctx, request, reply, idHash, req);
      if (result.retryAfter > 0) reply.header('retry-after', String(result.retryAfter));
      return sendLogin(ctx, reply, result.retryAfter > 0 ? 429 : 401, client, req, next, {
        username: username.slice(0, 64),
        error: result.retryAfter > 0 ? { blocked: result.retryAfter } : 'wrong',
      });
    }
    // A user with a second factor is always asked for it (issue 16): no session until the code.
    if (await hasSecondFactor(ctx, result.user.id)) {
      const pending: PendingSecondFactor = {
        clientId: client.id,
        mfa: { userId: result.user.id, passwordAt: ctx.nowSeconds() },
        request: req,
      };
      const next = await continueInteraction(ctx, request, reply, idHash, pending);
      return sendSecondStep(ctx, reply, 200, client, pending, next);
    }
    // No factor: the policy may offer or demand one before the session starts.
    const enrol = await enrolAfterPassword(ctx, request, reply, {
      client,
      req,
      idHash,
      user: result.user,
    });
    if (enrol !== undefined) return enrol;
    const row = await startBrowserSession(ctx, reply, result.user, ['pwd']);
    await ctx.audit.record({
      type: 'login.succeeded',
      subject: result.user.id,
      clientId: client.id,
      ip: request.ip,
      detail: { sid: row.id, via: 'login_page' },
    });
    if (await shouldOfferPasskey(ctx, result.user.id)) {
      const then: SignedInContinuation = {
        clientId: client.id,
        signedIn: { sid: row.id },
        request: req,
      };
      return sendPasskeyOffer(ctx, request, reply, client, then, idHash, result.user);
    }
    return afterLogin(ctx, request, reply, client, req, { row, user: result.user }, false, idHash);
  });

  // The second step: a TOTP code or a recovery code for the user whose password was right.
  app.post('/authorize/mfa', async (request, reply) => {
    const form = formParams(request);
    const found = await findInteraction<PendingSecondFactor>(ctx, request, form, 'mfa');
    if (!found.ok) return formError(ctx, reply, found.why);
    const { req: pending, idHash } = found;
    const req = pending.request;
    const client = await ctx.store.findClient(req.clientId);
    const user = await ctx.store.findUserById(pending.mfa.userId);
    // Reset or disabled meanwhile: the pending sign-in is void.
    const factor = user === undefined ? undefined : await confirmedTotp(ctx.store, user.id);
    if (
      client === undefined ||
      client.disabled === 1 ||
      user === undefined ||
      user.disabled === 1 ||
      factor === undefined
    )
      return formError(ctx, reply, 'expired');
    const recovery = form['recovery_code'];
    const input: SecondFactorInput =
      recovery !== undefined
        ? { kind: 'recovery_code', code: recovery }
        : { kind: 'totp', code: form['code'] ?? '' };
    const result = await checkSecondFactor(
      { store: ctx.store, secrets: ctx.mfaSecrets, audit: ctx.audit, nowMs: ctx.config.now },
      factor,
      input,
      { ip: request.ip, clientId: client.id },
    );
    if (!result.ok) {
      const next = await continueInteraction(ctx, request, reply, idHash, pending);
      if (result.why === 'blocked') reply.header('retry-after', String(result.retryAfter));
      const prefix = input.kind === 'recovery_code' ? 'recovery_' : '';
      return sendSecondStep(
        ctx,
        reply,
        result.why === 'blocked' ? 429 : result.why === 'malformed' ? 400 : 401,
        client,
        pending,
        next,
        result.why === 'blocked'
          ? { blocked: result.retryAfter }
          : result.why === 'malformed'
            ? (`${prefix}malformed` as const)
            : (`${prefix}wrong` as const),
      );
    }
    // RFC 8176 §2: "otp" for a TOTP code (RFC 6238); a recovery code is a second factor but not
    // an OTP of those specifications, so it gives "mfa" without "otp".
    const amr = result.method === 'totp' ? ['pwd', 'otp', 'mfa'] : ['pwd', 'mfa'];
    const row = await startBrowserSession(ctx, reply, user, amr);
    await ctx.audit.record({
      type: 'login.succeeded',
      subject: user.id,
      clientId: client.id,
      ip: request.ip,
      detail: { sid: row.id, via: 'login_page', amr },
    });
    if (result.method === 'recovery_code') {
      const then: SignedInContinuation = {
        clientId: client.id,
        signedIn: { sid: row.id },
        request: req,
      };
      const next = await continueInteraction(ctx, request, reply, idHash, then);
      return sendPage(
        reply,
        200,
        recoveryUsedPage({ branding: ctx.config.branding, remaining: result.remaining, ...next }),
        { formAction: formTargets(req) },
      );
    }
    return afterLogin(ctx, request, reply, client, req, { row, user }, false, idHash);
  });

  // After the recovery-code page: on to consent or the client, for the session it started only.
  app.post('/authorize/continue', async (request, reply) => {
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
    return afterLogin(ctx, request, reply, client, then.request, session, false, idHash);
  });

  registerAuthorizeEnrolment(app, ctx);

  app.post('/authorize/consent', async (request, reply) => {
    const form = formParams(request);
    const found = await findInteraction(ctx, request, form);
    if (!found.ok) return formError(ctx, reply, found.why);
    const { req, idHash } = found;
    const client = await ctx.store.findClient(req.clientId);
    const session = await currentBrowserSession(ctx, request);
    if (client === undefined || client.disabled === 1 || session === undefined)
      return formError(ctx, reply, 'expired');
    const target = {
      uri: req.redirectUri,
      mode: req.responseMode,
      ...(req.state !== undefined ? { state: req.state } : {}),
    };
    if (form['decision'] !== 'allow') {
      await ctx.store.consumeAuthorizationRequest(idHash, ctx.nowSeconds());
      await ctx.audit.record({
        type: 'consent.denied',
        subject: session.user.id,
        clientId: client.id,
        ip: request.ip,
      });
      return sendAuthorizationResponse(ctx, reply, target, {
        error: 'access_denied',
        error_description: 'the user denied the request',
      });
    }
    const previous = await ctx.store.findConsent(session.user.id, client.id);
    const scopes = new Set(
      [...(previous?.scopes.split(' ') ?? []), ...req.scope.split(' ')].filter((s) => s.length > 0),
    );
    await ctx.store.putConsent({
      user_id: session.user.id,
      client_id: client.id,
      scopes: [...scopes].join(' '),
      created_at: ctx.nowSeconds(),
    });
    await ctx.audit.record({
      type: 'consent.granted',
      subject: session.user.id,
      clientId: client.id,
      ip: request.ip,
      detail: { scope: req.scope },
    });
    return afterLogin(ctx, request, reply, client, req, session, true, idHash);
  });
}

export function formError(
  ctx: IssuerContext,
  reply: FastifyReply,
  why: 'csrf' | 'expired',
): FastifyReply {
  return sendPage(
    reply,
    why === 'csrf' ? 403 : 400,
    errorPage(ctx.config.branding, {
      code: why === 'csrf' ? 'invalid_csrf_token' : 'invalid_request',
      description:
        why === 'csrf' ? 'the form token is missing or wrong' : 'the request expired or was used',
      kind: why,
    }),
  );
}
