import type { IssuerContext } from '../context.js';
import { interactionIdHash, type InteractionForm } from '../interactions.js';
import { authenticationOptions } from '../mfa/passkeys.js';
import type { UserRow } from '../stores/store.js';

/**
 * Request options for the login page's passkey sign-in (a fresh ceremony bound to this page's
 * interaction), or undefined when passkeys are off.
 */
import { hasPasskeyFactor } from '../mfa/second-factor.js';
export async function loginPasskeyOptions(
  ctx: IssuerContext,
  clientId: string,
  form: InteractionForm,
): Promise<unknown> {
  if (ctx.config.passkeys === undefined) return undefined;
  return authenticationOptions(ctx, clientId, interactionIdHash(form.interaction));
}

/** Whether the user has a passkey (when passkeys are on): then it is one of their second factors. */
export async function hasPasskeys(ctx: IssuerContext, userId: string): Promise<boolean> {
  return hasPasskeyFactor(ctx, userId);
}

/** Request options for a second-factor passkey step of `user` on this page. */
export function secondFactorPasskeyOptions(
  ctx: IssuerContext,
  clientId: string,
  form: InteractionForm,
  user: Pick<UserRow, 'id'>,
): Promise<unknown> {
  return authenticationOptions(ctx, clientId, interactionIdHash(form.interaction), user);
}

/** After a password-only sign-in: offer a passkey to a user who has none (when configured). */
export async function shouldOfferPasskey(ctx: IssuerContext, userId: string): Promise<boolean> {
  return ctx.config.passkeys?.offerAfterPassword === true && !(await hasPasskeys(ctx, userId));
}
