/**
 * An ASCII sequence diagram for terminals: one column per participant, labels above arrows,
 * `*` marking the credential request and `!` a failing one.
 */
import type { Trace } from '../model.js';
import { describeTrace, segmentsText } from './diagram.js';

export interface AsciiOptions {
  /** Wrap nothing, but cap label length (default 100 characters). */
  maxLabel?: number;
}

const width = (s: string): number => [...s].length;
const cap = (s: string, max: number): string =>
  [...s].length > max ? `${[...s].slice(0, max - 1).join('')}…` : s;

/**
 * Render a trace as ASCII art.
 *
 * @example
 * process.stdout.write(renderAscii(trace));
 */
export function renderAscii(trace: Trace, options: AsciiOptions = {}): string {
  const d = describeTrace(trace);
  const max = options.maxLabel ?? 100;
  const idx = new Map(d.participants.map((p, i) => [p.id, i]));
  const gaps = d.participants.slice(1).map((p) => Math.max(24, width(p.label) + 4));
  for (const s of d.steps) {
    const a = idx.get(s.from) ?? 0;
    const b = idx.get(s.to) ?? 0;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (lo === hi) continue;
    const need =
      Math.max(
        width(cap(segmentsText(s.request), max)),
        width(cap(segmentsText(s.response), max)),
      ) + 6;
    const have = gaps.slice(lo, hi).reduce((x, y) => x + y, 0);
    if (need > have) gaps[hi - 1]! += need - have;
  }
  const first = Math.max(4, Math.ceil(width(d.participants[0]?.label ?? '') / 2) + 1);
  const xs = [first];
  for (const g of gaps) xs.push(xs[xs.length - 1]! + g);
  const total = xs[xs.length - 1]! + 40;

  const lifelines = (): string[] => {
    const row = new Array<string>(total).fill(' ');
    for (const x of xs) row[x] = '|';
    return row;
  };
  const put = (row: string[], at: number, text: string): void => {
    [...text].forEach((c, i) => {
      if (at + i >= 0 && at + i < row.length) row[at + i] = c;
      else if (at + i >= row.length) row.push(c);
    });
  };
  const out: string[] = [];
  const head = new Array<string>(total).fill(' ');
  d.participants.forEach((p, i) =>
    put(head, Math.max(0, xs[i]! - Math.floor(width(p.label) / 2)), p.label),
  );
  out.push(head.join('').trimEnd());
  out.push(lifelines().join('').trimEnd());

  const groupStart = new Map(d.groups.map((g) => [g.first, g]));
  const groupEnd = new Set(d.groups.map((g) => g.last));
  d.steps.forEach((s, i) => {
    const g = groupStart.get(i);
    if (g) {
      const r = lifelines();
      put(r, 0, `== ${g.label} `.padEnd(total, '='));
      out.push(r.join('').trimEnd());
    }
    const x1 = xs[idx.get(s.from) ?? 0]!;
    const x2 = xs[idx.get(s.to) ?? 0]!;
    const lo = Math.min(x1, x2);
    const hi = Math.max(x1, x2);
    for (const note of s.notes) {
      const r = lifelines();
      put(r, lo + 2, `(${note})`);
      out.push(r.join('').trimEnd());
    }
    const mark = s.failing.length ? '!' : s.credential ? '*' : '-';
    const arrow = (label: string, right: boolean, dashed: boolean): void => {
      const lr = lifelines();
      put(lr, lo + 2, cap(label, max));
      out.push(lr.join('').trimEnd());
      const r = lifelines();
      const fill = dashed ? '.' : mark;
      for (let x = lo + 1; x < hi; x++) r[x] = fill;
      if (right) r[hi - 1] = '>';
      else r[lo + 1] = '<';
      out.push(r.join('').trimEnd());
    };
    arrow(segmentsText(s.request), x2 >= x1, false);
    arrow(segmentsText(s.response), x2 < x1, true);
    if (groupEnd.has(i)) {
      const r = lifelines();
      put(r, 0, '='.repeat(total));
      out.push(r.join('').trimEnd());
    }
  });
  out.push(lifelines().join('').trimEnd());
  return `${out.join('\n')}\n`;
}
