import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from '@tessera/jose';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { createClient } from './clients.js';
import { createKek } from './keys/kek.js';
import { createPasswordHasher } from './passwords.js';
import { dropPostgresSchema, openPostgresStore } from './stores/postgres.js';
import { FORM, PG_SKIP, PG_URL, TEST_ARGON2 } from './test-support/harness.js';
import { createUser } from './users.js';

/**
 * Two issuer nodes, each with its own connection pool, over one PostgreSQL schema and one KEK:
 * nothing security-relevant may live in one node's memory.
 */
test(
  'two nodes over one PostgreSQL: one key, shared rotation, replay, revocation and back-off',
  { skip: PG_SKIP },
  async () => {
    const schema = `tessera_multi_${process.pid}_${randomBytes(3).toString('hex')}`;
    const kek = createKek(randomBytes(32));
    const config = {
      issuer: 'http://issuer.test',
      argon2: TEST_ARGON2,
      // A back-off long enough that the whole-second clock cannot end it before the next request.
      loginProtection: { pairThreshold: 3, ipThreshold: 100, baseDelaySeconds: 60 },
    };
    const stores = [
      await openPostgresStore(PG_URL!, { schema }),
      await openPostgresStore(PG_URL!, { schema }),
    ];
    const nodes: FastifyInstance[] = await Promise.all(
      stores.map((store) => buildApp({ config, store, kek, ownsStore: true })),
    );
    try {
      const [a, b] = nodes as [FastifyInstance, FastifyInstance];
      assert.equal(
        (await a.inject('/jwks')).body,
        (await b.inject('/jwks')).body,
        'both nodes publish the same keys',
      );
      const { clientSecret } = await createClient(
        { store: stores[0]!, defaultAudience: 'api' },
        { name: 'w', clientId: 'w', firstParty: true },
      );
      await createUser(
        { store: stores[0]!, hasher: createPasswordHasher(TEST_ARGON2) },
        { username: 'alice', password: 'alice-password' },
      );
      const authorization = `Basic ${Buffer.from(`w:${clientSecret}`).toString('base64')}`;
      const call = (node: FastifyInstance, url: string, p: Record<string, string>) =>
        node.inject({
          method: 'POST',
          url,
          headers: { ...FORM, authorization },
          payload: new URLSearchParams(p).toString(),
        });

      const login = (
        await call(a, '/token', {
          grant_type: 'password',
          username: 'alice',
          password: 'alice-password',
        })
      ).json();
      // 40 concurrent uses of one refresh token spread over both nodes: one rotation, one answer.
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          call(nodes[i % 2]!, '/token', {
            grant_type: 'refresh_token',
            refresh_token: login.refresh_token,
          }),
        ),
      );
      assert.deepEqual([...new Set(results.map((r) => r.statusCode))], [200]);
      assert.equal(new Set(results.map((r) => r.body)).size, 1);
      const next = results[0]!.json();

      // A token signed on one node is valid on the other; revoked on one, dead on the other.
      assert.equal(
        (await call(b, '/introspect', { token: next.access_token })).json().active,
        true,
      );
      assert.equal((await call(b, '/revoke', { token: next.refresh_token })).statusCode, 200);
      assert.deepEqual((await call(a, '/introspect', { token: next.access_token })).json(), {
        active: false,
      });
      const feed = decodeJwt((await a.inject('/revocations')).body) as {
        revoked: { sid?: string }[];
      };
      assert.ok(feed.revoked.some((e) => e.sid === decodeJwt(next.access_token)['sid']));

      // Login back-off is counted in the store: failures on both nodes add up.
      await call(a, '/token', { grant_type: 'password', username: 'alice', password: 'wrong-1' });
      await call(b, '/token', { grant_type: 'password', username: 'alice', password: 'wrong-2' });
      await call(a, '/token', { grant_type: 'password', username: 'alice', password: 'wrong-3' });
      assert.equal(
        (
          await call(b, '/token', {
            grant_type: 'password',
            username: 'alice',
            password: 'alice-password',
          })
        ).statusCode,
        429,
      );
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await dropPostgresSchema(PG_URL!, schema);
    }
  },
);
