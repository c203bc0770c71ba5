/**
 * One self-contained HTML report: inline SVG diagram, inline CSS, the exchange table, the tokens,
 * the assertion results and findings. No scripts, and a CSP that forbids them and every fetch.
 */
import type { Exchange, Trace } from '../model.js';
import { renderSvg, escapeXml } from './svg.js';
import { relativeDuration } from './diagram.js';

const CSS = `
:root{color-scheme:light dark;--ink:#1f2937;--bg:#ffffff;--muted:#6b7280;--line:#e5e7eb}
@media (prefers-color-scheme:dark){:root{--ink:#e5e7eb;--bg:#111827;--muted:#9ca3af;--line:#374151}}
body{font:14px/1.45 system-ui,sans-serif;color:var(--ink);background:var(--bg);margin:2rem;max-width:1200px}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
.diagram{overflow-x:auto;border:1px solid var(--line);border-radius:6px;background:#fff;padding:.5rem}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.pass{color:#15803d;font-weight:bold}.fail{color:#dc2626;font-weight:bold}
tr.credential td{background:rgba(217,119,6,.12)}tr.failing td{background:rgba(220,38,38,.12)}
.muted{color:var(--muted)}
`.trim();

const esc = escapeXml;

function exchangeRow(e: Exchange, trace: Trace, failing: Set<number>): string {
  const tok = (fp: string): string => {
    const t = trace.tokens.find((x) => x.fingerprint === fp);
    return t
      ? `#${t.n} <code>${esc(t.display)}</code> <span class="muted">${esc(fp)}</span>`
      : `<code>${esc(fp)}</code>`;
  };
  const creds = e.credentials
    .map((c) => esc(`${c.kind}${c.name !== undefined ? ` (${c.name})` : ''} in ${c.location}`))
    .join('<br>');
  const presented = e.tokensPresented
    .map(
      (p) =>
        `${tok(p.fingerprint)} <span class="muted">${esc(p.location)}${p.name !== undefined ? ` ${esc(p.name)}` : ''}</span>`,
    )
    .join('<br>');
  const issued = e.tokensIssued
    .map((i) => `${tok(i.fingerprint)} <span class="muted">${esc(i.name)}</span>`)
    .join('<br>');
  const cls = [e.credentials.length ? 'credential' : '', failing.has(e.seq) ? 'failing' : '']
    .filter(Boolean)
    .join(' ');
  return (
    `<tr${cls ? ` class="${cls}"` : ''}><td>${e.seq}</td><td>${e.t}</td><td><code>${esc(e.method)} ${esc(e.url)}</code></td>` +
    `<td>${e.error !== undefined ? esc(`error: ${e.error}`) : e.status}</td><td>${e.durationMs}</td>` +
    `<td>${creds}</td><td>${presented}</td><td>${issued}</td></tr>`
  );
}

/**
 * Render a trace as a single self-contained HTML page.
 *
 * @example
 * writeFileSync('trace.html', renderHtml(trace));
 */
export function renderHtml(trace: Trace): string {
  const failing = new Set(
    trace.assertions.filter((a) => a.status === 'fail').flatMap((a) => a.exchanges),
  );
  const start = Date.parse(trace.startedAt);
  const assertions = trace.assertions.length
    ? trace.assertions
        .map(
          (a) =>
            `<tr><td><code>${esc(a.name)}</code></td><td class="${a.status}">${a.status === 'pass' ? '✓ pass' : '✗ fail'}</td><td>${esc(a.message)}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="3" class="muted">no assertions evaluated</td></tr>';
  const tokens = trace.tokens
    .map((t) => {
      const issuedAt =
        t.issuedIn !== undefined ? trace.exchanges.find((e) => e.seq === t.issuedIn) : undefined;
      const exp =
        t.exp !== undefined
          ? `${new Date(t.exp * 1000).toISOString()}${issuedAt ? ` (${relativeDuration(t.exp - (start + issuedAt.t) / 1000)} after issue)` : ''}`
          : '—';
      return (
        `<tr><td>#${t.n}</td><td><code>${esc(t.display)}</code></td><td><code>${esc(t.fingerprint)}</code></td><td>${esc(t.kind)}${t.alg !== undefined ? ` ${esc(t.alg)}` : ''}${t.verified === 'valid' ? ' <span class="pass">✓ verified</span>' : t.verified === 'invalid' ? ` <span class="fail">✗ ${esc(t.verifyError ?? 'invalid')}</span>` : ''}</td>` +
        `<td>${t.kid !== undefined ? `<code>${esc(t.kid)}</code>` : '—'}</td><td>${esc(exp)}</td><td>${t.lifetimeSec !== undefined ? `${t.lifetimeSec} s` : '—'}</td>` +
        `<td>${t.issuedIn !== undefined ? `#${t.issuedIn}${t.issuedAs !== undefined ? ` (${esc(t.issuedAs)})` : ''}` : '—'}</td><td>${t.presentedIn.map((s) => `#${s}`).join(', ') || '—'}</td></tr>`
      );
    })
    .join('\n');
  const findings = trace.findings
    .map(
      (f) =>
        `<li><strong>${esc(f.code)}</strong> (${esc(f.severity)}): ${esc(f.message)} ${f.exchanges.map((s) => `#${s}`).join(', ')}</li>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>Tessera flow trace</title>
<style>${CSS}</style>
</head>
<body>
<h1>Flow trace</h1>
<p class="muted">source <code>${esc(trace.source)}</code>, started ${esc(trace.startedAt)}, ${trace.exchanges.length} exchanges, ${trace.revealed ? '<strong class="fail">tokens revealed</strong>' : 'tokens redacted'}; passwords are never stored.</p>
<h2>Assertions</h2>
<table><thead><tr><th>assertion</th><th>result</th><th>details</th></tr></thead><tbody>
${assertions}
</tbody></table>
<h2>Sequence</h2>
<div class="diagram">${renderSvg(trace, { xmlDeclaration: false, idPrefix: 'report' })}</div>
<h2>Exchanges</h2>
<table><thead><tr><th>#</th><th>t (ms)</th><th>request</th><th>status</th><th>ms</th><th>credentials</th><th>token presented</th><th>token issued</th></tr></thead><tbody>
${trace.exchanges.map((e) => exchangeRow(e, trace, failing)).join('\n')}
</tbody></table>
<h2>Tokens</h2>
<table><thead><tr><th>#</th><th>token</th><th>fingerprint</th><th>type</th><th>kid</th><th>exp</th><th>lifetime</th><th>issued in</th><th>presented in</th></tr></thead><tbody>
${tokens || '<tr><td colspan="9" class="muted">no tokens</td></tr>'}
</tbody></table>
<h2>Findings</h2>
${findings ? `<ul>\n${findings}\n</ul>` : '<p class="muted">none</p>'}
</body>
</html>
`;
}
