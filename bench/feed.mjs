// The signed revocation feed beside /jwks on one issuer (SQLite), with autocannon on 127.0.0.1:
// GET /revocations answered in full (200) and conditionally (If-None-Match → 304), and GET /jwks,
// in interleaved rounds, with a list of --entries revoked ids. The goal (issue: issuer speed and
// scale-out): the feed ≥ 0.8 × the /jwks req/s, whatever the list's size, because it is built and
// signed once per version and served from memory.
//
//   node bench/feed.mjs [--entries 1000] [--rounds 5] [--duration 2] [--connections 10] [--json]
//
// Needs `npm run build`.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const entries = Number(arg('entries', '1000'));
const rounds = Number(arg('rounds', '5'));
const duration = Number(arg('duration', '2'));
const connections = Number(arg('connections', '10'));
const json = process.argv.includes('--json');

const { default: autocannon } = await import('autocannon');
const server = await import('@tessera/server');
const dir = mkdtempSync(join(tmpdir(), 'tessera-feed-bench-'));
const running = await server.startServer({
  port: 0,
  dataDir: dir,
  kek: randomBytes(32).toString('base64url'),
  logger: false,
  env: {},
});
const ctx = running.app.tessera;
const now = ctx.nowSeconds();
for (let i = 0; i < entries; i++)
  await ctx.store.addRevocation(i % 2 ? 'jti' : 'sid', randomUUID(), now + 3600, now);
const first = await fetch(`${running.url}/revocations`);
const etag = first.headers.get('etag');
const size = (await first.text()).length;
if (first.status !== 200 || etag === null) throw new Error(`/revocations answered ${first.status}`);
const check = await fetch(`${running.url}/revocations`, { headers: { 'if-none-match': etag } });
if (check.status !== 304) throw new Error(`a conditional /revocations answered ${check.status}`);

const cases = [
  { name: 'jwks', path: '/jwks', headers: {}, status: 200 },
  { name: 'feed', path: '/revocations', headers: {}, status: 200 },
  { name: 'feed-304', path: '/revocations', headers: { 'if-none-match': etag }, status: 304 },
];
const run = (c, seconds) =>
  autocannon({
    url: `${running.url}${c.path}`,
    connections,
    duration: seconds,
    headers: c.headers,
    expectBody: undefined,
  });
const load0 = os.loadavg();
for (const c of cases) await run(c, 1); // warm-up
const per = Object.fromEntries(cases.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  const order = cases.map((_, i) => cases[(i + r) % cases.length]);
  for (const c of order) {
    const res = await run(c, duration);
    const wrong = Object.entries(res.statusCodeStats ?? {}).filter(([s]) => Number(s) !== c.status);
    if (res.errors > 0 || wrong.length > 0)
      throw new Error(
        `${c.name}: ${res.errors} errors, unexpected statuses ${JSON.stringify(wrong)}`,
      );
    per[c.name].push(res.requests.average);
  }
  console.error(`round ${r + 1}/${rounds} done (load ${os.loadavg()[0].toFixed(1)})`);
}
const load1 = os.loadavg();
await running.close();
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ratio = (a) => median(per[a].map((x, i) => x / per.jwks[i]));
const out = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`,
  load: [load0, load1].map((l) => l.map((x) => x.toFixed(2)).join(' ')),
  entries,
  feedBytes: size,
  rps: Object.fromEntries(cases.map((c) => [c.name, Math.round(median(per[c.name]))])),
  ratios: { feed: ratio('feed'), feed304: ratio('feed-304') },
};
if (json) console.log(JSON.stringify(out, null, 2));
else {
  console.log(
    `\nRevocation feed beside /jwks — ${out.date}, ${out.node}, ${out.cpu}, ${connections} connections × ${duration} s, ${rounds} interleaved rounds; ${entries} revoked ids (feed ${size} bytes); load ${out.load[0]} at start, ${out.load[1]} at end\n`,
  );
  console.log('| route | req/s (median) | ÷ /jwks (median of per-round ratios) | goal |');
  console.log('|---|---:|---:|---:|');
  console.log(`| GET /jwks | ${out.rps.jwks} | 1.00 | |`);
  console.log(
    `| GET /revocations (200, full feed) | ${out.rps.feed} | ${out.ratios.feed.toFixed(2)} | ≥ 0.8 |`,
  );
  console.log(
    `| GET /revocations, If-None-Match (304) | ${out.rps['feed-304']} | ${out.ratios.feed304.toFixed(2)} | ≥ 0.8 |`,
  );
}
