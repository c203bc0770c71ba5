// Interleaved throughput measurement: every participant of a case runs in short slices, in
// rotating order, so drift in machine load (2 shared cores) falls on all of them alike.
import { hrtime } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A young-generation collection before every slice, so the short-lived garbage one library leaves
// (jose's promises) is not collected on another library's time. Not a full collection: that
// also drops inline caches and compiled code, so every slice would start cold.
setFlagsFromString('--expose-gc');
const v8gc = runInNewContext('gc');
const gc = process.argv.includes('--no-gc') ? () => {} : () => v8gc({ type: 'minor' });

let sink;

/** Calls of `fn(i)` per timed batch, so timer reads stay well under 1% of a batch. */
function batchSize(perOpNs) {
  return Math.max(1, Math.min(256, Math.round(200_000 / Math.max(perOpNs, 1))));
}

function runSync(fn, ms, batch, start) {
  let i = start;
  const t0 = hrtime.bigint();
  const end = t0 + BigInt(Math.round(ms * 1e6));
  let t = t0;
  do {
    for (let j = 0; j < batch; j++) sink = fn(i++);
    t = hrtime.bigint();
  } while (t < end);
  return { ops: i - start, ns: Number(t - t0) };
}

async function runAsync(fn, ms, batch, start) {
  let i = start;
  const t0 = hrtime.bigint();
  const end = t0 + BigInt(Math.round(ms * 1e6));
  let t = t0;
  do {
    for (let j = 0; j < batch; j++) sink = await fn(i++);
    t = hrtime.bigint();
  } while (t < end);
  return { ops: i - start, ns: Number(t - t0) };
}

/**
 * Measure one case. `participants`: `[{ name, fn(i), async }]`. Returns `{ name: opsPerSec }`.
 * @param {{ warmupMs: number, sliceMs: number, slices: number }} timing
 */
export async function measureCase(participants, timing) {
  const state = participants.map(() => ({ ops: 0, ns: 0, batch: 1, i: 0 }));
  // Warm-up (JIT, caches, key preparation), which also sizes the batches.
  for (const [k, p] of participants.entries()) {
    const s = state[k];
    gc();
    const r = p.async
      ? await runAsync(p.fn, timing.warmupMs, 1, 0)
      : runSync(p.fn, timing.warmupMs, 1, 0);
    s.batch = batchSize(r.ns / r.ops);
    s.i = r.ops;
  }
  const n = participants.length;
  for (let round = 0; round < timing.slices; round++) {
    for (let j = 0; j < n; j++) {
      const k = (round + j) % n;
      gc();
      const p = participants[k];
      const s = state[k];
      const r = p.async
        ? await runAsync(p.fn, timing.sliceMs, s.batch, s.i)
        : runSync(p.fn, timing.sliceMs, s.batch, s.i);
      s.ops += r.ops;
      s.ns += r.ns;
      s.i += r.ops;
    }
  }
  const out = {};
  for (const [k, p] of participants.entries()) out[p.name] = (state[k].ops * 1e9) / state[k].ns;
  return out;
}

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Keep the result of a measured call reachable (no dead-code elimination). */
export function consume() {
  return sink;
}
