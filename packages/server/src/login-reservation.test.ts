import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { createClient } from './clients.js';
import { createKek } from './keys/kek.js';
import { createPasswordHasher } from './passwords.js';
import { dropPostgresSchema, openPostgresStore } from './stores/postgres.js';
import type { Store } from './stores/store.js';
import { authorize, codeClient, codeRequest, hiddenFields, Jar, submit } from './test-support/code-flow.js';
import {
  countAuditEvents,
  FORM,
  PG_SKIP,
  PG_URL,
  TEST_ARGON2,
  makeIssuer,
  openTestStore,
} from './test-support/harness.js';
import { createUser } from './users.js';

const THRESHOLD = 5;
const GUESSES = 40;

/**
 * The attack: 40 password guesses sent at once from one address, the right one among them. The
 * back-off used to be checked before Argon2 and counted after it, so all 40 were evaluated.
 * Counted here from the audit: every evaluated guess leaves `login.failed` or `login.succeeded`.
 */
async function fortyGuessesAtOnce(nodes: FastifyInstance[], store: Store) {
  const hasher = createPasswordHasher(TEST_ARGON2);
  await createUser({ store, hasher }, { username: 'victim', password: 'the-right-password' });
  const { clientSecret } = await createClient(
    { store, defaultAudience: 'api' },
    { name: 'w', clientId: 'w', firstParty: true },
  );
  const authorization = `Basic ${Buffer.from(`w:${clientSecret}`).toString('base64')}`;
  const guesses = Array.from({ length: GUESSES }, (_, i) =>
    i === GUESSES - 1 ? 'the-right-password' : `guess-${i}`,
  );
  const results = await Promise.all(
    guesses.map((password, i) =>
      nodes[i % nodes.length]!.inject({
        method: 'POST',
        url: '/token',
        remoteAddress: '198.51.100.7',
        headers: { ...FORM, authorization },
        payload: new URLSearchParams({
          grant_type: 'password',
          username: 'victim',
          password,
        }).toString(),
      }),
    ),
  );
  const evaluated =
    (await countAuditEvents(store, 'login.failed')) +
    (await countAuditEvents(store, 'login.succeeded'));
  const refused = results.filter((r) => r.statusCode === 429);
  return { results, evaluated, refused };
}

function assertBounded(r: Awaited<ReturnType<typeof fortyGuessesAtOnce>>, label: string) {
  assert.ok(r.evaluated <= THRESHOLD, `${label}: ${r.evaluated} guesses evaluated`);
  assert.equal(r.evaluated + r.refused.length, GUESSES, 'every other guess is refused');
  for (const x of r.refused) {
    assert.equal(x.json().error, 'invalid_grant');
    assert.ok(Number(x.headers['retry-after']) >= 1, 'Retry-After on every refusal');
  }
  // Printed for the closing note: the number the attack now gets.
  console.log(
    `# ${label}: ${r.evaluated} of ${GUESSES} concurrent guesses evaluated, ${r.refused.length} refused 429`,
  );
}

// The clock is held still: "at once" means within one instant, so no back-off expires mid-burst
// (Argon2 on a loaded machine can take longer than the first 1 s delay).
const config = {
  issuer: 'http://issuer.test',
  now: () => 1_800_000_000_000,
  argon2: TEST_ARGON2,
  loginProtection: { pairThreshold: THRESHOLD },
};

test('parallel guesses cannot get around the login back-off (sqlite, 40 at once)', async () => {
  const ts = await openTestStore('sqlite');
  const app = await buildApp({ config, store: ts.store, kek: createKek(randomBytes(32)) });
  try {
    assertBounded(await fortyGuessesAtOnce([app], ts.store), 'sqlite');
  } finally {
    await app.close();
    await ts.dispose();
  }
});

test(
  'parallel guesses cannot get around the login back-off (postgres, two issuer nodes, 40 at once)',
  { skip: PG_SKIP },
  async () => {
    const schema = `tessera_guess_${process.pid}_${randomBytes(3).toString('hex')}`;
    const kek = createKek(randomBytes(32));
    const stores = [
      await openPostgresStore(PG_URL!, { schema }),
      await openPostgresStore(PG_URL!, { schema }),
    ];
    const nodes = await Promise.all(
      stores.map((store) => buildApp({ config, store, kek, ownsStore: true })),
    );
    try {
      assertBounded(await fortyGuessesAtOnce(nodes, stores[0]!), 'postgres, two nodes');
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await dropPostgresSchema(PG_URL!, schema);
    }
  },
);

/**
 * The same attack on the hosted login form of the authorization code flow: it shares the check
 * (and the counters) with the password grant. Each guess is its own browser: its own interaction,
 * all submitted at once.
 */
for (const kind of ['sqlite', 'postgres'] as const) {
  test(
    `parallel guesses cannot get around the login back-off on the hosted login form (${kind}, 40 at once)`,
    { skip: kind === 'postgres' ? PG_SKIP : false },
    async () => {
      const t = await makeIssuer(kind, { loginProtection: { pairThreshold: THRESHOLD } });
      try {
        await codeClient(t, { clientId: 'rp-web', firstParty: true });
        const countEvaluated = async () =>
          (await countAuditEvents(t.store, 'login.failed')) +
          (await countAuditEvents(t.store, 'login.succeeded'));
        const before = await countEvaluated();
        const browsers = [];
        for (let i = 0; i < GUESSES; i++) {
          const jar = new Jar();
          const page = await authorize(t.app, jar, codeRequest('rp-web').params);
          browsers.push({ jar, fields: hiddenFields(page.body) });
        }
        const results = await Promise.all(
          browsers.map(({ jar, fields }, i) =>
            submit(t.app, jar, '/authorize/login', {
              ...fields,
              username: t.username,
              password: i === GUESSES - 1 ? t.password : `guess-${i}-wrong`,
            }),
          ),
        );
        const evaluated = (await countEvaluated()) - before;
        const refused = results.filter((r) => r.status === 429);
        assert.ok(evaluated <= THRESHOLD, `${evaluated} guesses evaluated`);
        assert.equal(evaluated + refused.length, GUESSES, 'every other guess is refused');
        for (const r of refused) {
          assert.ok(Number(r.headers['retry-after']) >= 1, 'Retry-After on every refusal');
          assert.equal(r.headers['location'], undefined, 'no code for a refused guess');
        }
        console.log(
          `# login form, ${kind}: ${evaluated} of ${GUESSES} concurrent guesses evaluated, ${refused.length} refused 429`,
        );
      } finally {
        await t.close();
      }
    },
  );
}
