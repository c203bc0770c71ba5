import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { decodeJwt } from '@tessera/jose';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { createClient } from './clients.js';
import { createKek } from './keys/kek.js';
import { createIssuerMetrics, type IssuerMetrics } from './metrics/issuer-metrics.js';
import { createPasswordHasher } from './passwords.js';
import { dropPostgresSchema, openPostgresStore } from './stores/postgres.js';
import type { Store } from './stores/store.js';
import { FORM, PG_SKIP, PG_URL, TEST_ARGON2, openTestStore } from './test-support/harness.js';
import { createUser } from './users.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Issuer nodes over the given stores, all with the same issuer URL (the first node's). */
async function nodes(stores: Store[], metrics?: IssuerMetrics) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const kek = createKek(randomBytes(32));
  const config = { issuer, argon2: TEST_ARGON2 };
  const apps: FastifyInstance[] = [];
  for (const store of stores)
    apps.push(await buildApp({ config, store, kek, ...(metrics ? { metrics } : {}) }));
  await apps[0]!.listen({ port, host: '127.0.0.1' });
  const deps = { store: stores[0]!, defaultAudience: 'api' };
  const { clientSecret } = await createClient(deps, {
    name: 'w',
    clientId: 'w',
    firstParty: true,
  });
  await createUser(
    { store: stores[0]!, hasher: createPasswordHasher(TEST_ARGON2) },
    { username: 'alice', password: 'alice-password' },
  );
  const authorization = `Basic ${Buffer.from(`w:${clientSecret}`).toString('base64')}`;
  const call = async (app: FastifyInstance, url: string, p: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, authorization },
      payload: new URLSearchParams(p).toString(),
    });
  const login = async () =>
    (
      await call(apps[0]!, '/token', {
        grant_type: 'password',
        username: 'alice',
        password: 'alice-password',
      })
    ).json() as { access_token: string; refresh_token: string };
  return { issuer, apps, call, login };
}

/** Poll until `probe` is true; the elapsed ms, or Infinity after `limitMs`. */
async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await probe()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 10));
  }
  return Infinity;
}

/** A raw push subscriber (the guard's own is tested in the guard package): the revoked jtis seen. */
function subscribe(url: string) {
  const seen = new Set<string>();
  let res: IncomingMessage | undefined;
  const req = request(url, (r) => {
    res = r;
    let buf = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => {
      buf += c;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const data = /^data: (.*)$/m.exec(buf.slice(0, i))?.[1];
        buf = buf.slice(i + 2);
        if (data !== undefined)
          for (const e of (decodeJwt(data) as { revoked: { jti?: string }[] }).revoked)
            if (e.jti !== undefined) seen.add(e.jti);
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return {
    has: (token: string) => async () => seen.has(String(decodeJwt(token).jti)),
    close: () => {
      res?.destroy();
      req.destroy();
    },
  };
}

test('push: a guard subscribed to the stream refuses a revoked token within 1 s, with polling 60 s apart', async () => {
  const ts = await openTestStore('sqlite');
  const n = await nodes([ts.store]);
  const guard = subscribe(`${n.issuer}/revocations/stream`);
  try {
    const s = await n.login();

    await new Promise((r) => setTimeout(r, 300)); // the subscription is open
    const t0 = performance.now();
    assert.equal((await n.call(n.apps[0]!, '/revoke', { token: s.access_token })).statusCode, 200);
    const ms = await within(2000, guard.has(s.access_token));
    assert.ok(ms <= 1000, `refused after ${ms} ms (${performance.now() - t0} ms incl. revoke)`);
  } finally {
    guard.close();
    await n.apps[0]!.close();
    await ts.dispose();
  }
});

/** Read SSE events from the stream until `count` events arrived (or 3 s passed). */
function readEvents(url: string, lastEventId: string | undefined, count: number) {
  return new Promise<{ id: string; data: string }[]>((resolve, reject) => {
    const got: { id: string; data: string }[] = [];
    let res: IncomingMessage | undefined;
    const done = () => {
      clearTimeout(timer);
      res?.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 3000);
    const req = request(
      url,
      { headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId } },
      (r) => {
        res = r;
        assert.equal(r.headers['content-type'], 'text/event-stream');
        let buf = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => {
          buf += c;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const id = /^id: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (id !== undefined && data !== undefined) got.push({ id, data });
            if (got.length >= count) done();
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('push: the first event is the full feed; Last-Event-ID resumes with only what is new', async () => {
  const ts = await openTestStore('sqlite');
  const n = await nodes([ts.store]);
  try {
    const a = await n.login();
    await n.call(n.apps[0]!, '/revoke', { token: a.access_token });
    const url = `${n.issuer}/revocations/stream`;
    const [snapshot] = await readEvents(url, undefined, 1);
    assert.equal((decodeJwt(snapshot!.data) as { revoked: unknown[] }).revoked.length, 1);
    // Resuming at the current id: nothing is re-sent until something changes.
    const pending = readEvents(url, snapshot!.id, 1);
    await new Promise((r) => setTimeout(r, 300));
    const b = await n.login();
    await n.call(n.apps[0]!, '/revoke', { token: b.access_token });
    const [delta] = await pending;
    const revoked = (decodeJwt(delta!.data) as { revoked: { jti?: string }[] }).revoked;
    assert.deepEqual(
      revoked.map((e) => e.jti),
      [decodeJwt(b.access_token).jti],
      'a delta: only the new entry',
    );
    assert.notEqual(delta!.id, snapshot!.id);
    // An unknown id: the full feed again (everything missed).
    const [full] = await readEvents(url, 'stale-id', 1);
    assert.equal((decodeJwt(full!.data) as { revoked: unknown[] }).revoked.length, 2);
  } finally {
    await n.apps[0]!.close();
    await ts.dispose();
  }
});

test(
  'push across nodes: a revocation on node A reaches a guard subscribed to node B within 1 s (LISTEN/NOTIFY)',
  { skip: PG_SKIP },
  async () => {
    const schema = `tessera_push_${process.pid}_${randomBytes(3).toString('hex')}`;
    const stores = [
      await openPostgresStore(PG_URL!, { schema }),
      await openPostgresStore(PG_URL!, { schema }),
    ];
    // apps[0] listens (the guard's node B); apps[1] only takes the revocation (node A).
    const n = await nodes(stores);
    const guard = subscribe(`${n.issuer}/revocations/stream`);
    try {
      const s = await n.login();
      void s.access_token;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(
        (await n.call(n.apps[1]!, '/revoke', { token: s.access_token })).statusCode,
        200,
      );
      const ms = await within(2000, guard.has(s.access_token));
      assert.ok(ms <= 1000, `refused after ${ms} ms`);
    } finally {
      guard.close();
      await Promise.all(n.apps.map((a) => a.close()));
      await Promise.all(stores.map((st) => st.close()));
      await dropPostgresSchema(PG_URL!, schema);
    }
  },
);

test(
  'fault: the listening connection of a node cut (pg_terminate_backend) — it reconnects, and nothing revoked meanwhile is missed',
  { skip: PG_SKIP },
  async () => {
    const schema = `tessera_pushf_${process.pid}_${randomBytes(3).toString('hex')}`;
    const stores = [
      await openPostgresStore(PG_URL!, { schema, applicationName: `t${process.pid}a` }),
      await openPostgresStore(PG_URL!, { schema, applicationName: `t${process.pid}b` }),
    ];
    const n = await nodes(stores);
    const guard = subscribe(`${n.issuer}/revocations/stream`);
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: PG_URL! });
    await admin.connect();
    const listener = async () =>
      (
        await admin.query<{ pid: number }>(
          'select pid from pg_stat_activity where application_name = $1',
          [`t${process.pid}a-listen`],
        )
      ).rows.map((r) => r.pid);
    try {
      const [s1, s2] = [await n.login(), await n.login()];
      void s1.access_token;
      await new Promise((r) => setTimeout(r, 300));
      const [pid] = await listener();
      assert.ok(pid !== undefined, 'node B listens');
      await admin.query('select pg_terminate_backend($1)', [pid]);
      // Revoked on node A while node B cannot hear the notification.
      await n.call(n.apps[1]!, '/revoke', { token: s1.access_token });
      const missed = await within(3000, guard.has(s1.access_token));
      assert.ok(missed <= 2500, `refused after ${missed} ms (the periodic recheck)`);
      const back = await within(3000, async () => (await listener()).some((p) => p !== pid));
      assert.ok(back < Infinity, 'the listening connection is back');
      await n.call(n.apps[1]!, '/revoke', { token: s2.access_token });
      const ms = await within(2000, guard.has(s2.access_token));
      assert.ok(ms <= 1000, `after the reconnect: refused in ${ms} ms`);
    } finally {
      guard.close();
      await admin.end();
      await Promise.all(n.apps.map((a) => a.close()));
      await Promise.all(stores.map((st) => st.close()));
      await dropPostgresSchema(PG_URL!, schema);
    }
  },
);

test('push: closing the issuer ends open streams (close never waits on a subscriber); the subscriber gauge counts them', async () => {
  const ts = await openTestStore('sqlite');
  const metrics = createIssuerMetrics({ processMetrics: false });
  const n = await nodes([ts.store], metrics);
  const subscribers = async () =>
    /^tessera_feed_subscribers (\d+)$/m.exec(await metrics.registry.metrics())?.[1];
  assert.equal(await subscribers(), '0');
  const guard = subscribe(`${n.issuer}/revocations/stream`);
  try {
    await n.login();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await subscribers(), '1', 'one open stream');
    const t0 = performance.now();
    await n.apps[0]!.close();
    assert.ok(performance.now() - t0 < 2000, 'closed promptly with a subscriber connected');
    assert.equal(await subscribers(), '0', 'the stream ended with the issuer');
  } finally {
    guard.close();
    await ts.dispose();
  }
});
