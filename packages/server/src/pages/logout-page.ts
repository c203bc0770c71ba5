import { escapeHtml, renderPage, type PageOptions } from './html.js';
import { LOGOUT_STRINGS as T } from './logout.strings.js';

/**
 * RP-Initiated Logout §2: without a valid `id_token_hint` the user confirms (a cross-site link
 * cannot sign anyone out). The form carries the parked request and a CSRF token.
 */
export function logoutConfirmPage(
  branding: PageOptions['branding'],
  i: { clientName?: string; interaction: string; csrf: string },
): string {
  const body = `<h1>${escapeHtml(T.confirmTitle)}</h1>
<p>${escapeHtml(T.confirmIntro(i.clientName))}</p>
<form method="post" action="/end-session/confirm">
<input type="hidden" name="interaction" value="${escapeHtml(i.interaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(i.csrf)}">
<div class="actions">
<button type="submit" name="decision" value="logout">${escapeHtml(T.confirm)}</button>
<button type="submit" name="decision" value="stay" class="secondary">${escapeHtml(T.cancel)}</button>
</div>
</form>`;
  return renderPage({ title: T.confirmTitle, body, branding, lang: T.lang });
}

/** Shown after logout when there is no (registered) place to return to. */
export function loggedOutPage(branding: PageOptions['branding']): string {
  const body = `<h1>${escapeHtml(T.doneTitle)}</h1>
<p>${escapeHtml(T.doneIntro)}</p>`;
  return renderPage({ title: T.doneTitle, body, branding, lang: T.lang });
}

/** Shown when the user chose to stay signed in. */
export function stayedPage(branding: PageOptions['branding']): string {
  const body = `<h1>${escapeHtml(T.stayedTitle)}</h1>
<p>${escapeHtml(T.stayedIntro)}</p>`;
  return renderPage({ title: T.stayedTitle, body, branding, lang: T.lang });
}
