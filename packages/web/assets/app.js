// Tessera debugger page: plain ES modules, no framework, no build step, so the package ships
// exactly what the browser runs (served from this origin, under the page's CSP). Every piece of
// data is put into the page with textContent (never innerHTML), and every request goes to this
// origin. Nothing is stored in the browser (no localStorage, no sessionStorage).
// This entry module loads the panes (each wires its own controls) and starts the page.
import { $, api, state } from './page.js';
import { decodeNow } from './decode.js';
import { fillKids, jwksNote, syncKeyKind } from './verify.js';
import { nowSec, signHelp } from './sign.js';
import './audit.js';
import { loadLive } from './trace.js';

function preloadFromFragment() {
  // Only the fragment is read: it never reaches a server or a log (docs/security.md#page-fragment).
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : '';
  if (!hash) return;
  const params = new URLSearchParams(hash);
  const token = ['token', 'id_token', 'access_token', 'value']
    .map((k) => params.get(k))
    .find((v) => v);
  const publicKey = params.get('publicKey');
  if (publicKey) {
    $('key-kind-public').checked = true;
    $('verify-public').value = publicKey;
    syncKeyKind();
    fillKids();
  }
  if (token) $('token-input').value = token;
  // Keep the token out of the history list once it has been read.
  history.replaceState(null, '', location.pathname);
}

async function start() {
  const r = await api('config');
  if (r.ok) state.config = r.data;
  $('jwks-fetch').disabled = !state.config.allowNetwork && !state.config.ownJwksUrl;
  if (state.config.ownJwksUrl && !$('jwks-url').value)
    $('jwks-url').value = state.config.ownJwksUrl;
  $('jwks-note').textContent = jwksNote($('jwks-url').value.trim());
  if (!state.config.audit) $('audit-note').textContent = 'The audit is not available in this mode.';
  if (state.config.liveTrace) {
    $('trace-live').hidden = false;
    $('trace-note').textContent = 'The live demo flow of this issuer.';
    loadLive();
  }
  $('sign-header').value = JSON.stringify({ alg: 'HS256', typ: 'JWT' }, null, 2);
  $('sign-payload').value = JSON.stringify(
    { sub: '1234567890', name: 'Ada Lovelace', iat: nowSec() },
    null,
    2,
  );
  signHelp();
  syncKeyKind();
  preloadFromFragment();
  await decodeNow();
  document.body.dataset.ready = 'true';
}
start();
