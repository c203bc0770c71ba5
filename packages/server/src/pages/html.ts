import type { FastifyReply } from 'fastify';
import type { Branding } from '../config.js';

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Where the page's stylesheet and scripts live (served by `registerPageAssets`). */
export const ASSET_PREFIX = '/_tessera';

export interface PageOptions {
  readonly title: string;
  /** Already-escaped HTML of the page's main content. */
  readonly body: string;
  readonly branding: Branding;
  readonly lang: string;
  /** External scripts (paths under the asset prefix). */
  readonly scripts?: readonly string[];
}

/** The one layout of the hosted pages: no inline script or style, so the CSP can forbid both. */
export function renderPage(o: PageOptions): string {
  const logo =
    o.branding.logoUrl === undefined
      ? ''
      : `<img class="logo" src="${escapeHtml(o.branding.logoUrl)}" alt="" width="48" height="48">`;
  const scripts = (o.scripts ?? [])
    .map((s) => `<script src="${ASSET_PREFIX}/${escapeHtml(s)}"></script>`)
    .join('');
  return `<!doctype html>
<html lang="${escapeHtml(o.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(o.title)} · ${escapeHtml(o.branding.name)}</title>
<link rel="stylesheet" href="${ASSET_PREFIX}/pages.css">
${scripts}
</head>
<body>
<header class="brand">${logo}<span class="brand-name">${escapeHtml(o.branding.name)}</span></header>
<main class="card">
${o.body}
</main>
</body>
</html>
`;
}

/** The origin (or private scheme) a form may be submitted or redirected to, for CSP `form-action`. */
export function formActionSource(uri: string): string | undefined {
  try {
    const u = new URL(uri);
    if (u.protocol === 'https:' || u.protocol === 'http:') return u.origin;
    return u.protocol; // a private-use scheme such as com.example.app:
  } catch {
    return undefined;
  }
}

/**
 * Headers of every hosted page: a strict CSP (no inline script or style, no framing — the
 * login page must not be clickjacked), no caching (it carries a CSRF token), no referrer.
 * `formAction` lists where forms may go and redirect to after submission (CSP3 §6.4.1:
 * Chromium applies `form-action` to the redirects that follow a submission).
 */
export function sendPage(
  reply: FastifyReply,
  status: number,
  html: string,
  o: { formAction?: readonly string[]; script?: boolean } = {},
): FastifyReply {
  const formAction = ["'self'", ...new Set(o.formAction ?? [])].join(' ');
  const csp = [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    o.script === true ? "script-src 'self'" : "script-src 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send(html);
}
