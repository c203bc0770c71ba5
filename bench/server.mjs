// The issuer beside node-oidc-provider, in one run: POST /token (refresh_token with rotation on
// every use, client_credentials, authorization_code with PKCE) and introspection of a refresh
// token, with autocannon on 127.0.0.1. For authorization_code each side mints a pool of fresh
// codes programmatically, as its login page would leave them (node-oidc-provider's own dev
// interaction is replaced by its AuthorizationCode model); every exchange redeems one code with
// its S256 verifier and gets an access token, an ID token (EdDSA on both sides) and a refresh
// token. That run is a fixed number of exchanges (--codes), timed by autocannon. Contestants, each in its own child process, all started before the first round:
//   tessera-sqlite    the issuer on SQLite (synchronous=FULL: every commit fsynced)
//   tessera-postgres  the issuer on PostgreSQL (a throw-away schema)
//   oidc-map          node-oidc-provider with a Map adapter (never evicts)
//   oidc-redis        node-oidc-provider with a Redis adapter
// Both sign EdDSA RFC 9068 access tokens. Each round runs every grant for every contestant in a
// rotating order; refresh_token gets a fresh pool of distinct valid refresh tokens per round
// (each answer's successor goes back into the pool). Ratios are per round; the table prints the
// median of the per-round ratios, with the machine's load average.
//
//   node bench/server.mjs [--rounds 5] [--duration 2] [--connections 10] [--pool 64] [--codes 1000]
//                         [--grants refresh_token,client_credentials,introspect,authorization_code]
//                         [--only tessera-sqlite,tessera-postgres,oidc-map,oidc-redis] [--json]
//                         [--baseline DIR]
//
// --baseline DIR: also run another checkout's build (e.g. a worktree of main, built with
// `npx tsc -b packages/server`) as main-sqlite / main-postgres in the same rounds, and print
// this tree ÷ baseline: the before/after comparison measured side by side.
//
// PostgreSQL: TESSERA_DATABASE_URL or TESSERA_TEST_DATABASE_URL; Redis: TESSERA_TEST_REDIS_URL
// (default redis://127.0.0.1:6379). Needs `npm run build`.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const here = fileURLToPath(import.meta.url);
// Shared by both contestants: one redirect URI and one PKCE pair (RFC 7636 Appendix B's example).
export const CODE_REDIRECT = 'http://127.0.0.1/cb';
export const CODE_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CODE_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

if (process.argv.includes('--child')) {
  // Child: the Tessera issuer with one first-party client and one user.
  const server = await import('@tessera/server');
  const { newRefreshToken, refreshTokenRow } =
    await import('../packages/server/dist/refresh-tokens.js');
  const store = process.env.BENCH_STORE;
  const running = await server.startServer({
    port: 0,
    dataDir: process.env.BENCH_DIR,
    kek: process.env.BENCH_KEK,
    ...(store === 'postgres'
      ? { database: process.env.BENCH_PG_URL, postgresSchema: process.env.BENCH_SCHEMA }
      : {}),
    logger: false,
    env: {},
  });
  const ctx = running.app.tessera;
  const { clientSecret } = await server.createClient(
    { store: running.store, defaultAudience: 'api' },
    {
      name: 'bench',
      clientId: 'bench',
      firstParty: true,
      scopes: ['read'],
      grantTypes: ['authorization_code', 'password', 'refresh_token', 'client_credentials'],
      redirectUris: [CODE_REDIRECT],
      // The peer signs its ID tokens with EdDSA too: the same signature cost on both sides.
      idTokenSignedResponseAlg: 'EdDSA',
    },
  );
  const user = await server.createUser(
    { store: running.store, hasher: ctx.hasher },
    { username: 'bench', password: 'bench-password-1' },
  );
  // A pool of sessions as a login leaves them (without the password hash's cost).
  const mint = async (n) => {
    const tokens = [];
    const now = ctx.nowSeconds();
    for (let i = 0; i < n; i++) {
      const sid = randomBytes(16).toString('hex');
      const refresh = newRefreshToken();
      const expiresAt = now + ctx.config.sessionMaxAge;
      await ctx.store.createSession(
        {
          id: sid,
          user_id: user.id,
          client_id: 'bench',
          created_at: now,
          expires_at: expiresAt,
          ended_at: null,
          ended_reason: null,
        },
        refreshTokenRow(refresh, {
          sessionId: sid,
          parentHash: null,
          clientId: 'bench',
          userId: user.id,
          scope: 'read',
          now,
          idleTtl: ctx.config.refreshTokenTtl,
          sessionExpiresAt: expiresAt,
        }),
      );
      tokens.push(refresh);
    }
    return tokens;
  };
  // Codes as the login page leaves them: one browser session, codes bound to it, hashed, 60 s.
  const { hashCode } = await import('../packages/server/dist/authorization-codes.js');
  const browserSid = randomBytes(16).toString('hex');
  {
    const now = ctx.nowSeconds();
    await ctx.store.createBrowserSession({
      id: browserSid,
      token_hash: randomBytes(32).toString('base64url'),
      user_id: user.id,
      auth_time: now,
      amr: '["pwd"]',
      acr: '1',
      last_seen_at: now,
      expires_at: now + 86400,
      ended_at: null,
    });
  }
  const mintCodes = async (n) => {
    const now = ctx.nowSeconds();
    const codes = [];
    const rows = [];
    for (let i = 0; i < n; i++) {
      const code = randomBytes(32).toString('base64url');
      codes.push(code);
      rows.push({
        hash: hashCode(code),
        client_id: 'bench',
        user_id: user.id,
        browser_session_id: browserSid,
        redirect_uri: CODE_REDIRECT,
        code_challenge: CODE_CHALLENGE,
        scope: 'openid read offline_access',
        nonce: 'n',
        auth_time: now,
        expires_at: now + 60,
        used_at: null,
        issued_session_id: null,
        issued_jti: null,
        issued_exp: null,
      });
    }
    // One transaction per chunk: minting is set-up, not what is measured.
    for (let i = 0; i < rows.length; i += 200)
      await ctx.store.db
        .insertInto('authorization_codes')
        .values(rows.slice(i, i + 200))
        .execute();
    return codes;
  };
  process.on('message', async (m) => {
    if (m === 'stop') {
      await running.close();
      process.exit(0);
    } else if (typeof m?.mint === 'number') process.send({ tokens: await mint(m.mint) });
    else if (typeof m?.codes === 'number') process.send({ codes: await mintCodes(m.codes) });
  });
  process.send({ url: running.url, clientSecret, introspect: '/introspect' });
} else {
  const { default: autocannon } = await import('autocannon');
  const rounds = Number(arg('rounds', '5'));
  const duration = Number(arg('duration', '2'));
  const connections = Number(arg('connections', '10'));
  const poolSize = Number(arg('pool', '64'));
  const codesPerRun = Number(arg('codes', '1000'));
  const json = process.argv.includes('--json');
  const pgUrl = process.env.TESSERA_DATABASE_URL ?? process.env.TESSERA_TEST_DATABASE_URL;
  const redisUrl = process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const baseline = arg('baseline', undefined);
  let names = arg('only', 'tessera-sqlite,tessera-postgres,oidc-map,oidc-redis').split(',');
  if (baseline !== undefined)
    names.push(...names.filter((n) => n.startsWith('tessera-')).map((n) => `main-${n.slice(8)}`));
  if (pgUrl === undefined && names.some((n) => n.endsWith('-postgres'))) {
    console.error('postgres: skipped (set TESSERA_DATABASE_URL or TESSERA_TEST_DATABASE_URL)');
    names = names.filter((n) => !n.endsWith('-postgres'));
  }
  const log = (...a) => console.error(...a);
  const schema = `tessera_bench_${process.pid}`;
  const dirs = [];

  async function start(name) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    dirs.push(dir);
    const isPeer = name.startsWith('oidc-');
    const child = fork(
      isPeer ? join(here, '../oidc-provider-peer.mjs') : here,
      isPeer ? [] : ['--child'],
      {
        env: {
          ...process.env,
          NODE_NO_WARNINGS: '1',
          BENCH_ADAPTER: name === 'oidc-redis' ? 'redis' : 'map',
          BENCH_REDIS_URL: redisUrl,
          BENCH_STORE: name.endsWith('-postgres') ? 'postgres' : 'sqlite',
          BENCH_SERVER_DIR: name.startsWith('main-') ? baseline : '',
          BENCH_DIR: dir,
          BENCH_KEK: randomBytes(32).toString('base64url'),
          BENCH_PG_URL: pgUrl ?? '',
          BENCH_SCHEMA: `${schema}_${name.replace(/-/g, '_')}`,
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    const info = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`${name} exited ${code}`)));
    });
    const ask = (m) => {
      child.send(m);
      return new Promise((r) => child.once('message', r));
    };
    return {
      name,
      child,
      url: info.url,
      introspectPath: info.introspect ?? '/token/introspection',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`bench:${info.clientSecret}`).toString('base64')}`,
      },
      mint: async (n) => (await ask({ mint: n })).tokens,
      codes: async (n) => (await ask({ codes: n })).codes,
    };
  }

  const form = (p) => new URLSearchParams(p).toString();
  async function load(c, grant, seconds = duration) {
    let opts;
    if (grant === 'refresh_token') {
      const pool = await c.mint(poolSize);
      opts = {
        requests: [
          {
            method: 'POST',
            path: '/token',
            headers: c.headers,
            // autocannon's context is not per connection: tokens go through a shared queue.
            // Each request takes one; each answer gives back its successor.
            setupRequest: (req) => ({
              ...req,
              body: form({ grant_type: 'refresh_token', refresh_token: pool.shift() }),
            }),
            onResponse: (status, body) => {
              if (status === 200) pool.push(JSON.parse(body).refresh_token);
            },
          },
        ],
      };
    } else if (grant === 'authorization_code') {
      const pool = await c.codes(codesPerRun);
      const total = pool.length;
      let answered = 0;
      let last = 0;
      const first = performance.now();
      const r = await autocannon({
        url: c.url,
        connections,
        amount: pool.length,
        requests: [
          {
            method: 'POST',
            path: '/token',
            headers: c.headers,
            setupRequest: (req) => ({
              ...req,
              body: form({
                grant_type: 'authorization_code',
                code: pool.shift(),
                code_verifier: CODE_VERIFIER,
                redirect_uri: CODE_REDIRECT,
              }),
            }),
            onResponse: () => {
              if (++answered === total) last = performance.now();
            },
          },
        ],
      });
      // A fixed number of exchanges (each code works once): answers over the time from the start
      // to the last answer. Not r.duration: autocannon ends a fixed-amount run on its next
      // 1-second sample tick, so its duration is rounded up to whole seconds (the rates read as
      // exactly 500 or 1000/s).
      return {
        rps: (answered * 1000) / ((last || performance.now()) - first),
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
      };
    } else if (grant === 'client_credentials') {
      opts = {
        requests: [
          {
            method: 'POST',
            path: '/token',
            headers: c.headers,
            body: form({ grant_type: 'client_credentials' }),
          },
        ],
      };
    } else {
      const [token] = await c.mint(1);
      opts = {
        requests: [
          { method: 'POST', path: c.introspectPath, headers: c.headers, body: form({ token }) },
        ],
      };
    }
    const r = await autocannon({ url: c.url, connections, duration: seconds, ...opts });
    return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
  }

  const started = [];
  const loadStart = os.loadavg();
  try {
    for (const n of names) started.push(await start(n));
    const grants = arg(
      'grants',
      'refresh_token,client_credentials,introspect,authorization_code',
    ).split(',');
    const perRound = []; // [{ grant, name, rps, ... }]
    // Warm-up (not counted): JIT, connection pools, SQLite page cache.
    for (const grant of grants) for (const c of started) await load(c, grant, 1);
    log('warm-up done');
    for (let round = 0; round < rounds; round++) {
      const load1 = os.loadavg()[0];
      for (const grant of grants) {
        // Rotate the order each round so no contestant always runs first (or last).
        const order = started.map((_, i) => started[(i + round) % started.length]);
        for (const c of order) {
          const r = await load(c, grant);
          perRound.push({ round, grant, name: c.name, ...r });
          if (r.non2xx > 0 || r.errors > 0)
            log(`  ${c.name} ${grant}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        }
      }
      log(
        `round ${round + 1}/${rounds} done (load average ${load1.toFixed(2)} → ${os.loadavg()[0].toFixed(2)})`,
      );
    }
    const loadEnd = os.loadavg();
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    };
    const rps = (round, grant, name) =>
      perRound.find((r) => r.round === round && r.grant === grant && r.name === name)?.rps;
    const rows = [];
    for (const grant of grants)
      for (const t of names.filter((n) => n.startsWith('tessera-')))
        for (const p of names.filter((n) => n.startsWith('oidc-'))) {
          const ratios = [];
          for (let round = 0; round < rounds; round++)
            ratios.push(rps(round, grant, t) / rps(round, grant, p));
          rows.push({
            grant,
            tessera: t,
            peer: p,
            ratio: median(ratios),
            min: Math.min(...ratios),
            max: Math.max(...ratios),
            tesseraRps: median(
              perRound.filter((r) => r.grant === grant && r.name === t).map((r) => r.rps),
            ),
            peerRps: median(
              perRound.filter((r) => r.grant === grant && r.name === p).map((r) => r.rps),
            ),
          });
        }
    // This tree ÷ the baseline, same store, same rounds.
    const speedups = [];
    for (const grant of grants)
      for (const t of names.filter((n) => n.startsWith('tessera-'))) {
        const m = `main-${t.slice(8)}`;
        if (!names.includes(m)) continue;
        const ratios = [];
        for (let round = 0; round < rounds; round++)
          ratios.push(rps(round, grant, t) / rps(round, grant, m));
        speedups.push({
          grant,
          store: t.slice(8),
          ratio: median(ratios),
          min: Math.min(...ratios),
          max: Math.max(...ratios),
          baselineRps: median(
            perRound.filter((r) => r.grant === grant && r.name === m).map((r) => r.rps),
          ),
        });
      }
    const failures = perRound.reduce((n, r) => n + r.non2xx + r.errors, 0);
    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      rounds,
      duration,
      connections,
      poolSize,
      codesPerRun,
      loadStart: loadStart.map((x) => +x.toFixed(2)),
      loadEnd: loadEnd.map((x) => +x.toFixed(2)),
      failures,
    };
    if (json) console.log(JSON.stringify({ meta, rows, speedups, perRound }, null, 2));
    else {
      console.log(
        `\nTessera ÷ node-oidc-provider — ${meta.date}, Node ${meta.node}, ${meta.cores} × ${meta.cpu}, ` +
          `${connections} connections × ${duration} s, ${rounds} interleaved rounds, pool ${poolSize}; ` +
          `load average ${meta.loadStart.join(' ')} at start, ${meta.loadEnd.join(' ')} at end; non-2xx + errors: ${failures}\n`,
      );
      console.log(
        '| grant | Tessera store | peer adapter | ratio (median) | range | Tessera req/s | peer req/s |',
      );
      console.log('|---|---|---|---:|---:|---:|---:|');
      for (const r of rows)
        console.log(
          `| ${r.grant} | ${r.tessera.slice(8)} | ${r.peer.slice(5)} | ${r.ratio.toFixed(2)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | ${Math.round(r.tesseraRps)} | ${Math.round(r.peerRps)} |`,
        );
      if (speedups.length > 0) {
        console.log('\n| grant | store | this tree ÷ baseline (median) | range | baseline req/s |');
        console.log('|---|---|---:|---:|---:|');
        for (const r of speedups)
          console.log(
            `| ${r.grant} | ${r.store} | ${r.ratio.toFixed(2)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | ${Math.round(r.baselineRps)} |`,
          );
      }
    }
  } finally {
    for (const c of started) {
      c.child.send('stop');
      await new Promise((r) => c.child.once('exit', r));
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    if (names.some((n) => n.endsWith('-postgres'))) {
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      for (const n of names.filter((x) => x.endsWith('-postgres')))
        await c.query(`drop schema if exists "${schema}_${n.replace(/-/g, '_')}" cascade`);
      await c.end();
    }
  }
}
