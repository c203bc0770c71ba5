/**
 * Mermaid `sequenceDiagram` text for a trace (paste into Markdown, or render with the `mermaid`
 * package). Mermaid cannot colour one arrow, so credentials and failures become notes.
 */
import type { Trace } from '../model.js';
import { describeTrace, segmentsText } from './diagram.js';

// Mermaid reads `#…;` as an entity and `;` as a statement end; `<>` would be parsed as HTML.
const escapeMermaid = (s: string): string =>
  s
    .replace(/[#;<>]/g, (c) => ({ '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;' })[c]!)
    .replace(/\s+/g, ' ');

/**
 * Render a trace as Mermaid `sequenceDiagram` text.
 *
 * @example
 * console.log(renderMermaid(trace));
 */
export function renderMermaid(trace: Trace): string {
  const d = describeTrace(trace);
  const lines: string[] = ['sequenceDiagram'];
  for (const p of d.participants) {
    lines.push(
      `  ${p.kind === 'actor' ? 'actor' : 'participant'} ${p.id} as ${escapeMermaid(p.label)}`,
    );
  }
  const groupStart = new Map(d.groups.map((g) => [g.first, g]));
  const groupEnd = new Set(d.groups.map((g) => g.last));
  d.steps.forEach((s, i) => {
    const g = groupStart.get(i);
    let indent = '  ';
    if (g) {
      lines.push('  rect rgb(219, 234, 254)');
      lines.push(
        `    Note over ${d.participants[0]?.id ?? s.from},${s.to}: ${escapeMermaid(g.label)}`,
      );
    }
    if (s.group !== undefined) indent = '    ';
    for (const note of s.notes)
      lines.push(`${indent}Note over ${s.from},${s.to}: ${escapeMermaid(note)}`);
    const self = s.from === s.to;
    lines.push(
      `${indent}${s.from}->>${self ? '' : '+'}${s.to}: ${escapeMermaid(segmentsText(s.request))}`,
    );
    lines.push(
      `${indent}${s.to}-->>${self ? '' : '-'}${s.from}: ${escapeMermaid(segmentsText(s.response))}`,
    );
    if (groupEnd.has(i)) lines.push('  end');
  });
  return `${lines.join('\n')}\n`;
}
