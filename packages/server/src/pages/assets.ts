import type { FastifyInstance } from 'fastify';
import { ASSET_PREFIX } from './html.js';
import { PASSKEY_SCRIPT } from './passkey-page.js';
import { PASSKEY_JS } from './passkey-script.js';

// One stylesheet for every hosted page: readable at 400 px, dark mode from the system setting,
// visible focus, colours with at least 4.5:1 contrast (WCAG 2.1 §1.4.3) in both schemes.
const CSS = `:root{color-scheme:light dark;--bg:#f4f5f7;--fg:#1a1c20;--card:#fff;--muted:#4a4f57;--accent:#0b57d0;--accent-fg:#fff;--border:#8a9099;--error-bg:#fdecea;--error-fg:#8c1d18}
@media (prefers-color-scheme:dark){:root{--bg:#121316;--fg:#e8eaed;--card:#1e2024;--muted:#bdc1c6;--accent:#8ab4f8;--accent-fg:#0b1a33;--border:#80868b;--error-bg:#3c1a17;--error-fg:#f6aea9}}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:100%;line-height:1.5;background:var(--bg);color:var(--fg)}
body{margin:0;padding:1rem;min-height:100vh}
.brand{display:flex;align-items:center;gap:.75rem;max-width:28rem;margin:1rem auto;font-weight:600;font-size:1.125rem}
.logo{width:48px;height:48px;object-fit:contain}
.card{max-width:28rem;margin:0 auto;background:var(--card);border:1px solid var(--border);border-radius:.5rem;padding:1.5rem}
h1{font-size:1.5rem;margin:0 0 1rem}
p{margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=password],input[type=email]{width:100%;padding:.625rem .75rem;font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--border);border-radius:.375rem}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.625rem 1rem;border-radius:.375rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none;margin-top:1rem}
button.secondary{background:transparent;color:var(--fg);border-color:var(--border)}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error{background:var(--error-bg);color:var(--error-fg);border-radius:.375rem;padding:.75rem;margin:0 0 1rem}
.muted{color:var(--muted);font-size:.875rem}
ul.scopes{padding-left:1.25rem}
code{overflow-wrap:anywhere}
.qr{background:#fff;padding:.5rem;width:max-content;margin:0 auto 1rem;border-radius:.375rem}
.qr svg{display:block}
.secret{font-size:1.125rem;letter-spacing:.05em}
dl{margin:.5rem 0 1rem}dt{font-weight:600}dd{margin:0 0 .5rem}
ul.codes{columns:2;list-style:none;padding:0}
`;

// response_mode=form_post (OAuth 2.0 Form Post Response Mode §2): submit the form on load. Kept
// in a file so the CSP needs no 'unsafe-inline'; without JavaScript the visible button does it.
const FORM_POST_JS = `document.addEventListener('DOMContentLoaded',function(){var f=document.getElementById('response');if(f)f.submit();});\n`;

/** Serve the hosted pages' stylesheet, the form_post script and the passkey script. */
export function registerPageAssets(app: FastifyInstance): void {
  const serve = (path: string, type: string, body: string) =>
    app.get(`${ASSET_PREFIX}/${path}`, async (_req, reply) =>
      reply
        .header('content-type', type)
        .header('cache-control', 'public, max-age=3600')
        .header('x-content-type-options', 'nosniff')
        .send(body),
    );
  serve('pages.css', 'text/css; charset=utf-8', CSS);
  serve('form-post.js', 'text/javascript; charset=utf-8', FORM_POST_JS);
  serve(PASSKEY_SCRIPT, 'text/javascript; charset=utf-8', PASSKEY_JS);
}
