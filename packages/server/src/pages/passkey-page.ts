import type { PasskeyErrorCode } from '../mfa/passkey-errors.js';
import { escapeHtml, renderPage, type PageOptions } from './html.js';
import { PASSKEY_STRINGS as T } from './passkey.strings.js';

/** The script that makes the WebAuthn calls (served by `registerPageAssets`). */
export const PASSKEY_SCRIPT = 'passkey.js';

/** What a page needs to run one WebAuthn ceremony: which call, and its options as JSON. */
export interface PasskeyCeremonyInput {
  readonly interaction: string;
  readonly csrf: string;
  /** `PublicKeyCredentialCreationOptionsJSON` or `…RequestOptionsJSON` (WebAuthn L3 §5.1.10). */
  readonly options: unknown;
}

/** The message for a refused passkey answer (never the credential or its data). */
export function passkeyRefusal(code: PasskeyErrorCode): string {
  const m = T.refused as Record<string, string>;
  return m[code] ?? T.refused.other;
}

function hidden(i: PasskeyCeremonyInput): string {
  return `<input type="hidden" name="interaction" value="${escapeHtml(i.interaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(i.csrf)}">
<input type="hidden" name="credential" value="">`;
}

/**
 * A form the script drives: `data-passkey` names the call (`create`, `get`, or `conditional` for
 * a sign-in that also offers passkeys in the username field's autofill, WebAuthn L3 §5.1.4 with
 * `mediation: "conditional"`), `data-options` its options. The button stays hidden without the
 * script or without WebAuthn in the browser.
 */
function ceremonyForm(
  i: PasskeyCeremonyInput,
  o: {
    action: string;
    call: 'create' | 'get' | 'conditional';
    button: string;
    secondary?: boolean;
  },
): string {
  return `<form method="post" action="${o.action}" data-passkey="${o.call}" data-options="${escapeHtml(
    JSON.stringify(i.options),
  )}">
${hidden(i)}
<button type="button" data-passkey-start${o.secondary === true ? ' class="secondary"' : ''} hidden>${escapeHtml(o.button)}</button>
<p class="muted" role="status" data-passkey-status data-cancelled="${escapeHtml(T.cancelled)}" data-working="${escapeHtml(T.working)}" data-unsupported="${escapeHtml(T.unsupported)}"></p>
</form>`;
}

/**
 * The passkey part of the login page: conditional UI plus a button for the modal call. After a
 * refused passkey (`conditional` false) only the button: the browser must not answer again by
 * itself.
 */
export function passkeyLoginSection(i: PasskeyCeremonyInput, conditional = true): string {
  return `<p class="muted">${escapeHtml(T.or)}</p>
${ceremonyForm(i, {
  action: '/authorize/passkey',
  call: conditional ? 'conditional' : 'get',
  button: T.signIn,
  secondary: true,
})}`;
}

/** The passkey part of the code page (a user with both TOTP and passkeys). */
export function passkeyStepSection(i: PasskeyCeremonyInput): string {
  return ceremonyForm(i, {
    action: '/authorize/passkey/second-factor',
    call: 'get',
    button: T.stepUse,
    secondary: true,
  });
}

const errorBlock = (error: string | undefined) =>
  error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>\n`;

export interface PasskeyStepPageInput extends PasskeyCeremonyInput {
  readonly branding: PageOptions['branding'];
  readonly clientName: string;
  readonly error?: PasskeyErrorCode;
}

/** The second step for a user whose only second factor is a passkey. */
export function passkeyStepPage(i: PasskeyStepPageInput): string {
  const body = `<h1>${escapeHtml(T.stepTitle)}</h1>
<p>${escapeHtml(T.stepIntro(i.clientName))}</p>
${errorBlock(i.error === undefined ? undefined : passkeyRefusal(i.error))}${ceremonyForm(i, {
    action: '/authorize/passkey/second-factor',
    call: 'get',
    button: T.stepUse,
  })}`;
  return renderPage({
    title: T.stepTitle,
    body,
    branding: i.branding,
    lang: T.lang,
    scripts: [PASSKEY_SCRIPT],
  });
}

export interface PasskeyOfferPageInput extends PasskeyCeremonyInput {
  readonly branding: PageOptions['branding'];
  readonly clientName: string;
  readonly error?: PasskeyErrorCode;
}

/** After a password sign-in: add a passkey now, or go on (`/authorize/continue`). */
export function passkeyOfferPage(i: PasskeyOfferPageInput): string {
  const body = `<h1>${escapeHtml(T.offerTitle)}</h1>
<p>${escapeHtml(T.offerIntro(i.clientName))}</p>
${errorBlock(i.error === undefined ? undefined : passkeyRefusal(i.error))}${ceremonyForm(i, {
    action: '/authorize/passkey/register',
    call: 'create',
    button: T.offerAdd,
  })}
<form method="post" action="/authorize/continue">
<input type="hidden" name="interaction" value="${escapeHtml(i.interaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(i.csrf)}">
<button type="submit" class="secondary">${escapeHtml(T.offerSkip)}</button>
</form>`;
  return renderPage({
    title: T.offerTitle,
    body,
    branding: i.branding,
    lang: T.lang,
    scripts: [PASSKEY_SCRIPT],
  });
}
