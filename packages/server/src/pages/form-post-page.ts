import { FORM_POST_STRINGS as T } from './form-post.strings.js';
import { escapeHtml, renderPage, type PageOptions } from './html.js';

/**
 * OAuth 2.0 Form Post Response Mode §2: the response parameters as hidden fields POSTed to the
 * redirect URI — by the external script when JavaScript runs, by the button when it does not.
 */
export function formPostPage(
  branding: PageOptions['branding'],
  action: string,
  params: Readonly<Record<string, string>>,
): string {
  const fields = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const body = `<h1>${escapeHtml(T.title)}</h1>
<p>${escapeHtml(T.intro)}</p>
<form id="response" method="post" action="${escapeHtml(action)}">
${fields}
<button type="submit">${escapeHtml(T.submit)}</button>
</form>`;
  return renderPage({
    title: T.title,
    body,
    branding,
    lang: T.lang,
    scripts: ['form-post.js'],
  });
}
