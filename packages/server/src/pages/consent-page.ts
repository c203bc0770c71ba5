import { CONSENT_STRINGS as T } from './consent.strings.js';
import { escapeHtml, renderPage, type PageOptions } from './html.js';

export interface ConsentPageInput {
  readonly branding: PageOptions['branding'];
  readonly clientName: string;
  readonly username: string;
  readonly scopes: readonly string[];
  readonly interaction: string;
  readonly csrf: string;
}

/** The consent page for third-party clients: the client's name, the scopes in words, Allow / Deny. */
export function consentPage(i: ConsentPageInput): string {
  const items = i.scopes.map((s) => `<li>${escapeHtml(T.scopes[s] ?? T.other(s))}</li>`).join('');
  const body = `<h1>${escapeHtml(T.title)}</h1>
<p>${escapeHtml(T.intro(i.clientName, i.username))}</p>
<ul class="scopes">${items}</ul>
<form method="post" action="/authorize/consent">
<input type="hidden" name="interaction" value="${escapeHtml(i.interaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(i.csrf)}">
<div class="actions">
<button type="submit" name="decision" value="allow">${escapeHtml(T.allow)}</button>
<button type="submit" name="decision" value="deny" class="secondary">${escapeHtml(T.deny)}</button>
</div>
</form>
<p class="muted">${escapeHtml(T.remembered)}</p>`;
  return renderPage({ title: T.title, body, branding: i.branding, lang: T.lang });
}
