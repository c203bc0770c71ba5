// Memory run (npm run bench -- --memory, or node bench/memory.mjs [--quick] [--count N]):
// verify 1,000,000 distinct HS256 tokens — each signed just before, so they stream and are never
// held — with the verified-token cache on ({ max: 10000 }) and, for reference, off. Each variant
// runs in its own child process so its peak RSS (process.resourceUsage().maxRSS) is its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const args = process.argv.slice(2);
const valueOf = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const count = Number(valueOf('--count') ?? (args.includes('--quick') ? 100_000 : 1_000_000));
const MAX = 10_000;

async function child(mode) {
  const { createSigner, createVerifier } = await import('@tessera/jose');
  const secret = randomBytes(32);
  const sign = createSigner({
    key: secret,
    alg: 'HS256',
    issuer: 'https://issuer.bench.example',
    expiresIn: 3600,
  });
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    issuer: 'https://issuer.bench.example',
    ...(mode === 'on' ? { cache: { max: MAX } } : {}),
  });
  const checkpoints = [];
  const step = Math.max(1, Math.floor(count / 10));
  const t0 = performance.now();
  let last;
  for (let i = 1; i <= count; i++) {
    last = verify(sign({ sub: `user-${i}`, scope: 'read:items write:items', sid: `s-${i}` }));
    if (i % step === 0)
      checkpoints.push({ tokens: i, rssMiB: process.memoryUsage().rss / 2 ** 20 });
  }
  // The most recent tokens are still hits (proof the cache held entries all along).
  const recent = sign({ sub: 'recent' });
  const hit = mode === 'on' ? verify(recent) === verify(recent) : undefined;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  globalThis.gc?.();
  const liveHeapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  if (last.payload.sub !== `user-${count}`) throw new Error('unexpected payload');
  process.stdout.write(
    JSON.stringify({
      mode,
      count,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      liveHeapMiB,
      hit,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      checkpoints,
    }),
  );
}

function parent() {
  const self = fileURLToPath(import.meta.url);
  const results = [];
  for (const mode of ['on', 'off']) {
    process.stderr.write(
      `memory run: cache ${mode}, ${count.toLocaleString('en-US')} distinct tokens…\n`,
    );
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', self, '--child', mode, '--count', String(count)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (r.status !== 0) throw new Error(`memory child (${mode}) failed with ${r.status}`);
    results.push(JSON.parse(r.stdout));
  }
  const mib = (x) => `${x.toFixed(1)} MiB`;
  console.log(
    `\nmemory: verify ${count.toLocaleString('en-US')} distinct HS256 tokens (signed on the fly), one child process each`,
  );
  console.log(
    '| cache | peak RSS | RSS at 10% | RSS at 50% | RSS at 100% | live heap after GC | CPU s | wall s | recent token hits |',
  );
  console.log('|:--|--:|--:|--:|--:|--:|--:|--:|:--|');
  for (const r of results) {
    const cp = (f) =>
      mib(r.checkpoints[Math.max(0, Math.round(r.checkpoints.length * f) - 1)].rssMiB);
    const label = r.mode === 'on' ? `on (max ${MAX.toLocaleString('en-US')})` : 'off';
    console.log(
      `| ${label} | ${mib(r.maxRssMiB)} | ${cp(0.1)} | ${cp(0.5)} | ${cp(1)} | ${mib(r.liveHeapMiB)} | ${r.cpuSeconds.toFixed(1)} | ${r.seconds.toFixed(1)} | ${r.hit === undefined ? 'n/a' : r.hit} |`,
    );
  }
}

if (args.includes('--child')) await child(valueOf('--child'));
else parent();
