import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from './app.js';
import { createClient } from './clients.js';
import { createKek } from './keys/kek.js';
import { dropPostgresSchema, openPostgresStore } from './stores/postgres.js';
import { createPasswordHasher } from './passwords.js';
import { FORM, PG_SKIP, PG_URL, TEST_ARGON2 } from './test-support/harness.js';
import { createUser } from './users.js';

/**
 * "PostgreSQL restarted under load", simulated without touching the shared server: every backend
 * connection of this app is killed with pg_terminate_backend — what the app sees of a restart
 * (in-flight queries fail, pooled connections die). Requests must fail cleanly (5xx with an
 * RFC 6749 §5.2 body, no crash) and the app must recover; no refresh chain may break.
 */
test(
  'PostgreSQL connections killed under load: clean 5xx answers, then recovery; no chain breaks',
  { skip: PG_SKIP },
  async () => {
    const schema = `tessera_fault_${process.pid}_${randomBytes(3).toString('hex')}`;
    const appName = `tessera-fault-${randomBytes(4).toString('hex')}`;
    const store = await openPostgresStore(PG_URL!, { schema, max: 6, applicationName: appName });
    const admin = new pg.Client({ connectionString: PG_URL! });
    await admin.connect();
    const app = await buildApp({
      config: { issuer: 'http://issuer.test', argon2: TEST_ARGON2 },
      store,
      kek: createKek(randomBytes(32)),
      ownsStore: true,
    });
    try {
      const { clientSecret } = await createClient(
        { store, defaultAudience: 'api' },
        { name: 'app', clientId: 'app', firstParty: true },
      );
      await createUser(
        { store, hasher: createPasswordHasher(TEST_ARGON2) },
        { username: 'alice', password: 'alice-password' },
      );
      const auth = `Basic ${Buffer.from(`app:${clientSecret}`).toString('base64')}`;
      const call = (params: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/token',
          headers: { ...FORM, authorization: auth },
          payload: new URLSearchParams(params).toString(),
        });

      const chains: string[] = [];
      for (let i = 0; i < 4; i++)
        chains.push(
          (
            await call({ grant_type: 'password', username: 'alice', password: 'alice-password' })
          ).json().refresh_token,
        );

      let ok = 0;
      const failures: { status: number; body: string }[] = [];
      let stop = false;
      const record = (r: { statusCode: number; body: string }) => {
        if (r.statusCode === 200) ok++;
        else failures.push({ status: r.statusCode, body: r.body });
      };
      const workers = [
        ...chains.map(async (_, i) => {
          while (!stop) {
            const r = await call({ grant_type: 'refresh_token', refresh_token: chains[i]! });
            record(r);
            if (r.statusCode === 200) chains[i] = r.json().refresh_token;
          }
        }),
        ...[0, 1].map(async () => {
          while (!stop) record(await call({ grant_type: 'client_credentials' }));
        }),
      ];
      const kill = async () =>
        (
          await admin.query(
            'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
            [appName],
          )
        ).rowCount ?? 0;
      // Kill repeatedly (bounded) until some in-flight request has failed.
      await new Promise((r) => setTimeout(r, 200));
      let killed = 0;
      for (let i = 0; i < 20 && failures.length === 0; i++) {
        killed += await kill();
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(workers);

      assert.ok(killed > 0, 'backends were terminated');
      assert.ok(failures.length > 0, 'the fault reached requests');
      for (const f of failures) {
        assert.ok(f.status === 503 || f.status === 500, `status ${f.status}: ${f.body}`);
        const body = JSON.parse(f.body) as { error: string };
        assert.ok(['temporarily_unavailable', 'server_error'].includes(body.error), f.body);
      }
      // Recovery: every chain still refreshes (a failed rotation never half-happened) and the app serves.
      for (const tok of chains) {
        const r = await call({ grant_type: 'refresh_token', refresh_token: tok });
        assert.equal(r.statusCode, 200, r.body);
      }
      assert.equal((await app.inject('/healthz')).statusCode, 200);
      assert.ok(ok > 0);
      console.log(
        `# ${ok} ok, ${failures.length} clean failures (${[...new Set(failures.map((f) => f.status))].join(',')}), ${killed} backends killed`,
      );
    } finally {
      await app.close();
      await admin.end();
      await dropPostgresSchema(PG_URL!, schema);
    }
  },
);
