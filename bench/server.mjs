// Load test of the issuer's POST /token with autocannon on 127.0.0.1: the refresh_token grant
// (every request rotates: each connection follows its own chain, sending the refresh token the
// previous answer returned) and client_credentials, on SQLite and on PostgreSQL.
// The issuer runs in a child process (one core for it, one for the load generator).
//
//   node bench/server.mjs [--duration 5] [--connections 10] [--only sqlite,sqlite-normal,postgres] [--json]
//
// sqlite: the default durability (synchronous=FULL, an fsync per commit); sqlite-normal:
// synchronous=NORMAL (survives a killed process, not a power cut).
//
// PostgreSQL: TESSERA_DATABASE_URL or TESSERA_TEST_DATABASE_URL (a throw-away schema is created
// and dropped); skipped with a message when neither is set. Needs `npx tsc -b packages/server`.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};

if (process.argv.includes('--child')) {
  // Child: the issuer with one first-party client and one user.
  const server = await import('@tessera/server');
  const store = process.env.BENCH_STORE;
  const dir = process.env.BENCH_DIR;
  const running = await server.startServer({
    port: 0,
    dataDir: dir,
    kek: process.env.BENCH_KEK,
    ...(store === 'postgres'
      ? { database: process.env.BENCH_PG_URL, postgresSchema: process.env.BENCH_SCHEMA }
      : {}),
    sqliteSynchronous: process.env.BENCH_SQLITE_SYNC === 'normal' ? 'normal' : 'full',
    logger: false,
    env: {},
  });
  const ctx = running.app.tessera;
  const { clientSecret } = await server.createClient(
    { store: running.store, defaultAudience: 'api' },
    { name: 'bench', clientId: 'bench', firstParty: true, scopes: ['read'] },
  );
  await server.createUser(
    { store: running.store, hasher: ctx.hasher },
    { username: 'bench', password: 'bench-password-1' },
  );
  process.send({ url: running.url, clientSecret });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await running.close();
      process.exit(0);
    }
  });
} else {
  const { default: autocannon } = await import('autocannon');
  const duration = Number(arg('duration', '5'));
  const connections = Number(arg('connections', '10'));
  const only = arg('only', 'sqlite,sqlite-normal,postgres').split(',');
  const json = process.argv.includes('--json');
  const pgUrl = process.env.TESSERA_DATABASE_URL ?? process.env.TESSERA_TEST_DATABASE_URL;
  const here = fileURLToPath(import.meta.url);
  const results = [];

  const form = (p) => new URLSearchParams(p).toString();
  async function run(store) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    const schema = `tessera_bench_${process.pid}`;
    const child = fork(here, ['--child'], {
      env: {
        ...process.env,
        BENCH_STORE: store === 'sqlite-normal' ? 'sqlite' : store,
        BENCH_SQLITE_SYNC: store === 'sqlite-normal' ? 'normal' : 'full',
        BENCH_DIR: dir,
        BENCH_KEK: randomBytes(32).toString('base64url'),
        BENCH_PG_URL: pgUrl ?? '',
        BENCH_SCHEMA: schema,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      const { url, clientSecret } = await new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`issuer exited ${code}`)));
      });
      const authorization = `Basic ${Buffer.from(`bench:${clientSecret}`).toString('base64')}`;
      const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization };
      // One login per connection: the chains the refresh load follows.
      const pool = [];
      for (let i = 0; i < connections; i++) {
        const r = await fetch(`${url}/token`, {
          method: 'POST',
          headers,
          body: form({ grant_type: 'password', username: 'bench', password: 'bench-password-1' }),
        });
        if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
        pool.push((await r.json()).refresh_token);
      }
      const cases = {
        refresh_token: {
          requests: [
            {
              method: 'POST',
              path: '/token',
              headers,
              // autocannon's context is not per connection: tokens go through a shared queue
              // instead. Each request takes one; each answer returns its successor.
              setupRequest: (req) => ({
                ...req,
                body: form({ grant_type: 'refresh_token', refresh_token: pool.shift() }),
              }),
              onResponse: (status, body) => {
                if (status === 200) pool.push(JSON.parse(body).refresh_token);
              },
            },
          ],
        },
        client_credentials: {
          requests: [
            {
              method: 'POST',
              path: '/token',
              headers,
              body: form({ grant_type: 'client_credentials' }),
            },
          ],
        },
      };
      for (const [grant, opts] of Object.entries(cases)) {
        const r = await autocannon({ url, connections, duration, ...opts });
        const row = {
          store,
          grant,
          requestsPerSec: Math.round(r.requests.average),
          latencyP50Ms: r.latency.p50,
          latencyP99Ms: r.latency.p99,
          total: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors,
        };
        results.push(row);
        if (!json)
          console.error(
            `${store.padEnd(9)} ${grant.padEnd(19)} ${String(row.requestsPerSec).padStart(6)} req/s  p50 ${row.latencyP50Ms} ms  p99 ${row.latencyP99Ms} ms  non-2xx ${row.non2xx}`,
          );
      }
    } finally {
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
      if (store === 'postgres') {
        const { default: pg } = await import('pg');
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`drop schema if exists "${schema}" cascade`);
        await c.end();
      }
    }
  }

  for (const store of only) {
    if (store === 'postgres' && pgUrl === undefined) {
      console.error('postgres: skipped (set TESSERA_DATABASE_URL or TESSERA_TEST_DATABASE_URL)');
      continue;
    }
    await run(store);
  }
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    duration,
    connections,
  };
  if (json) console.log(JSON.stringify({ meta, results }, null, 2));
  else {
    console.log(
      `\n/token throughput — ${meta.date}, Node ${meta.node}, ${meta.cores} × ${meta.cpu}, ${connections} connections, ${duration} s each\n`,
    );
    console.log('| store | grant | req/s | p50 ms | p99 ms | non-2xx |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const r of results)
      console.log(
        `| ${r.store} | ${r.grant} | ${r.requestsPerSec} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.non2xx} |`,
      );
  }
}
