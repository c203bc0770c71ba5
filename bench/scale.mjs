// Scale-out run: 2 issuer processes on one PostgreSQL schema behind a loopback proxy that counts
// requests, and N guards spread over a few processes (guards in one process share discovery,
// keys and feed). It prints the requests at cold start and the guards whose first ready() failed,
// the issuer requests per second at steady state, verification failures (must be 0) before and
// after a signing-key rotation made half-way through the steady state (the published next key
// starts signing: guards verify the new tokens from their cached key set), and revoke-to-refusal
// p50/p100 over every guard. Bounded: --seconds of steady state, a readiness deadline of
// --ready-seconds, 127.0.0.1 only.
//
//   node bench/scale.mjs [--guards 100,1000] [--processes 4] [--seconds 10] [--poll 5000]
//                        [--ready-seconds 60]
//
// Needs TESSERA_TEST_DATABASE_URL (or TESSERA_DATABASE_URL) and `npm run build`.
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
const JWKS_MAX_AGE = 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kidOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid;

if (role === 'issuer') {
  const server = await import('@tessera/server');
  const running = await server.startServer({
    port: 0,
    issuer: process.env.SCALE_ISSUER,
    dataDir: process.env.SCALE_DIR,
    kek: process.env.SCALE_KEK,
    database: process.env.SCALE_PG_URL,
    postgresSchema: process.env.SCALE_SCHEMA,
    // A short JWKS cache period lets the bench rotate without --now (the next key must have been
    // published one period); nodes read the stored keys every 500 ms instead of 30 s.
    jwksMaxAge: JWKS_MAX_AGE,
    keyCheckIntervalMs: 500,
    logger: false,
    env: {},
  });
  // running.url is the configured issuer (the proxy): the proxy needs the node's own port.
  process.send({ url: `http://127.0.0.1:${running.app.server.address().port}` });
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
  // Every handler answers, whatever happens: a failure is a number in the report, not a crash.
  const handle = async (m) => {
    if (m.type === 'ready') {
      // Bounded retry: a guard whose first discovery or key load fails (a loaded machine, an
      // issuer still starting) is retried every 500 ms until the deadline; ready() answers from
      // the failure within the guard's cooldown, so retries cost no request until it has passed.
      let failed = 0;
      const deadline = Date.now() + m.limitMs;
      const states = await Promise.all(
        guards.map(async (g) => {
          let first = true;
          for (;;) {
            try {
              await g.ready();
              return true;
            } catch (e) {
              if (first) failed++;
              first = false;
              if (Date.now() > deadline) return false;
              await sleep(500);
            }
          }
        }),
      );
      process.send({ type: 'ready', failed, notReady: states.filter((x) => !x).length });
    } else if (m.type === 'verify') {
      // Every guard verifies each token once (steady state).
      let verified = 0;
      let failures = 0;
      const reasons = {};
      for (const token of m.tokens)
        for (const g of guards)
          await g.verify(token).then(
            () => verified++,
            (e) => {
              failures++;
              const r = e?.reason ?? e?.code ?? String(e);
              reasons[r] = (reasons[r] ?? 0) + 1;
            },
          );
      process.send({ type: 'verified', verified, failures, reasons });
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
  };
  process.on('message', (m) =>
    handle(m).catch((e) => {
      console.error(`scale guards: ${m.type} failed:`, e);
      process.send({ type: 'error', of: m.type, message: String(e) });
    }),
  );
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
  const readySeconds = Number(arg('ready-seconds', '60'));

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
    up.on('error', (e) => {
      console.error(`scale proxy: ${req.method} ${path}: ${e.message}`);
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
      const done = () => {
        child.off('message', on);
        child.off('exit', exited);
      };
      const on = (m) => {
        if (m.type === 'error') {
          done();
          reject(new Error(`guard process: ${m.of} failed: ${m.message}`));
        } else if (type === undefined || m.type === type) {
          done();
          resolve(m);
        }
      };
      const exited = (c) => {
        done();
        reject(new Error(`child exited ${c}`));
      };
      child.on('message', on);
      child.on('exit', exited);
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
  let own = 0; // the bench's own requests through the proxy (not the guards')
  const post = async (path, body) => {
    own++;
    return fetch(`${issuerUrl}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
  };
  const clientToken = async () => {
    const res = await post('/token', { grant_type: 'client_credentials' });
    if (res.status !== 200) throw new Error(`client_credentials answered ${res.status}`);
    return (await res.json()).access_token;
  };
  // `tessera keys rotate` as a library call, on the nodes' schema: the next key (published since
  // the first boot, so in every guard's cached key set) signs, the active one retires gracefully.
  const keyConfig = server.resolveConfig({ issuer: issuerUrl, jwksMaxAge: JWKS_MAX_AGE });
  const rotate = () =>
    server.rotateSigningKeys(
      {
        store,
        audit: server.createAudit(store, undefined, Date.now),
        now: () => Math.floor(Date.now() / 1000),
      },
      { kek: server.parseKek(kek), config: keyConfig },
    );
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
      const readiness = await Promise.all(
        kids.map(
          (c) => (c.send({ type: 'ready', limitMs: readySeconds * 1000 }), once(c, 'ready')),
        ),
      );
      const coldMs = Date.now() - t0;
      const coldFailed = readiness.reduce((a, r) => a + r.failed, 0);
      const notReady = readiness.reduce((a, r) => a + r.notReady, 0);
      const cold = Object.fromEntries(counts);
      const coldTotal = [...counts.values()].reduce((a, b) => a + b, 0);
      console.error(
        `scale: ${n} guards ready in ${coldMs} ms (first ready() failed: ${coldFailed}, never ready: ${notReady})`,
      );
      const res = await post('/token', {
        grant_type: 'password',
        username: 'scale',
        password: 'scale-password-1',
      });
      if (res.status !== 200)
        throw new Error(`the password grant answered ${res.status}: ${await res.text()}`);
      const login = await res.json();
      // Steady state: every guard verifies; the issuer sees only polls (mostly 304) and streams.
      // Half-way through, the signing key rotates; from then on every guard also verifies a token
      // signed by the new key (and still the one signed by the retiring key).
      const before = total;
      const ownBefore = own;
      const s0 = Date.now();
      const tally = { before: { verified: 0, failures: 0 }, after: { verified: 0, failures: 0 } };
      const reasons = {};
      let rotation;
      let tokens = [login.access_token];
      while (Date.now() - s0 < seconds * 1000) {
        if (rotation === undefined && Date.now() - s0 >= (seconds * 1000) / 2) {
          // The next key must have been published one JWKS cache period (here JWKS_MAX_AGE s).
          const oldKid = kidOf(login.access_token);
          const jwks0 = counts.get('/jwks') ?? 0;
          const r0 = Date.now();
          const r = await rotate();
          // Until both nodes have read the rotation, a token may still carry the old kid.
          let fresh = await clientToken();
          let streak = kidOf(fresh) === r.activated ? 1 : 0;
          while (streak < 4 && Date.now() - r0 < 10_000) {
            fresh = await clientToken();
            streak = kidOf(fresh) === r.activated ? streak + 1 : 0;
          }
          rotation = {
            from: oldKid,
            to: r.activated,
            switchMs: streak >= 4 ? Date.now() - r0 : Infinity,
            jwks0,
          };
          tokens = [login.access_token, fresh];
        }
        const r = await Promise.all(
          kids.map((c) => (c.send({ type: 'verify', tokens }), once(c, 'verified'))),
        );
        const t = rotation === undefined ? tally.before : tally.after;
        for (const x of r) {
          t.verified += x.verified;
          t.failures += x.failures;
          for (const [k, v] of Object.entries(x.reasons)) reasons[k] = (reasons[k] ?? 0) + v;
        }
      }
      const steadyRps = ((total - before - (own - ownBefore)) * 1000) / (Date.now() - s0);
      const failures = tally.before.failures + tally.after.failures;
      const verified = tally.before.verified + tally.after.verified;
      if (rotation !== undefined)
        rotation.jwksFetches = (counts.get('/jwks') ?? 0) - rotation.jwks0;
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
        coldFailed,
        notReady,
        rotation,
        rotationFailures: tally.after.failures,
        rotationVerified: tally.after.verified,
        reasons,
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
    '| guards | cold-start requests (discovery / jwks / feed / stream) | cold start ms | first ready() failed / never ready | steady issuer req/s | verified | failures | key rotation: switch ms / verified after / failures after / jwks fetches after | revoke→refusal p50 ms | p100 ms |',
  );
  console.log('|---:|---|---:|---|---:|---:|---:|---|---:|---:|');
  for (const r of rows) {
    const c = r.cold;
    const d = c['/.well-known/oauth-authorization-server'] ?? 0;
    const rot =
      r.rotation === undefined
        ? 'not reached (--seconds too short)'
        : `${r.rotation.switchMs} / ${r.rotationVerified} / ${r.rotationFailures} / ${r.rotation.jwksFetches}`;
    console.log(
      `| ${r.guards} | ${r.coldTotal} (${d} / ${c['/jwks'] ?? 0} / ${c['/revocations'] ?? 0} / ${c['/revocations/stream'] ?? 0}) | ${r.coldMs} | ${r.coldFailed} / ${r.notReady} | ${r.steadyRps} | ${r.verified} | ${r.failures} | ${rot} | ${r.p50} | ${r.p100} |`,
    );
  }
  for (const r of rows) {
    if (r.rotation !== undefined)
      console.log(`\n${r.guards} guards: key ${r.rotation.from} → ${r.rotation.to}`);
    if (r.failures > 0)
      console.log(`${r.guards} guards: failures by reason ${JSON.stringify(r.reasons)}`);
  }
  const bad = rows.some(
    (r) => r.failures > 0 || r.notReady > 0 || r.rotation === undefined || r.p100 === Infinity,
  );
  process.exitCode = bad ? 1 : 0;
}
