import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGuard, GuardError, type Guard } from '@tessera/guard';
import { createClient, createUser, startServer, type RunningServer } from '@tessera/server';
import { runServeCommand } from './serve.js';
import { memoryIo } from '../test-support/memory-io.js';
import { tempDir } from '../test-support/fixtures.js';

/**
 * A feed kept from the public (`--feed-access token|clients`, #12 item 11) still reaches the
 * guards that hold its credential: `revocation.credentials` is sent on the polled feed and on the
 * push stream, and a revocation reaches the guard; a guard without it gets no feed and refuses
 * with 503 instead of accepting unchecked tokens.
 * @see docs/security.md#feed-access
 */
const FEED_TOKEN = 'feed-token-0123456789abcdef';

async function setUp(server: RunningServer) {
  const deps = { store: server.store, defaultAudience: 'api' };
  const app = await createClient(deps, {
    name: 'app',
    clientId: 'app',
    firstParty: true,
    scopes: ['read'],
  });
  const rs = await createClient(deps, {
    name: 'orders API',
    clientId: 'rs-orders',
    grantTypes: [],
    introspectAudiences: ['api'],
  });
  await createUser(
    { store: server.store, hasher: server.app.tessera.hasher },
    { username: 'alice', password: 'alice-password-1' },
  );
  const form = (p: Record<string, string>) =>
    fetch(`${server.url}${p['path']}`, {
      method: 'POST',
      body: new URLSearchParams({ ...p, client_id: 'app', client_secret: app.clientSecret! }),
    });
  const login = async () => {
    const r = await form({
      path: '/token',
      grant_type: 'password',
      username: 'alice',
      password: 'alice-password-1',
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const revoke = async (token: string) =>
    assert.equal((await form({ path: '/revoke', token })).status, 200);
  return { rsSecret: rs.clientSecret!, login, revoke };
}

async function refusedWith(guard: Guard, token: string): Promise<number | undefined> {
  try {
    await guard.verify(token);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof GuardError, String(e));
    return e.status;
  }
}

/** Wait (bounded) until the guard refuses the token; with push only, nothing else brings it. */
async function untilRevoked(guard: Guard, token: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await refusedWith(guard, token)) !== 401) {
    if (Date.now() > deadline) assert.fail('the revocation never reached the guard');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(
  'tessera serve --feed-access token: a guard with revocation.credentials { token } polls and subscribes; one without gets 503',
  { timeout: 60_000 },
  async () => {
    const abort = new AbortController();
    let server!: RunningServer;
    const io = memoryIo({ env: { TESSERA_FEED_TOKEN: FEED_TOKEN } });
    const exited = new Promise<number>((resolve, reject) => {
      const ready = (s: RunningServer) => {
        server = s;
        resolve(-1);
      };
      runServeCommand(['--port', '0', '--data-dir', tempDir(), '--feed-access', 'token'], io, {
        signal: abort.signal,
        onReady: ready,
      }).then((code) => resolve(code), reject);
    });
    assert.equal(await exited, -1, io.err());
    const guards: Guard[] = [];
    try {
      const anon = await fetch(`${server.url}/revocations`);
      assert.equal(anon.status, 401, 'the flag and TESSERA_FEED_TOKEN took effect');
      assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="tessera"');
      const { login, revoke } = await setUp(server);

      const polled = createGuard({
        issuer: server.url,
        audience: 'api',
        allowHttpLoopback: true,
        revocation: { push: false, credentials: { token: FEED_TOKEN } },
      });
      // Push only: a poll every 10 minutes cannot bring the revocation within the test.
      const pushed = createGuard({
        issuer: server.url,
        audience: 'api',
        allowHttpLoopback: true,
        revocation: { intervalMs: 600_000, credentials: { token: FEED_TOKEN } },
      });
      const errors: unknown[] = [];
      const without = createGuard({
        issuer: server.url,
        audience: 'api',
        allowHttpLoopback: true,
        revocation: { push: false },
        onError: (e) => errors.push(e),
      });
      guards.push(polled, pushed, without);
      const token = await login();
      assert.equal((await polled.verify(token)).subject.length > 0, true);
      assert.equal((await pushed.verify(token)).subject.length > 0, true);
      assert.equal(await refusedWith(without, token), 503, 'no feed: refused, not accepted');
      assert.ok(
        errors.some((e) => /answered 401/.test(String(e))),
        String(errors[0]),
      );

      await new Promise((r) => setTimeout(r, 300)); // the push subscription is open
      await revoke(token);
      await untilRevoked(pushed, token);
      await new Promise((r) => setTimeout(r, 1100)); // the feed re-reads the list within 1 s
      await polled.pollRevocations();
      assert.equal(await refusedWith(polled, token), 401);
    } finally {
      for (const g of guards) g.close();
      abort.abort();
    }
  },
);

test(
  'feed.access clients: a guard with revocation.credentials { clientId, clientSecret } of a resource-server client keeps working',
  { timeout: 60_000 },
  async () => {
    const server = await startServer({
      port: 0,
      dataDir: tempDir(),
      feed: { access: 'clients' },
      argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    });
    let guard: Guard | undefined;
    try {
      const { rsSecret, login, revoke } = await setUp(server);
      guard = createGuard({
        issuer: server.url,
        audience: 'api',
        allowHttpLoopback: true,
        revocation: {
          intervalMs: 600_000,
          credentials: { clientId: 'rs-orders', clientSecret: rsSecret },
        },
      });
      const token = await login();
      assert.ok((await guard.verify(token)).subject);
      await new Promise((r) => setTimeout(r, 300));
      await revoke(token);
      await untilRevoked(guard, token);
    } finally {
      guard?.close();
      await server.close();
    }
  },
);
