// Tessera debugger page: the Trace pane.
import { $, api, el, showPane } from './page.js';
import { decodeNow } from './decode.js';

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
export async function loadLive() {
  renderTrace(await api('trace/live'));
}
$('trace-live').addEventListener('click', loadLive);
