// Tessera debugger page: the Verify pane.
import { $, api, debounce, el, state } from './page.js';

let verifySeq = 0;
function keyKind() {
  return $('key-kind-public').checked ? 'public' : 'secret';
}
export function syncKeyKind() {
  $('secret-box').hidden = keyKind() !== 'secret';
  $('public-box').hidden = keyKind() !== 'public';
}
export function fillKids() {
  const select = $('verify-kid');
  const current = select.value;
  const kids = [];
  try {
    const j = JSON.parse($('verify-public').value);
    if (Array.isArray(j.keys))
      for (const k of j.keys) if (k && typeof k.kid === 'string') kids.push(k.kid);
  } catch {
    /* PEM or incomplete JSON */
  }
  select.replaceChildren(
    el('option', { value: '' }, "by the token's kid"),
    ...kids.map((k) => el('option', { value: k }, k)),
  );
  if (kids.includes(current)) select.value = current;
}
function setStatus(kind, title, sub) {
  const card = $('verify-status');
  card.className = `status status-${kind}`;
  card.dataset.status = kind;
  $('verify-status-title').textContent = title;
  $('verify-status-sub').textContent = sub;
}
/** The request body of /api/verify from the form. */
function verifyRequest(kind, value) {
  const algs = $('verify-algs')
    .value.split(/[\s,]+/)
    .filter(Boolean);
  const key =
    kind === 'secret'
      ? { kind, value, encoding: $('verify-encoding').value }
      : { kind, value, ...($('verify-kid').value ? { kid: $('verify-kid').value } : {}) };
  return {
    token: state.token,
    key,
    algorithms: algs,
    issuer: $('verify-iss').value,
    audience: $('verify-aud').value,
    subject: $('verify-sub').value,
    typ: $('verify-typ').value,
    requiredClaims: $('verify-require')
      .value.split(/[\s,]+/)
      .filter(Boolean),
    clockTolerance: $('verify-clock-tolerance').value,
  };
}
/** The verification report into the status card, the checks and the hints. */
function showReport(v, checks, hints) {
  const titles = {
    verified: 'VERIFIED',
    invalid: 'INVALID',
    not_verified: 'NOT VERIFIED',
    warning: 'WARNING',
  };
  const kindClass = {
    verified: 'verified',
    invalid: 'invalid',
    not_verified: 'none',
    warning: 'warning',
  }[v.status];
  const sig = v.checks.find((c) => c.check === 'signature' && c.ok);
  const sub =
    v.status === 'verified'
      ? sig
        ? sig.message
        : 'verified'
      : v.status === 'warning'
        ? `${sig ? sig.message : 'verified'} — with warnings`
        : v.errors.length > 0
          ? `${v.errors.length} failing check${v.errors.length > 1 ? 's' : ''}`
          : '';
  const keyNames = { secret: 'secret', pem: 'PEM key', jwk: 'JWK', jwks: 'JWKS' };
  const keyNote = v.keySource ? ` · key read as ${keyNames[v.keySource] ?? v.keySource}` : '';
  setStatus(kindClass, titles[v.status] ?? v.status, `${sub}${keyNote}`);
  checks.replaceChildren(
    ...v.checks.map((c) =>
      el(
        'li',
        {
          class: c.ok ? 'ok' : 'fail',
          'data-check': c.check,
          'data-code': c.ok ? undefined : c.code,
          // Claim failures carry a reason; they name their claim as the CLI's --json does.
          'data-claim': c.ok || c.reason === undefined ? undefined : c.check,
        },
        el('strong', {}, c.check),
        ': ',
        c.message,
        c.code && !c.ok ? el('code', {}, ` ${c.code}`) : '',
        c.expiredSecondsAgo !== undefined ? ` (expired ${c.expiredSecondsAgo}s ago)` : '',
      ),
    ),
  );
  hints.replaceChildren(
    ...v.warnings.map((w) => el('li', { 'data-code': w.code }, w.message)),
    ...v.hints.map((h) => el('li', {}, h)),
  );
}
async function verifyNow() {
  const seq = ++verifySeq;
  const checks = $('verify-checks');
  checks.dataset.done = 'no';
  try {
    await verifyInto(seq, checks);
  } finally {
    if (seq === verifySeq) checks.dataset.done = 'yes';
  }
}
async function verifyInto(seq, checks) {
  const hints = $('verify-hints');
  const kind = keyKind();
  const value = kind === 'secret' ? $('verify-secret').value : $('verify-public').value;
  if (!state.token) {
    checks.replaceChildren();
    hints.replaceChildren();
    return setStatus('none', 'NOT VERIFIED', 'No token: paste one in the Decode tab.');
  }
  if (value === '') {
    checks.replaceChildren();
    hints.replaceChildren();
    return setStatus(
      'none',
      'NOT VERIFIED',
      'Enter a secret or a public key to verify the signature.',
    );
  }
  const r = await api('verify', verifyRequest(kind, value));
  if (seq !== verifySeq) return;
  if (!r.ok) {
    checks.replaceChildren();
    return setStatus(
      'invalid',
      'ERROR',
      r.data.error ? r.data.error.message : 'verification failed',
    );
  }
  showReport(r.data, checks, hints);
}
export const scheduleVerify = debounce(verifyNow, 200);
for (const id of [
  'verify-secret',
  'verify-encoding',
  'verify-public',
  'verify-kid',
  'verify-algs',
  'verify-iss',
  'verify-aud',
  'verify-sub',
  'verify-typ',
  'verify-require',
  'verify-clock-tolerance',
]) {
  $(id).addEventListener('input', scheduleVerify);
  $(id).addEventListener('change', scheduleVerify);
}
$('verify-public').addEventListener('input', fillKids);
for (const id of ['key-kind-secret', 'key-kind-public'])
  $(id).addEventListener('change', () => {
    syncKeyKind();
    scheduleVerify();
  });
$('verify-run').addEventListener('click', verifyNow);
// What pressing Fetch would do with URL u (the server enforces the same rules).
export function jwksNote(u) {
  const own = state.config.ownJwksUrl;
  if (own && u === own) return `Pressing Fetch loads this issuer's keys from ${own}.`;
  if (!state.config.allowNetwork)
    return own
      ? `Only this issuer's keys (${own}) can be fetched here; for other URLs start tessera ui --allow-network.`
      : 'Network is off: start with tessera ui --allow-network to fetch a JWKS.';
  const scheme = state.config.allowHttpLoopback ? 'https, or http to this machine' : 'https only';
  return u ? `Pressing Fetch contacts ${u} (${scheme}), from the local tessera process.` : '';
}
$('jwks-url').addEventListener('input', () => {
  $('jwks-note').textContent = jwksNote($('jwks-url').value.trim());
});
$('jwks-fetch').addEventListener('click', async () => {
  const r = await api('jwks', { url: $('jwks-url').value.trim() });
  if (!r.ok) {
    $('jwks-note').textContent = r.data.error ? r.data.error.message : 'fetch failed';
    return;
  }
  $('verify-public').value = JSON.stringify(r.data.jwks, null, 2);
  fillKids();
  $('jwks-note').textContent = `Fetched ${r.data.jwks.keys.length} key(s).`;
  scheduleVerify();
});
