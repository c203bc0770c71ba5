// Tessera debugger page. Plain ES module, no framework, no build step. Every piece of data is
// put into the page with textContent (never innerHTML), and every request goes to this origin.
// Nothing is stored in the browser (no localStorage, no sessionStorage).
// One script on purpose: no bundler and no build step, so the package ships exactly what the
// browser runs. Its sections follow the panes: tabs, Decode, Verify, Sign, Audit, Trace, start.

const API = '/_tessera/api/';
const $ = (id) => document.getElementById(id);

/** Create an element with attributes and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(
      typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
    );
  }
  return node;
}

async function api(name, body) {
  const init =
    body === undefined
      ? { credentials: 'same-origin' }
      : {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        };
  try {
    const res = await fetch(API + name, init);
    const data = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, data };
  } catch {
    return {
      ok: false,
      status: 0,
      data: {
        error: { code: 'ERR_OFFLINE', message: 'the local debugger process is not answering' },
      },
    };
  }
}

function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

const toastEl = el('div', { class: 'toast', hidden: true, role: 'status' });
document.body.append(toastEl);
function toast(text) {
  toastEl.textContent = text;
  toastEl.hidden = false;
  setTimeout(() => {
    toastEl.hidden = true;
  }, 1500);
}
async function copy(text, what) {
  if (!text) return toast(`Nothing to copy`);
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast('The clipboard is not available');
  }
}

const state = {
  token: '',
  decoded: undefined,
  config: {
    allowNetwork: false,
    allowHttpLoopback: false,
    ownJwksUrl: null,
    audit: false,
    traceRenderer: false,
    liveTrace: false,
  },
};

// ---------- tabs ----------
const tabs = [...document.querySelectorAll('[role="tab"]')];
function showPane(name) {
  for (const t of tabs) {
    const on = t.dataset.pane === name;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(`pane-${t.dataset.pane}`).hidden = !on;
  }
  if (name === 'verify') renderTokenInto($('verify-token'), state.decoded);
  if (name === 'audit') renderTokenInto($('audit-token'), state.decoded);
}
for (const t of tabs) t.addEventListener('click', () => showPane(t.dataset.pane));
$('tab-decode').parentElement.addEventListener('keydown', (e) => {
  const i = tabs.findIndex((t) => t.getAttribute('aria-selected') === 'true');
  const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
  if (d === 0) return;
  const next = tabs[(i + d + tabs.length) % tabs.length];
  showPane(next.dataset.pane);
  next.focus();
});
document.addEventListener('keydown', (e) => {
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const n = Number(e.key);
  if (n >= 1 && n <= tabs.length) {
    e.preventDefault();
    showPane(tabs[n - 1].dataset.pane);
  }
});

// ---------- token rendering ----------
function renderTokenInto(target, decoded) {
  target.replaceChildren();
  if (!decoded || decoded.parts.length === 0) {
    target.append(el('span', { class: 'note' }, 'No token — paste one in the Decode tab.'));
    return;
  }
  decoded.parts.forEach((p, i) => {
    if (i > 0) target.append(el('span', { class: 'dot-sep' }, '.'));
    target.append(el('span', { class: `part-${p.kind}`, 'data-part': p.kind }, p.text));
  });
}

// ---------- Decode ----------
let decodeSeq = 0;
function relativeNow(unix) {
  return new Date(unix * 1000).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'long',
  });
}
function renderDecoded(d) {
  state.decoded = d;
  // Garbage keeps its text, so Verify can say why it is not a token (as the CLI does).
  state.token = d ? d.token || $('token-input').value : '';
  renderTokenInto($('token-colored'), d);
  const fmt = $('format-badge');
  fmt.textContent = d ? d.formatLabel : '';
  fmt.dataset.format = d ? d.format : '';
  $('clean-note').textContent =
    d && d.removed.length > 0 ? `Cleaned: removed ${d.removed.join(', ')}.` : '';
  const hj = $('header-json');
  const pj = $('payload-json');
  hj.classList.toggle('error', Boolean(d && d.headerError));
  pj.classList.toggle('error', Boolean(d && d.payloadError));
  hj.textContent = !d ? '' : d.header ? JSON.stringify(d.header, null, 2) : (d.headerError ?? '');
  pj.textContent = !d
    ? ''
    : d.payload
      ? JSON.stringify(d.payload, null, 2)
      : d.format === 'jwe'
        ? '(encrypted: the payload cannot be read without the key)'
        : [d.payloadError, d.payloadText].filter(Boolean).join('\n\n');
  const warn = $('decode-warnings');
  warn.replaceChildren(
    ...(d ? d.warnings.map((w) => el('li', { 'data-code': w.code }, w.message)) : []),
  );
  $('sig-note').textContent = !d
    ? 'signature: NOT VERIFIED (use the Verify tab)'
    : d.format === 'unsecured'
      ? 'alg none: UNSECURED — there is no signature to verify'
      : d.format === 'jwe'
        ? 'encrypted token: decrypt it to see the claims'
        : 'signature: NOT VERIFIED (use the Verify tab)';
  const body = $('claims-table').tBodies[0];
  body.replaceChildren(...(d ? d.claims.map(claimRow) : []));
  if (d && d.claims.length === 0)
    body.append(el('tr', {}, el('td', { colspan: 4, class: 'note' }, 'No claims to show.')));
  renderTokenInto($('verify-token'), d);
  renderTokenInto($('audit-token'), d);
  scheduleVerify();
}
function claimRow(c) {
  const dateCell = el('td', { class: 'date' });
  if (c.date) {
    dateCell.append(
      el('span', { class: 'date-utc' }, c.date.iso),
      ' · ',
      el('span', { class: 'date-local' }, `local ${relativeNow(c.date.unix)}`),
      ' · ',
      el('span', { class: 'date-rel' }, c.date.relative),
    );
    if (c.date.milliseconds)
      dateCell.append(el('span', { class: 'badge badge-ms' }, 'milliseconds?'));
  }
  if (c.badge)
    dateCell.append(
      el(
        'span',
        { class: `badge badge-${c.badge}`, 'data-badge': c.badge },
        c.badge.replace(/-/g, ' '),
      ),
    );
  const meaning = el('td', { class: 'meaning' });
  if (c.description) {
    meaning.append(c.description, ' ');
    if (c.link)
      meaning.append(
        el('a', { href: c.link, target: '_blank', rel: 'noopener noreferrer' }, c.spec ?? 'spec'),
      );
  }
  return el(
    'tr',
    { 'data-claim': c.claim },
    el('td', { class: 'claim' }, c.claim),
    el('td', { class: 'value' }, c.value),
    dateCell,
    meaning,
  );
}
async function decodeNow() {
  const text = $('token-input').value;
  const seq = ++decodeSeq;
  if (text.trim() === '') return renderDecoded(undefined);
  const r = await api('decode', { token: text });
  if (seq !== decodeSeq) return;
  if (r.ok) renderDecoded(r.data);
  else {
    renderDecoded(undefined);
    $('clean-note').textContent = r.data.error ? r.data.error.message : 'decoding failed';
  }
}
const decodeSoon = debounce(decodeNow, 120);
$('token-input').addEventListener('input', decodeSoon);
$('clear-token').addEventListener('click', () => {
  $('token-input').value = '';
  decodeNow();
});
$('copy-token').addEventListener('click', () => copy(state.token, 'Token'));
$('copy-header').addEventListener('click', () =>
  copy(state.decoded?.header ? JSON.stringify(state.decoded.header, null, 2) : '', 'Header'),
);
$('copy-payload').addEventListener('click', () =>
  copy(state.decoded?.payload ? JSON.stringify(state.decoded.payload, null, 2) : '', 'Payload'),
);
$('copy-json').addEventListener('click', () => {
  const d = state.decoded;
  if (!d) return copy('', '');
  const dates = Object.fromEntries(
    d.claims
      .filter((c) => c.date)
      .map((c) => [c.claim, { unix: c.date.unix, iso: c.date.iso, relative: c.date.relative }]),
  );
  const sig = d.parts.find((p) => p.kind === 'signature');
  copy(
    JSON.stringify(
      {
        format: d.format,
        header: d.header ?? null,
        payload: d.payload ?? null,
        signature: sig ? sig.text : null,
        dates,
        verification: { status: 'skipped' },
        warnings: d.warnings,
      },
      null,
      2,
    ),
    'JSON',
  );
});
$('copy-cli').addEventListener('click', () =>
  copy(state.token ? `tessera decode '${state.token}'` : '', 'Command'),
);

// ---------- Verify ----------
let verifySeq = 0;
function keyKind() {
  return $('key-kind-public').checked ? 'public' : 'secret';
}
function syncKeyKind() {
  $('secret-box').hidden = keyKind() !== 'secret';
  $('public-box').hidden = keyKind() !== 'public';
}
function fillKids() {
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
  const algs = $('verify-algs')
    .value.split(/[\s,]+/)
    .filter(Boolean);
  const key =
    kind === 'secret'
      ? { kind, value, encoding: $('verify-encoding').value }
      : { kind, value, ...($('verify-kid').value ? { kid: $('verify-kid').value } : {}) };
  const body = {
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
    clockTolerance: $('verify-leeway').value,
  };
  const r = await api('verify', body);
  if (seq !== verifySeq) return;
  if (!r.ok) {
    checks.replaceChildren();
    return setStatus(
      'invalid',
      'ERROR',
      r.data.error ? r.data.error.message : 'verification failed',
    );
  }
  const v = r.data;
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
const scheduleVerify = debounce(verifyNow, 200);
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
  'verify-leeway',
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
function jwksNote(u) {
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

// ---------- Sign ----------
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
const nowSec = () => Math.floor(Date.now() / 1000);
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
async function signHelp() {
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

// ---------- Audit ----------
$('audit-run').addEventListener('click', async () => {
  const tbody = $('audit-findings').tBodies[0];
  tbody.replaceChildren();
  if (!state.token) {
    $('audit-note').textContent = 'No token: paste one in the Decode tab.';
    return;
  }
  const r = await api('audit', { token: state.token });
  if (!r.ok) {
    $('audit-note').textContent = r.data.error ? r.data.error.message : 'the audit failed';
    return;
  }
  const findings = r.data.findings;
  $('audit-note').textContent =
    findings.length === 0
      ? 'No findings.'
      : `${findings.length} finding${findings.length > 1 ? 's' : ''}.`;
  for (const f of findings) {
    const sev = String(f.severity ?? f.level ?? 'info');
    const code = String(f.code ?? f.id ?? f.rule ?? '');
    const msg = String(f.message ?? f.title ?? '');
    // The CLI's AuditFinding: { id, severity, message, part, name? }.
    const detail = f.detail ?? f.hint ?? ([f.part, f.name].filter(Boolean).join(' · ') || '');
    tbody.append(
      el(
        'tr',
        { 'data-code': code },
        el('td', { class: `sev-${sev.toLowerCase()}` }, sev),
        el('td', {}, el('code', {}, code), ' ', msg),
        el('td', {}, String(detail)),
      ),
    );
  }
});

// ---------- Trace ----------
function renderTrace(r) {
  const diagram = $('trace-diagram');
  diagram.replaceChildren();
  if (!r.ok) {
    $('trace-note').textContent = r.data.error
      ? r.data.error.message
      : 'the trace could not be shown';
    return;
  }
  const v = r.data;
  // The SVG is shown as an image: a data: URL image runs no script and cannot reach the page.
  if (v.svgDataUrl)
    diagram.append(
      el('img', { src: v.svgDataUrl, alt: 'Sequence diagram of the flow', id: 'trace-svg' }),
    );
  else diagram.append(el('p', { class: 'note' }, v.diagramError ?? 'no diagram'));
  const s = v.summary;
  $('trace-note').textContent =
    `${s.exchanges.length} exchange(s) between ${s.participants.join(', ') || 'unknown participants'}.`;
  $('trace-assertions').replaceChildren(
    ...s.assertions.map((a) =>
      el(
        'li',
        { class: a.ok ? 'ok' : 'fail', 'data-assertion': a.name },
        el('strong', {}, a.name),
        `: ${a.ok ? 'pass' : 'FAIL'}`,
        a.message ? ` — ${a.message}` : '',
        a.exchanges.length > 0 ? ` (#${a.exchanges.join(', #')})` : '',
      ),
    ),
  );
  if (s.assertions.length === 0)
    $('trace-assertions').append(el('li', { class: 'note' }, 'No assertions in this trace.'));
  const tbody = $('trace-exchanges').tBodies[0];
  tbody.replaceChildren(
    ...s.exchanges.map((x) => {
      const row = el(
        'tr',
        {
          class: x.tokens.length > 0 ? 'clickable' : undefined,
          title: x.tokens.length > 0 ? 'Open its token in Decode' : undefined,
        },
        el('td', {}, String(x.seq)),
        el('td', {}, `${x.from} → ${x.to}`),
        el('td', { class: 'value' }, `${x.method} ${x.url}`),
        el('td', {}, String(x.status)),
        el('td', {}, x.credentials.join(', ')),
        el(
          'td',
          {},
          [
            x.presented.length ? `presented ${x.presented.join(' ')}` : '',
            x.issued.length ? `issued ${x.issued.join(' ')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
        ),
      );
      if (x.tokens.length > 0)
        row.addEventListener('click', async () => {
          $('token-input').value = x.tokens[0];
          await decodeNow();
          showPane('decode');
        });
      return row;
    }),
  );
}
$('trace-file').addEventListener('change', async () => {
  const file = $('trace-file').files[0];
  if (!file) return;
  let trace;
  try {
    trace = JSON.parse(await file.text());
  } catch {
    $('trace-note').textContent = 'The file is not JSON.';
    return;
  }
  renderTrace(await api('trace/render', trace));
});
async function loadLive() {
  renderTrace(await api('trace/live'));
}
$('trace-live').addEventListener('click', loadLive);

// ---------- start ----------
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
