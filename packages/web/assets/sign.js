// Tessera debugger page: the Sign pane.
import { $, api, copy, debounce, el, renderTokenInto, showPane } from './page.js';
import { claimRow, decodeNow } from './decode.js';

const b64url = (text) => {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
function signKind() {
  return $('sign-kind-private').checked ? 'private' : 'secret';
}
function editPayload(fn) {
  let p;
  try {
    p = JSON.parse($('sign-payload').value || '{}');
  } catch {
    $('sign-error').textContent = 'The payload is not valid JSON.';
    return;
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) {
    $('sign-error').textContent = 'The payload must be a JSON object.';
    return;
  }
  $('sign-error').textContent = '';
  fn(p);
  $('sign-payload').value = JSON.stringify(p, null, 2);
  signHelpSoon();
}
export const nowSec = () => Math.floor(Date.now() / 1000);
$('quick-exp').addEventListener('click', () =>
  editPayload((p) => {
    p.exp = (typeof p.iat === 'number' ? Math.max(p.iat, nowSec()) : nowSec()) + 900;
  }),
);
$('quick-iat').addEventListener('click', () =>
  editPayload((p) => {
    p.iat = nowSec();
  }),
);
$('quick-jti').addEventListener('click', () =>
  editPayload((p) => {
    p.jti = crypto.randomUUID();
  }),
);
export async function signHelp() {
  // Inline claim help: the Decode logic reads the edited claims (no signature involved).
  const tbody = $('sign-help').tBodies[0];
  let unsigned;
  try {
    unsigned = `${b64url(JSON.stringify(JSON.parse($('sign-header').value)))}.${b64url(JSON.stringify(JSON.parse($('sign-payload').value)))}.`;
  } catch {
    tbody.replaceChildren();
    return;
  }
  const r = await api('decode', { token: unsigned });
  if (!r.ok) return;
  tbody.replaceChildren(...r.data.claims.map(claimRow));
}
const signHelpSoon = debounce(signHelp, 200);
$('sign-header').addEventListener('input', signHelpSoon);
$('sign-payload').addEventListener('input', signHelpSoon);
$('sign-keygen').addEventListener('click', async () => {
  let alg;
  try {
    alg = JSON.parse($('sign-header').value).alg;
  } catch {
    $('sign-error').textContent = 'The header is not valid JSON.';
    return;
  }
  const r = await api('keygen', { alg });
  if (!r.ok) {
    $('sign-error').textContent = r.data.error ? r.data.error.message : 'key generation failed';
    return;
  }
  $('sign-error').textContent = '';
  const k = r.data;
  if (k.secret) {
    $('sign-kind-secret').checked = true;
    $('sign-key').value = k.secret;
    $('sign-encoding').value = k.secretEncoding;
    $('keygen-out').hidden = true;
  } else {
    $('sign-kind-private').checked = true;
    $('sign-key').value = k.privatePem;
    $('keygen-public').textContent = `${k.publicPem}\n${JSON.stringify(k.publicJwk, null, 2)}`;
    $('keygen-out').hidden = false;
  }
});
let signedToken = '';
$('sign-run').addEventListener('click', async () => {
  const kind = signKind();
  const key =
    kind === 'secret'
      ? { kind, value: $('sign-key').value, encoding: $('sign-encoding').value }
      : { kind, value: $('sign-key').value };
  const r = await api('sign', {
    header: $('sign-header').value,
    payload: $('sign-payload').value,
    key,
  });
  const out = $('sign-output');
  if (!r.ok) {
    $('sign-error').textContent = r.data.error ? r.data.error.message : 'signing failed';
    $('sign-warnings').replaceChildren();
    return;
  }
  $('sign-error').textContent = '';
  signedToken = r.data.token;
  const parts = signedToken.split('.');
  renderTokenInto(out, {
    parts: parts.map((text, i) => ({ kind: ['header', 'payload', 'signature'][i], text })),
  });
  $('sign-warnings').replaceChildren(
    ...r.data.warnings.map((w) => el('li', { 'data-code': w.code }, w.message)),
  );
});
$('sign-copy').addEventListener('click', () => copy(signedToken, 'Token'));
$('sign-send').addEventListener('click', async () => {
  if (!signedToken) return;
  $('token-input').value = signedToken;
  await decodeNow();
  showPane('decode');
});
