// Bun and Deno: time the per-runtime pass in-process (interleaved rounds), print one JSON line.
import { ALGS, prepare, runOps } from './runtime-ops.mjs';

const g = globalThis;
const env = (name) => (g.Deno ? g.Deno.env.get(name) : g.process.env[name]);
const rounds = Number(env('BENCH_ROUNDS') ?? 5);
const sliceMs = Number(env('BENCH_SLICE_MS') ?? 250);

async function opsPerSec(lib, alg, op) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < sliceMs) {
    await runOps(lib, alg, op, 8);
    n += 8;
  }
  return (n * 1000) / (performance.now() - t0);
}

await prepare();
const rows = [];
for (const alg of ALGS)
  for (const op of ['sign', 'verify']) {
    await opsPerSec('tessera', alg, op);
    await opsPerSec('jose', alg, op);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? ['jose', 'tessera'] : ['tessera', 'jose'];
      const out = {};
      for (const lib of order) out[lib] = await opsPerSec(lib, alg, op);
      rows.push({ alg, op, round: r, ...out });
    }
  }
console.log(`BENCH ${JSON.stringify(rows)}`);
