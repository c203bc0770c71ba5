// Tables and target checks from the per-run results.
import { median } from './measure.mjs';

const PEERS = ['fast-jwt', 'jose', 'jsonwebtoken', 'floor'];
const fmt = (n) => (n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const fmtRatio = (r) => (r === undefined ? 'n/a' : r.toFixed(2));

/** Median over runs of tessera/peer for one case, or undefined when the peer is absent. */
export function ratio(perRun, c, peer, self = 'tessera') {
  const k = `${c.alg}|${c.op}`;
  if (!c.participants.some((p) => p.name === peer)) return undefined;
  return median(perRun.map((r) => r.get(k)[self] / r.get(k)[peer]));
}

/** Lowest and highest per-run tessera/peer ratio. */
export function ratioRange(perRun, c, peer, self = 'tessera') {
  const k = `${c.alg}|${c.op}`;
  if (!c.participants.some((p) => p.name === peer)) return undefined;
  const rs = perRun.map((r) => r.get(k)[self] / r.get(k)[peer]);
  return [Math.min(...rs), Math.max(...rs)];
}

function opsOf(perRun, c, name) {
  if (!c.participants.some((p) => p.name === name)) return undefined;
  return median(perRun.map((r) => r.get(`${c.alg}|${c.op}`)[name]));
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

const isMain = (c) =>
  c.op === 'sign' || c.op === 'verify' || c.op === 'encrypt' || c.op === 'decrypt';

/** The main table: ops/s per library, then Tessera/peer ratios. */
export function formatTable(cases, perRun) {
  const main = cases.filter(isMain);
  const header = ['alg', 'op', 'tessera', ...PEERS, ...PEERS.map((p) => `T/${p}`)];
  const rows = main.map((c) => [
    c.alg,
    c.op,
    fmt(opsOf(perRun, c, 'tessera')),
    ...PEERS.map((p) => fmt(opsOf(perRun, c, p))),
    ...PEERS.map((p) => fmtRatio(ratio(perRun, c, p))),
  ]);
  return `ops/s (median of runs) and Tessera/peer (median of per-run ratios)\n\n${table(header, rows)}`;
}

/** The verified-token cache table: hits/s beside uncached verification. */
export function formatCacheTable(cases, perRun) {
  const cache = cases.filter((c) => c.op === 'verify-cache-hit');
  if (cache.length === 0) return '';
  const header = [
    'alg',
    'op',
    'tessera (no cache)',
    'tessera+cache hits',
    'fast-jwt+cache hits',
    'hit/uncached',
    'T+cache/fast-jwt+cache',
  ];
  const rows = cache.map((c) => [
    c.alg,
    c.op,
    fmt(opsOf(perRun, c, 'tessera')),
    fmt(opsOf(perRun, c, 'tessera+cache')),
    fmt(opsOf(perRun, c, 'fast-jwt+cache')),
    fmtRatio(ratio(perRun, c, 'tessera', 'tessera+cache')),
    fmtRatio(ratio(perRun, c, 'fast-jwt+cache', 'tessera+cache')),
  ]);
  return `verified-token cache (opt-in), hits per second\n\n${table(header, rows)}`;
}

/** The issue's targets, each PASS or MISS with the measured median ratio. */
export function checkTargets(cases, perRun) {
  const lines = ['targets (median of per-run ratios):'];
  const check = (c, peer, min) => {
    const r = ratio(perRun, c, peer);
    if (r === undefined) return;
    const [lo, hi] = ratioRange(perRun, c, peer);
    const label = `${c.alg} ${c.op} tessera/${peer}`;
    lines.push(
      `  ${r >= min ? 'PASS' : 'MISS'}  ${label.padEnd(34)} ${r.toFixed(3)} (>= ${min}; runs ${lo.toFixed(2)}–${hi.toFixed(2)})`,
    );
  };
  for (const c of cases.filter((x) => x.op === 'sign' || x.op === 'verify'))
    check(c, 'fast-jwt', 1.0);
  for (const c of cases.filter((x) => x.alg === 'HS256' && (x.op === 'sign' || x.op === 'verify')))
    check(c, 'jose', 3);
  for (const c of cases.filter((x) => x.op === 'verify')) check(c, 'floor', 0.85);
  return lines.join('\n');
}
