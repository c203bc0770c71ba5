// npm run bench [-- --json] [--runs N] [--quick] [--only HS256,ES256] [--no-cache] [--memory]
//                [--jwe] [--guard] [--server] [--runtimes] [--no-gc]
// Every library in one process, interleaved, after a warm-up; ops/s and Tessera/peer ratios,
// each ratio the median of the per-run ratios.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { ALGORITHMS, claimsFor, makeKeys, makeTokens, TOKEN_SET_SIZE } from './fixtures.mjs';
import { LIBRARIES, makeAdapter } from './libraries.mjs';
import { measureCase, median } from './measure.mjs';
import { checkTargets, formatTable, formatCacheTable } from './report.mjs';
import { cacheCases } from './cache.mjs';
import { jweCases } from './jwe.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};

const json = flag('--json');
const quick = flag('--quick');
const runs = Number(value('--runs') ?? (quick ? 1 : 5));
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
const only = value('--only')?.split(',');
const timing = quick
  ? { warmupMs: 40, sliceMs: 25, slices: 2 }
  : { warmupMs: 150, sliceMs: 60, slices: 8 };
const log = (...m) => (json ? console.error(...m) : console.log(...m));
const progress = (m) => process.stderr.write(`${m}\n`);

const MASK = TOKEN_SET_SIZE - 1;
const claims = Array.from({ length: TOKEN_SET_SIZE }, (_, i) => claimsFor(i));

async function accepts(adapter, token) {
  const r = adapter.verify(token);
  return adapter.async ? await r : r;
}

/** Build the sign and verify cases, after checking that every library accepts every token. */
async function buildCases() {
  const keys = makeKeys();
  const cases = [];
  for (const alg of ALGORITHMS) {
    if (only && !only.includes(alg)) continue;
    const key = keys[alg];
    const tokens = makeTokens(alg, key);
    const adapters = [];
    for (const lib of LIBRARIES) {
      const a = makeAdapter(lib, alg, key);
      if (a !== undefined) adapters.push([lib, a]);
    }
    const tessera = adapters[0][1];
    for (const [lib, a] of adapters) {
      for (const t of tokens) await accepts(a, t); // throws if a peer refuses a token
      const own = a.async ? await a.sign(claims[0]) : a.sign(claims[0]);
      await accepts(tessera, own); // each peer's token is a token Tessera accepts, and vice versa
      await accepts(a, own);
      // Every participant, the floor included, checks the signature it is timed on.
      let refused = false;
      try {
        await accepts(a, `${tokens[0].slice(0, -2)}${tokens[0].endsWith('AA') ? 'BA' : 'AA'}`);
      } catch {
        refused = true;
      }
      if (!refused) throw new Error(`${lib} accepted a tampered ${alg} token`);
    }
    cases.push({
      alg,
      op: 'sign',
      participants: adapters.map(([lib, a]) => ({
        name: lib,
        async: a.async,
        fn: (i) => a.sign(claims[i & MASK]),
      })),
    });
    cases.push({
      alg,
      op: 'verify',
      participants: adapters.map(([lib, a]) => ({
        name: lib,
        async: a.async,
        fn: (i) => a.verify(tokens[i & MASK]),
      })),
    });
  }
  return { cases, keys };
}

function spawnExtra(file, extraArgs = []) {
  const path = join(here, file);
  if (!existsSync(path)) {
    progress(`(${file} not present; skipped)`);
    return;
  }
  const r = spawnSync(process.execPath, [path, ...extraArgs], {
    stdio: ['ignore', json ? 2 : 'inherit', 'inherit'],
  });
  if (r.status !== 0) progress(`${file} exited with ${r.status}`);
}

async function main() {
  const started = new Date();
  const loadStart = os.loadavg()[0].toFixed(1);
  const { cases, keys } = await buildCases();
  if (!flag('--no-cache')) cases.push(...(await cacheCases(keys, only)));
  if (flag('--jwe') || !quick) cases.push(...(await jweCases(only)));
  const perRun = []; // per run: Map "alg|op" -> { lib: opsPerSec }
  for (let run = 0; run < runs; run++) {
    const results = new Map();
    for (const c of cases) {
      progress(`run ${run + 1}/${runs}: ${c.alg} ${c.op}`);
      results.set(`${c.alg}|${c.op}`, await measureCase(c.participants, timing));
    }
    perRun.push(results);
  }
  const rows = [];
  for (const c of cases) {
    for (const p of c.participants) {
      const k = `${c.alg}|${c.op}`;
      rows.push({
        lib: p.name,
        alg: c.alg,
        op: c.op,
        opsPerSec: Math.round(median(perRun.map((r) => r.get(k)[p.name]))),
      });
    }
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
  } else {
    const commit =
      spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: here,
        encoding: 'utf8',
      }).stdout?.trim() || '?';
    const load = os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
    log(
      `\nTessera bench — ${started.toISOString()} — Node ${process.version} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'} — ${os.platform()} ${os.arch()} — commit ${commit} (+ working tree) — load average (1/5/15 min) ${loadStart} at start, ${load} at end`,
    );
    log(
      `runs: ${runs} (each ratio is the median of the ${runs} per-run ratios); timing: ${JSON.stringify(timing)}\n`,
    );
    log(formatTable(cases, perRun));
    const cacheTable = formatCacheTable(cases, perRun);
    if (cacheTable) log(`\n${cacheTable}`);
    log(`\n${checkTargets(cases, perRun)}`);
  }
  if (flag('--memory')) spawnExtra('memory.mjs', quick ? ['--quick'] : []);
  if (flag('--guard')) spawnExtra('guard.mjs', json ? ['--json'] : []);
  if (flag('--server')) spawnExtra('server.mjs', json ? ['--json'] : []);
  if (flag('--runtimes')) spawnExtra('runtimes.mjs', []);
}

await main();
