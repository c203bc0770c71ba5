// npm run bench -- --runtimes   (or: node bench/runtimes.mjs [--rounds N])
// Tessera's Web Crypto entry beside panva/jose on Bun, Deno and workerd (miniflare), one process
// per runtime, HS256/RS256/ES256/EdDSA sign and verify, interleaved rounds; each ratio is the
// median of the per-round ratios.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { BUN, DENO, ROOT, workerModules } from '../packages/guard/dist/test-support/runtimes.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 5) || 5;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function spawnPass(name, cmd, argv) {
  if (!existsSync(cmd)) return { name, skipped: `no binary at ${cmd}` };
  const r = spawnSync(cmd, argv, {
    cwd: ROOT,
    env: { ...process.env, BENCH_ROUNDS: String(rounds), NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH '));
  if (line === undefined) throw new Error(`${name}: no result\n${r.stdout}\n${r.stderr}`);
  return { name, rows: JSON.parse(line.slice(6)) };
}

async function workerdPass() {
  const { Miniflare } = await import('miniflare');
  const ops = join(here, 'runtime-ops.mjs');
  const entry = join(here, 'runtime-worker.mjs');
  const mf = new Miniflare({
    modules: workerModules(entry, [entry, ops]),
    modulesRoot: ROOT,
    compatibilityDate: '2025-09-01',
  });
  const call = (body) =>
    mf
      .dispatchFetch('http://bench.test/', { method: 'POST', body: JSON.stringify(body) })
      .then((r) => r.text());
  const N = {
    sign: { HS256: 400, RS256: 20, ES256: 200, EdDSA: 200 },
    verify: { HS256: 400, RS256: 200, ES256: 100, EdDSA: 100 },
  };
  const time = async (lib, alg, op) => {
    const n = N[op][alg];
    const t0 = performance.now();
    await call({ lib, alg, op, n });
    return (n * 1000) / (performance.now() - t0);
  };
  const rows = [];
  try {
    for (const alg of ['HS256', 'RS256', 'ES256', 'EdDSA'])
      for (const op of ['sign', 'verify']) {
        await time('tessera', alg, op);
        await time('jose', alg, op);
        for (let r = 0; r < rounds; r++) {
          const out = {};
          for (const lib of r % 2 ? ['jose', 'tessera'] : ['tessera', 'jose'])
            out[lib] = await time(lib, alg, op);
          rows.push({ alg, op, round: r, ...out });
        }
      }
  } finally {
    await mf.dispose();
  }
  return { name: 'workerd (miniflare)', rows };
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const startLoad = load();
const passes = [
  spawnPass('Bun', BUN, ['run', join(here, 'runtime-driver.mjs')]),
  spawnPass('Deno', DENO, [
    'run',
    '--quiet',
    '--allow-read',
    '--allow-env',
    join(here, 'runtime-driver.mjs'),
  ]),
  await workerdPass(),
];
console.log(
  `\nper-runtime pass — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'} — load average ${startLoad} at start, ${load()} at end — ${rounds} rounds\n`,
);
console.log('| runtime | alg | op | tessera ops/s | jose ops/s | T/jose (median) | range |');
console.log('|:--|:--|:--|--:|--:|--:|:--|');
for (const p of passes) {
  if (p.skipped) {
    console.log(`| ${p.name} | — | — | skipped: ${p.skipped} | | | |`);
    continue;
  }
  for (const alg of ['HS256', 'RS256', 'ES256', 'EdDSA'])
    for (const op of ['sign', 'verify']) {
      const rs = p.rows.filter((r) => r.alg === alg && r.op === op);
      const ratios = rs.map((r) => r.tessera / r.jose);
      const f = (x) => Math.round(x).toLocaleString('en-US');
      console.log(
        `| ${p.name} | ${alg} | ${op} | ${f(median(rs.map((r) => r.tessera)))} | ${f(median(rs.map((r) => r.jose)))} | ${median(ratios).toFixed(2)} | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} |`,
      );
    }
}
