/**
 * A small SVG sequence-diagram renderer: lifelines, numbered arrows (requests solid, responses
 * dashed), activation bars, notes, the credential arrow in amber, token-only requests inside a
 * blue region, failing arrows in red. Deterministic: the same trace gives the same bytes.
 */
import type { Trace } from '../model.js';
import { describeTrace, segmentsText } from './diagram.js';
import type { Segment } from './diagram.js';

export interface SvgOptions {
  /** Prefix for element ids, so several diagrams can share one page. Default `tt`. */
  idPrefix?: string;
  /** Include the XML declaration (for a standalone .svg file). Default true. */
  xmlDeclaration?: boolean;
}

const FONT = 12;
const CHAR_W = 7.3; // monospace advance at 12px, rounded up so labels never overflow
const HEAD_H = 34;
const TOP = 16;
const MIN_GAP = 180;
const NOTE_H = 22;

export const COLORS = {
  ink: '#1f2937',
  muted: '#6b7280',
  lifeline: '#9ca3af',
  credential: '#d97706',
  failing: '#dc2626',
  region: '#dbeafe',
  regionStroke: '#3b82f6',
  note: '#fef3c7',
  noteFail: '#fee2e2',
  header: '#fb015b',
  payload: '#d63aff',
  signature: '#00b9f1',
} as const;

/** Escape text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const textWidth = (s: string): number => [...s].length * CHAR_W;
const n = (x: number): string => (Math.round(x * 10) / 10).toString();

const SEGMENT_FILL: Record<Segment['kind'], string | undefined> = {
  plain: undefined,
  'token-header': COLORS.header,
  'token-payload': COLORS.payload,
  'token-signature': COLORS.signature,
};

function tspans(segs: readonly Segment[]): string {
  return segs
    .map((s) => {
      const fill = SEGMENT_FILL[s.kind];
      return fill ? `<tspan fill="${fill}">${escapeXml(s.text)}</tspan>` : escapeXml(s.text);
    })
    .join('');
}

/**
 * Render a trace as an SVG sequence diagram.
 *
 * @example
 * writeFileSync('flow.svg', renderSvg(trace));
 */
export function renderSvg(trace: Trace, options: SvgOptions = {}): string {
  const d = describeTrace(trace);
  const id = options.idPrefix ?? 'tt';
  const index = new Map(d.participants.map((p, i) => [p.id, i]));
  const count = d.participants.length;

  // Column gaps: wide enough for every label between the lifelines it spans.
  const gaps = new Array<number>(Math.max(count - 1, 0)).fill(MIN_GAP);
  for (const p of d.participants.slice(0, -1))
    gaps[index.get(p.id)!] = Math.max(MIN_GAP, textWidth(p.label) + 40);
  for (const s of d.steps) {
    const a = index.get(s.from) ?? 0;
    const b = index.get(s.to) ?? 0;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (lo === hi) continue;
    const need =
      Math.max(textWidth(segmentsText(s.request)), textWidth(segmentsText(s.response))) + 48;
    const have = gaps.slice(lo, hi).reduce((x, y) => x + y, 0);
    if (need > have) gaps[hi - 1]! += need - have;
  }
  const firstHalf = Math.max(60, textWidth(d.participants[0]?.label ?? '') / 2 + 24);
  const xs: number[] = [firstHalf + 16];
  for (const g of gaps) xs.push(xs[xs.length - 1]! + g);
  const lastLabel = d.participants[count - 1]?.label ?? '';
  let width = (xs[xs.length - 1] ?? 0) + Math.max(60, textWidth(lastLabel) / 2 + 24) + 16;

  const body: string[] = [];
  const regions: string[] = [];
  let y = TOP + HEAD_H + 24;
  const xOf = (pid: string): number => xs[index.get(pid) ?? 0] ?? 0;
  const groupStart = new Map(d.groups.map((g) => [g.first, g]));
  const groupEnd = new Map(d.groups.map((g) => [g.last, g]));
  let regionTop = 0;

  d.steps.forEach((s, i) => {
    const g = groupStart.get(i);
    if (g) {
      regionTop = y;
      y += 24;
    }
    const x1 = xOf(s.from);
    const x2 = xOf(s.to);
    const dir = x2 >= x1 ? 1 : -1;
    const color =
      s.failing.length > 0 ? COLORS.failing : s.credential ? COLORS.credential : COLORS.ink;
    const marker =
      s.failing.length > 0 ? `${id}-arrow-fail` : s.credential ? `${id}-arrow-cred` : `${id}-arrow`;
    const mid = (x1 + x2) / 2;

    for (const note of s.notes) {
      const w = Math.max(textWidth(note) + 20, Math.abs(x2 - x1) - 20);
      const fail = note.startsWith('✗') || note.includes('AGAIN');
      body.push(
        `<g class="note"><rect x="${n(mid - w / 2)}" y="${n(y)}" width="${n(w)}" height="${NOTE_H - 4}" rx="3" fill="${fail ? COLORS.noteFail : COLORS.note}" stroke="${fail ? COLORS.failing : COLORS.credential}"/>` +
          `<text x="${n(mid)}" y="${n(y + 13)}" text-anchor="middle">${escapeXml(note)}</text></g>`,
      );
      width = Math.max(width, mid + w / 2 + 16);
      y += NOTE_H;
    }

    const yReq = y + 18;
    const yRes = yReq + 38;
    // Activation bar on the callee: request to response.
    body.push(
      `<rect class="activation" x="${n(x2 - 5)}" y="${n(yReq)}" width="10" height="${n(yRes - yReq)}" fill="#f3f4f6" stroke="${COLORS.lifeline}"/>`,
    );
    const reqEnd = x2 - dir * 5;
    body.push(
      `<g class="message request${s.credential ? ' credential' : ''}${s.failing.length ? ' failing' : ''}" data-seq="${s.seq}">` +
        `<text x="${n(mid)}" y="${n(yReq - 6)}" text-anchor="middle"${s.credential || s.failing.length ? ` fill="${color}" font-weight="bold"` : ''}>${tspans(s.request)}</text>` +
        `<line x1="${n(x1)}" y1="${n(yReq)}" x2="${n(reqEnd)}" y2="${n(yReq)}" stroke="${color}" stroke-width="${s.credential ? 2.5 : 1.5}" marker-end="url(#${marker})"/>` +
        `<circle cx="${n(x1)}" cy="${n(yReq)}" r="9" fill="${color}"/>` +
        `<text x="${n(x1)}" y="${n(yReq + 4)}" text-anchor="middle" fill="#ffffff" font-size="10">${s.seq}</text></g>`,
    );
    body.push(
      `<g class="message response" data-seq="${s.seq}">` +
        `<text x="${n(mid)}" y="${n(yRes - 6)}" text-anchor="middle">${tspans(s.response)}</text>` +
        `<line x1="${n(x2 - dir * 5)}" y1="${n(yRes)}" x2="${n(x1)}" y2="${n(yRes)}" stroke="${s.failing.length ? COLORS.failing : COLORS.ink}" stroke-width="1.5" stroke-dasharray="6 4" marker-end="url(#${s.failing.length ? `${id}-arrow-fail` : `${id}-arrow`})"/></g>`,
    );
    y = yRes + 14;

    const ge = groupEnd.get(i);
    if (ge) {
      const left = Math.min(...xs) - 40;
      const right = Math.max(...xs) + 40;
      regions.push(
        `<g class="token-region"><rect x="${n(left)}" y="${n(regionTop)}" width="${n(right - left)}" height="${n(y - regionTop + 4)}" rx="6" fill="${COLORS.region}" fill-opacity="0.55" stroke="${COLORS.regionStroke}"/>` +
          `<text x="${n(left + 8)}" y="${n(regionTop + 16)}" fill="${COLORS.regionStroke}" font-weight="bold">${escapeXml(ge.label)}</text></g>`,
      );
      y += 12;
    }
  });

  const bottom = y + 8;
  const heads = d.participants
    .map((p, i) => {
      const x = xs[i]!;
      const w = Math.max(textWidth(p.label) + 24, 80);
      const fill = p.kind === 'client' ? '#ede9fe' : p.kind === 'actor' ? '#fef9c3' : '#e0f2fe';
      return (
        `<g class="participant" data-id="${escapeXml(p.id)}"><line x1="${n(x)}" y1="${TOP + HEAD_H}" x2="${n(x)}" y2="${n(bottom)}" stroke="${COLORS.lifeline}" stroke-dasharray="4 4"/>` +
        `<rect x="${n(x - w / 2)}" y="${TOP}" width="${n(w)}" height="${HEAD_H}" rx="4" fill="${fill}" stroke="${COLORS.ink}"/>` +
        `<text x="${n(x)}" y="${TOP + 21}" text-anchor="middle" font-weight="bold">${escapeXml(p.label)}</text></g>`
      );
    })
    .join('\n');
  const height = bottom + 16;
  const marker = (suffix: string, color: string): string =>
    `<marker id="${id}-${suffix}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
  const svg = [
    options.xmlDeclaration === false ? '' : '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" role="img" aria-labelledby="${id}-title" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="${FONT}" fill="${COLORS.ink}">\n`,
    `<title id="${id}-title">${escapeXml(d.title)}</title>\n`,
    `<defs>${marker('arrow', COLORS.ink)}${marker('arrow-cred', COLORS.credential)}${marker('arrow-fail', COLORS.failing)}</defs>\n`,
    `<rect width="100%" height="100%" fill="#ffffff"/>\n`,
    regions.join('\n'),
    regions.length ? '\n' : '',
    heads,
    '\n',
    body.join('\n'),
    '\n</svg>\n',
  ];
  return svg.join('');
}
