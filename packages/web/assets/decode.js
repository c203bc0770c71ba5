// Tessera debugger page: the Decode pane.
import { $, api, copy, debounce, el, renderTokenInto, state } from './page.js';
import { scheduleVerify } from './verify.js';

let decodeSeq = 0;
function relativeNow(unix) {
  return new Date(unix * 1000).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'long',
  });
}
export function renderDecoded(d) {
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
export function claimRow(c) {
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
export async function decodeNow() {
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
