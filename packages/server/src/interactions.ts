import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { encodeBase64url } from '@tessera/jose';
import type { AuthorizationRequest } from './authorization-request.js';
import type { IssuerContext } from './context.js';
import { cookieName, readCookie, setCookie } from './cookies.js';

/** How long a login or consent page stays usable. */
export const INTERACTION_TTL_SECONDS = 600;
const CSRF_COOKIE = 'tessera_csrf';

const sha = (s: string): string => createHash('sha256').update(s).digest('base64url');

/** The store key of an interaction handle (what `findInteraction` returns as `idHash`). */
export const interactionIdHash = (interaction: string): string => sha(interaction);
const random = (): string => encodeBase64url(randomBytes(32));

/** The handle and CSRF token a page's form carries. */
export interface InteractionForm {
  readonly interaction: string;
  readonly csrf: string;
}

/**
 * Park a validated authorization request while the user signs in or consents. The form's CSRF
 * token is bound to both this request and a per-browser cookie: the store keeps
 * SHA-256(cookie ":" token), so a form works only in the browser it was shown in (a forged
 * cross-site POST has no cookie to match) and only for its own request.
 */
export async function startInteraction(
  ctx: IssuerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  req: ParkedRequest,
): Promise<InteractionForm> {
  let browser = readCookie(request, cookieName(ctx.config, CSRF_COOKIE));
  if (browser === undefined) {
    browser = random();
    setCookie(reply, ctx.config, CSRF_COOKIE, browser);
  }
  const interaction = random();
  const csrf = random();
  await ctx.store.insertAuthorizationRequest({
    id_hash: sha(interaction),
    kind: 'interaction',
    client_id: req.clientId,
    params: JSON.stringify(req),
    csrf_hash: sha(`${browser}:${csrf}`),
    expires_at: ctx.nowSeconds() + INTERACTION_TTL_SECONDS,
    used_at: null,
  });
  return { interaction, csrf };
}

/**
 * A password that was right for a user with a second factor: the request waits for the code. No
 * browser session exists yet; only this interaction (bound to the browser's CSRF cookie) knows.
 */
export interface PendingSecondFactor {
  readonly clientId: string;
  readonly mfa: { readonly userId: string; readonly passwordAt: number };
  readonly request: AuthorizationRequest;
}

/**
 * A right password for a user without a second factor, under a policy that offers one
 * (`optional`: `factorId` null until they choose to set it up) or demands one (`required`). No
 * browser session exists until the enrolment is confirmed (or, when optional, skipped).
 */
export interface PendingEnrolment {
  readonly clientId: string;
  readonly enrol: {
    readonly userId: string;
    readonly passwordAt: number;
    readonly required: boolean;
    /** The pending TOTP factor shown on the page (null: the offer, not yet accepted). */
    readonly factorId: string | null;
  };
  readonly request: AuthorizationRequest;
}

/**
 * What waits behind a page: an authorization request, a logout awaiting confirmation, a sign-in
 * awaiting its second factor or its enrolment.
 */
export type ParkedRequest =
  | AuthorizationRequest
  | { readonly clientId: string; readonly logout: Readonly<Record<string, string | undefined>> }
  | PendingSecondFactor
  | PendingEnrolment
  | SignedInContinuation;

/** A sign-in that finished on an information page (a recovery code used): go on with `request`. */
export interface SignedInContinuation {
  readonly clientId: string;
  /** The browser session it started: only that session may continue. */
  readonly signedIn: { readonly sid: string };
  readonly request: AuthorizationRequest;
}

export type InteractionLookup<T extends ParkedRequest = AuthorizationRequest> =
  | { readonly ok: true; readonly req: T; readonly idHash: string }
  | { readonly ok: false; readonly why: 'csrf' | 'expired' };

/** Find the parked request a form names, checking its CSRF token first. */
export async function findInteraction<T extends ParkedRequest = AuthorizationRequest>(
  ctx: IssuerContext,
  request: FastifyRequest,
  form: Readonly<Record<string, string>>,
  expect: 'authorize' | 'logout' | 'mfa' | 'enrol' | 'continue' = 'authorize',
): Promise<InteractionLookup<T>> {
  const interaction = form['interaction'];
  const csrf = form['csrf'];
  const browser = readCookie(request, cookieName(ctx.config, CSRF_COOKIE));
  if (interaction === undefined || interaction.length > 64) return { ok: false, why: 'expired' };
  const idHash = sha(interaction);
  const row = await ctx.store.findAuthorizationRequest(idHash);
  if (row === undefined || row.kind !== 'interaction') return { ok: false, why: 'expired' };
  if (csrf === undefined || browser === undefined || row.csrf_hash === null)
    return { ok: false, why: 'csrf' };
  const a = Buffer.from(sha(`${browser}:${csrf}`));
  const b = Buffer.from(row.csrf_hash);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, why: 'csrf' };
  if (row.used_at !== null || row.expires_at <= ctx.nowSeconds())
    return { ok: false, why: 'expired' };
  const req = JSON.parse(row.params) as ParkedRequest;
  // A logout form cannot finish a sign-in, nor the other way round; a sign-in waiting for its
  // second factor is finished by the code form only.
  const kind =
    'logout' in req
      ? 'logout'
      : 'mfa' in req
        ? 'mfa'
        : 'enrol' in req
          ? 'enrol'
          : 'signedIn' in req
            ? 'continue'
            : 'authorize';
  if (kind !== expect) return { ok: false, why: 'expired' };
  return { ok: true, req: req as T, idHash };
}

/** The form of an interaction that goes on to another page (login → consent): a fresh token pair. */
export async function continueInteraction(
  ctx: IssuerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  idHash: string,
  req: AuthorizationRequest | PendingSecondFactor | PendingEnrolment | SignedInContinuation,
): Promise<InteractionForm> {
  await ctx.store.consumeAuthorizationRequest(idHash, ctx.nowSeconds());
  return startInteraction(ctx, request, reply, req);
}
