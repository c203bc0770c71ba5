import { escapeHtml, renderPage, type PageOptions } from './html.js';
import { LOGIN_STRINGS as T } from './login.strings.js';
import { PASSKEY_SCRIPT, passkeyLoginSection, passkeyRefusal } from './passkey-page.js';
import type { PasskeyErrorCode } from '../mfa/passkey-errors.js';

export interface LoginPageInput {
  readonly branding: PageOptions['branding'];
  readonly clientName: string;
  readonly interaction: string;
  readonly csrf: string;
  readonly username?: string;
  readonly error?: 'wrong' | { blocked: number } | { passkey: PasskeyErrorCode };
  /** Passkey sign-in (when configured): the ceremony's request options. */
  readonly passkeyOptions?: unknown;
}

/**
 * The hosted login form: labelled fields with the standard autocomplete tokens
 * (HTML §4.10.18.7 `username`, `current-password`) so password managers and assistive
 * technology work; a CSRF token and the pending request's handle in hidden fields.
 */
export function loginPage(i: LoginPageInput): string {
  const error =
    i.error === undefined
      ? ''
      : `<p class="error" role="alert" id="login-error">${escapeHtml(
          i.error === 'wrong'
            ? T.wrong
            : 'passkey' in i.error
              ? passkeyRefusal(i.error.passkey)
              : T.blocked(i.error.blocked),
        )}</p>`;
  // HTML §4.10.18.7.1: the `webauthn` token lets the browser offer passkeys in the username
  // field's autofill (conditional mediation).
  const passkeys = i.passkeyOptions !== undefined;
  const described = i.error === undefined ? '' : ' aria-describedby="login-error"';
  const body = `<h1>${escapeHtml(T.title)}</h1>
<p>${escapeHtml(T.intro(i.clientName))}</p>
${error}<form method="post" action="/authorize/login">
<input type="hidden" name="interaction" value="${escapeHtml(i.interaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(i.csrf)}">
<label for="username">${escapeHtml(T.username)}</label>
<input type="text" id="username" name="username" autocomplete="${passkeys ? 'username webauthn' : 'username'}" autocapitalize="none" spellcheck="false" required maxlength="64" value="${escapeHtml(i.username ?? '')}"${described}>
<label for="password">${escapeHtml(T.password)}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024"${described}>
<button type="submit">${escapeHtml(T.submit)}</button>
</form>
${
  passkeys
    ? passkeyLoginSection(
        { interaction: i.interaction, csrf: i.csrf, options: i.passkeyOptions },
        !(typeof i.error === 'object' && 'passkey' in i.error),
      )
    : ''
}
<p class="muted">${escapeHtml(T.note)}</p>`;
  return renderPage({
    title: T.title,
    body,
    branding: i.branding,
    lang: T.lang,
    ...(passkeys ? { scripts: [PASSKEY_SCRIPT] } : {}),
  });
}
