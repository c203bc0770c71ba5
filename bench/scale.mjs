// Scale-out run: 2 issuer processes on one PostgreSQL schema behind a loopback proxy that counts
// requests, and N guards spread over a few processes (guards in one process share discovery,
// keys and feed). It prints the requests at cold start, the issuer requests per second at
// steady state, verification failures (must be 0) and revoke-to-refusal p50/p100 over every
// guard. Bounded: --seconds of steady state, 127.0.0.1 only.
//
//   node bench/scale.mjs [--guards 100,1000] [--processes 4] [--seconds 10] [--poll 5000]
//
// Needs TESSERA_TEST_DATABASE_URL (or TESSERA_DATABASE_URL) and `npm run build`.
// Not measured here (see the note in bench/README.md): a key rotation during the run.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const here = fileURLToPath(import.meta.url);
const role = process.env.SCALE_ROLE;

if (role === 'issuer') {
  const server = await import('@tessera/server');
  const running = await server.startServer({
    port: 0,
    issuer: process.env.SCALE_ISSUER,
    dataDir: process.env.SCALE_DIR,
    kek: process.env.SCALE_KEK,
    database: process.env.SCALE_PG_URL,
    postgresSchema: process.env.SCALE_SCHEMA,
    logger: false,
    env: {},
  });
  process.send({ url: running.url });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await running.close();
      process.exit(0);
    }
  });
} else if (role === 'guards') {
  const { createGuard } = await import('@tessera/guard');
  const n = Number(process.env.SCALE_N);
  const guards = Array.from({ length: n }, () =>
    createGuard({
      issuer: process.env.SCALE_ISSUER,
      audience: 'api',
      allowHttpLoopback: true,
      revocation: { intervalMs: Number(process.env.SCALE_POLL) },
      cache: false,
    }),
  );
  let failures = 0;
  let verified = 0;
  process.on('message', async (m) => {
    if (m.type === 'ready') {
      await Promise.all(guards.map((g) => g.ready()));
      process.send({ type: 'ready' });
    } else if (m.type === 'verify') {
      // Every guard verifies the valid token a few times (steady state).
      for (let round = 0; round < m.rounds; round++)
        for (const g of guards)
          await g.verify(m.token).then(
            () => verified++,
            () => failures++,
          );
      process.send({ type: 'verified', verified, failures });
    } else if (m.type === 'watch') {
      // Time from `m.at` (epoch ms of the /revoke answer) until each guard refuses the token.
      const times = new Array(n).fill(undefined);
      const deadline = Date.now() + m.limitMs;
      while (times.some((t) => t === undefined) && Date.now() < deadline) {
        for (let i = 0; i < n; i++)
          if (times[i] === undefined)
            await guards[i].verify(m.token).catch(() => {
              times[i] = Date.now() - m.at;
            });
        await new Promise((r) => setTimeout(r, 5));
      }
      process.send({ type: 'watched', times: times.map((t) => t ?? Infinity) });
    } else if (m.type === 'stop') {
      for (const g of guards) g.close();
      process.exit(0);
    }
  });
  process.send({ type: 'started' });
} else {
  const pgUrl = process.env.TESSERA_DATABASE_URL ?? process.env.TESSERA_TEST_DATABASE_URL;
  if (pgUrl === undefined) {
    console.error('scale: set TESSERA_TEST_DATABASE_URL');
    process.exit(2);
  }
  const sizes = arg('guards', '100,1000').split(',').map(Number);
  const processes = Number(arg('processes', '4'));
  const seconds = Number(arg('seconds', '10'));
  const poll = Number(arg('poll', '5000'));

  // The counting proxy: round-robin over the issuer nodes, streams piped (SSE passes through).
  const counts = new Map();
  let total = 0;
  let backends = [];
  let next = 0;
  const proxy = createServer((req, res) => {
    const path = req.url.split('?')[0];
    counts.set(path, (counts.get(path) ?? 0) + 1);
    total++;
    const target = new URL(backends[next++ % backends.length]);
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const issuerUrl = `http://127.0.0.1:${proxy.address().port}`;
  const schema = `tessera_scale_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-scale-'));
  const kek = randomBytes(32).toString('base64url');
  const env = (extra) => ({ ...process.env, SCALE_ISSUER: issuerUrl, ...extra });
  const once = (child, type) =>
    new Promise((resolve, reject) => {
      const on = (m) => {
        if (type === undefined || m.type === type) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
      child.once('exit', (c) => reject(new Error(`child exited ${c}`)));
    });

  const issuers = [];
  for (let i = 0; i < 2; i++) {
    const c = fork(here, [], {
      env: env({
        SCALE_ROLE: 'issuer',
        SCALE_DIR: join(dir, `n${i}`),
        SCALE_KEK: kek,
        SCALE_PG_URL: pgUrl,
        SCALE_SCHEMA: schema,
      }),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    issuers.push({ child: c, url: (await once(c)).url });
  }
  backends = issuers.map((i) => i.url);
  const server = await import('@tessera/server');
  const store = await server.openPostgresStore(pgUrl, { schema });
  const { clientSecret } = await server.createClient(
    { store, defaultAudience: 'api' },
    { name: 'scale', clientId: 'scale', firstParty: true, scopes: ['read'] },
  );
  await server.createUser(
    {
      store,
      hasher: server.createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }),
    },
    { username: 'scale', password: 'scale-password-1' },
  );
  const authorization = `Basic ${Buffer.from(`scale:${clientSecret}`).toString('base64')}`;
  const post = async (path, body) =>
    fetch(`${issuerUrl}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
  const rows = [];
  try {
    for (const n of sizes) {
      const per = Math.ceil(n / processes);
      const kids = [];
      for (let p = 0; p < processes; p++) {
        const c = fork(here, [], {
          env: env({
            SCALE_ROLE: 'guards',
            SCALE_N: String(Math.min(per, n - p * per)),
            SCALE_POLL: String(poll),
          }),
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        await once(c, 'started');
        kids.push(c);
      }
      counts.clear();
      const t0 = Date.now();
      await Promise.all(kids.map((c) => (c.send({ type: 'ready' }), once(c, 'ready'))));
      const coldMs = Date.now() - t0;
      const cold = Object.fromEntries(counts);
      const coldTotal = [...counts.values()].reduce((a, b) => a + b, 0);
      const login = await (
        await post('/token', {
          grant_type: 'password',
          username: 'scale',
          password: 'scale-password-1',
        })
      ).json();
      // Steady state: every guard verifies; the issuer sees only polls (mostly 304) and streams.
      const before = total;
      const s0 = Date.now();
      const verifiedAll = [];
      while (Date.now() - s0 < seconds * 1000) {
        const r = await Promise.all(
          kids.map(
            (c) => (
              c.send({ type: 'verify', token: login.access_token, rounds: 1 }),
              once(c, 'verified')
            ),
          ),
        );
        verifiedAll.push(r);
      }
      const steadyRps = ((total - before) * 1000) / (Date.now() - s0);
      const last = verifiedAll.at(-1);
      const failures = last.reduce((a, r) => a + r.failures, 0);
      const verified = last.reduce((a, r) => a + r.verified, 0);
      // Revocation: /revoke through the proxy (either node), then every guard must refuse.
      const watchers = kids.map((c) => once(c, 'watched'));
      const rv = await post('/revoke', { token: login.access_token });
      const at = Date.now();
      for (const c of kids)
        c.send({ type: 'watch', token: login.access_token, at, limitMs: poll * 2 + 2000 });
      const times = (await Promise.all(watchers)).flatMap((m) => m.times).sort((a, b) => a - b);
      rows.push({
        guards: n,
        processes,
        coldMs,
        coldTotal,
        cold,
        steadyRps: Math.round(steadyRps * 10) / 10,
        verified,
        failures,
        revokeStatus: rv.status,
        p50: times[Math.floor(times.length / 2)],
        p100: times.at(-1),
      });
      for (const c of kids) c.send({ type: 'stop' });
      await Promise.all(kids.map((c) => new Promise((r) => c.once('exit', r))));
    }
  } finally {
    await store.close();
    for (const i of issuers) i.child.send('stop');
    await Promise.all(issuers.map((i) => new Promise((r) => i.child.once('exit', r))));
    proxy.close();
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nscale — ${new Date().toISOString()}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )}, 2 issuer nodes, ${processes} guard processes, feed poll ${poll} ms, ${seconds} s steady state\n`,
  );
  console.log(
    '| guards | cold-start requests (discovery / jwks / feed / stream) | cold start ms | steady issuer req/s | verified | failures | revoke→refusal p50 ms | p100 ms |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const c = r.cold;
    const d = c['/.well-known/oauth-authorization-server'] ?? 0;
    console.log(
      `| ${r.guards} | ${r.coldTotal} (${d} / ${c['/jwks'] ?? 0} / ${c['/revocations'] ?? 0} / ${c['/revocations/stream'] ?? 0}) | ${r.coldMs} | ${r.steadyRps} | ${r.verified} | ${r.failures} | ${r.p50} | ${r.p100} |`,
    );
  }
}
