import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { createClient, rotateClientSecret, setClientDisabled } from '../clients.js';
import { createKek } from '../keys/kek.js';
import { FORM, PG_SKIP, PG_URL, TEST_ARGON2 } from '../test-support/harness.js';
import { ClientCache } from './client-cache.js';
import { dropPostgresSchema, openPostgresStore } from './postgres.js';
import type { ClientRow } from './store.js';

const row = (id: string, disabled = 0): ClientRow => ({
  id,
  name: id,
  secret_hash: 'h',
  first_party: 0,
  grant_types: '[]',
  scopes: '[]',
  audience: 'api',
  disabled,
  created_at: 0,
  redirect_uris: '[]',
  post_logout_redirect_uris: '[]',
  require_par: 0,
  token_endpoint_auth_method: null,
  jwks: null,
  jwks_uri: null,
  backchannel_logout_uri: null,
  id_token_signed_response_alg: null,
  require_dpop: 0,
  introspect_audiences: '[]',
  credentials_sid: null,
  mfa: null,
});

test('ClientCache: one read per TTL, concurrent misses share it, invalidation wins over a read in flight', async () => {
  let clock = 0;
  let reads = 0;
  let disabled = 0;
  let gate: Promise<void> | undefined;
  const cache = new ClientCache(
    async (id) => {
      reads++;
      const value = row(id, disabled);
      if (gate !== undefined) await gate;
      return value;
    },
    500,
    () => clock,
  );
  const [a, b] = await Promise.all([cache.get('c'), cache.get('c')]);
  assert.equal(reads, 1, 'concurrent misses share one read');
  assert.equal(a, b);
  assert.ok(Object.isFrozen(a), 'a cached row cannot be changed by one caller for the next');
  clock = 499;
  await cache.get('c');
  assert.equal(reads, 1, 'within the TTL');
  clock = 500;
  await cache.get('c');
  assert.equal(reads, 2, 'read again at the TTL');
  // A read that started before a change must not put the old row back into the cache.
  let open!: () => void;
  gate = new Promise<void>((r) => (open = r));
  const inFlight = cache.get('other');
  disabled = 1;
  cache.invalidate('other');
  gate = undefined;
  const after = cache.get('other');
  open();
  assert.equal((await inFlight)?.disabled, 0);
  assert.equal((await after)?.disabled, 1, 'a lookup after the change does not join the old read');
  assert.equal((await cache.get('other'))?.disabled, 1);
});

test('ClientCache: an unknown client is not remembered; a failed read is not cached', async () => {
  let reads = 0;
  let fail = true;
  const cache = new ClientCache(async (id) => {
    reads++;
    if (fail) throw new Error('down');
    return id === 'known' ? row(id) : undefined;
  });
  await assert.rejects(cache.get('known'), /down/);
  fail = false;
  assert.equal((await cache.get('known'))?.id, 'known');
  assert.equal(await cache.get('junk'), undefined);
  assert.equal(await cache.get('junk'), undefined);
  assert.equal(reads, 4);
});

/** Poll `probe` until it returns true; resolves with the elapsed milliseconds (or Infinity). */
async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await probe()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Infinity;
}

test(
  'two nodes over PostgreSQL: a client disabled or given a new secret on one node is refused on the other within 1 s',
  { skip: PG_SKIP },
  async () => {
    const schema = `tessera_cc_${process.pid}_${randomBytes(3).toString('hex')}`;
    const kek = createKek(randomBytes(32));
    const config = { issuer: 'http://issuer.test', argon2: TEST_ARGON2 };
    const stores = [
      await openPostgresStore(PG_URL!, { schema }),
      await openPostgresStore(PG_URL!, { schema }),
    ];
    const [a, b] = (await Promise.all(
      stores.map((store) => buildApp({ config, store, kek, ownsStore: true })),
    )) as [FastifyInstance, FastifyInstance];
    try {
      const deps = { store: stores[0]!, defaultAudience: 'api' };
      const { clientSecret } = await createClient(deps, {
        name: 'm2m',
        clientId: 'm2m',
        grantTypes: ['client_credentials'],
      });
      const cc = (node: FastifyInstance, secret: string) =>
        node
          .inject({
            method: 'POST',
            url: '/token',
            headers: {
              ...FORM,
              authorization: `Basic ${Buffer.from(`m2m:${secret}`).toString('base64')}`,
            },
            payload: 'grant_type=client_credentials',
          })
          .then((r) => r.statusCode);
      // Both nodes have the client cached.
      assert.deepEqual([await cc(a, clientSecret!), await cc(b, clientSecret!)], [200, 200]);

      await setClientDisabled(deps, 'm2m', true);
      assert.equal(await cc(a, clientSecret!), 401, 'the node that made the change: at once');
      const disabledAfter = await within(1500, async () => (await cc(b, clientSecret!)) === 401);
      assert.ok(disabledAfter <= 1000, `the other node refused after ${disabledAfter} ms`);

      await setClientDisabled(deps, 'm2m', false);
      const enabledAfter = await within(1500, async () => (await cc(b, clientSecret!)) === 200);
      assert.ok(enabledAfter <= 1000, `re-enabled on the other node after ${enabledAfter} ms`);

      const fresh = await rotateClientSecret(deps, 'm2m');
      assert.equal(await cc(a, clientSecret!), 401);
      const oldRefusedAfter = await within(1500, async () => (await cc(b, clientSecret!)) === 401);
      assert.ok(oldRefusedAfter <= 1000, `old secret refused after ${oldRefusedAfter} ms`);
      assert.equal(await cc(b, fresh), 200, 'the new secret works on the other node');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await dropPostgresSchema(PG_URL!, schema);
    }
  },
);
