// Tessera debugger page: the Audit pane.
import { $, api, el, state } from './page.js';

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
