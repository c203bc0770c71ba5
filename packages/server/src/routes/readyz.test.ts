import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { startServer } from '../server.js';
import { dropPostgresSchema, openPostgresStore } from '../stores/postgres.js';
import type { KyselyStore } from '../stores/kysely-store.js';
import { MIGRATIONS } from '../stores/migrations.js';

const NAMES = Object.keys(MIGRATIONS);
import { makeIssuer, PG_SKIP, PG_URL, TEST_ARGON2 } from '../test-support/harness.js';

test('readyz: 200 with every check ok; healthz is liveness only', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const r = await t.app.inject('/readyz');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(r.json(), {
      status: 'ready',
      checks: { store: 'ok', migrations: 'ok', signingKey: 'ok', draining: 'ok' },
    });
    assert.equal((await t.app.inject('/healthz')).statusCode, 200);
  } finally {
    await t.close();
  }
});

test('readyz: 503 naming the check when migrations are pending, the store is gone, or the node drains', async () => {
  const t = await makeIssuer('sqlite');
  try {
    // The code knows a migration the database has not run (a newer release over an old schema).
    await sql`delete from tessera_migrations`.execute((t.store as KyselyStore).db);
    const pending = await t.app.inject('/readyz');
    assert.equal(pending.statusCode, 503);
    assert.equal(pending.json().checks.migrations, `${NAMES.length} pending`);
    await t.store.migrate().catch(() => {}); // tables exist; the row is what readiness reads
    t.app.tesseraDrain();
    const draining = await t.app.inject('/readyz');
    assert.equal(draining.statusCode, 503);
    assert.equal(draining.json().checks.draining, 'shutting down');
    await t.store.close();
    const down = await t.app.inject('/readyz');
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().checks.store, 'unreachable');
    assert.equal(
      (await t.app.inject('/healthz')).statusCode,
      200,
      'liveness does not touch the store',
    );
  } finally {
    await t.app.close();
  }
});

test(
  'serve refuses an unmigrated PostgreSQL unless migrate is set; then /readyz is ready',
  { skip: PG_SKIP },
  async () => {
    const schema = `tessera_ready_${process.pid}_${randomBytes(4).toString('hex')}`;
    const kek = randomBytes(32).toString('hex');
    const base = {
      port: 0,
      database: PG_URL!,
      postgresSchema: schema,
      kek,
      argon2: TEST_ARGON2,
      env: {},
    };
    try {
      await assert.rejects(
        startServer({ ...base, migrate: false }),
        (e: Error) =>
          e.message ===
          `the database has ${NAMES.length} pending migration(s) (${NAMES.join(', ')}): run \`tessera migrate\` first, or start with --migrate`,
      );
      const probe = await openPostgresStore(PG_URL!, { schema, migrate: false });
      assert.deepEqual(await probe.migrationStatus(), { applied: [], pending: NAMES });
      await probe.close();
      const server = await startServer({ ...base, migrate: true });
      try {
        const r = await fetch(`${server.url}/readyz`);
        assert.equal(r.status, 200);
      } finally {
        await server.close();
      }
    } finally {
      await dropPostgresSchema(PG_URL!, schema);
    }
  },
);
