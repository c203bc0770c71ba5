import { ERROR_STRINGS as T } from './error.strings.js';
import { escapeHtml, renderPage, type PageOptions } from './html.js';

/**
 * The issuer's own error page: shown instead of redirecting when the client or the
 * redirect URI cannot be trusted (RFC 6749 §4.1.2.1), or when a form fails its CSRF check.
 */
export function errorPage(
  branding: PageOptions['branding'],
  error: { code: string; description: string; kind?: 'request' | 'csrf' | 'expired' },
): string {
  const lead = error.kind === 'csrf' ? T.csrf : error.kind === 'expired' ? T.expired : T.intro;
  const body = `<h1>${escapeHtml(T.title)}</h1>
<p>${escapeHtml(lead)}</p>
<p class="muted">${escapeHtml(T.detail)} <code>${escapeHtml(error.code)}</code>: ${escapeHtml(error.description)}</p>`;
  return renderPage({ title: T.title, body, branding, lang: T.lang });
}
