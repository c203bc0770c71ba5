/**
 * The code exchange end to end on both stores (the PostgreSQL exchange is a read and one write
 * statement, SQLite's one unit in the group commit): of concurrent exchanges of one code one
 * wins and the others are replays that revoke what it issued; an exchange refused after the
 * read (user disabled) spends the code and issues nothing.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { codeClient, codeRequest, Jar, REDIRECT, signIn } from '../test-support/code-flow.js';
import {
  makeIssuer,
  PG_SKIP,
  post,
  type StoreKind,
  type TestIssuer,
} from '../test-support/harness.js';
import { createPasswordHasher } from '../passwords.js';
import { TEST_ARGON2 } from '../test-support/harness.js';
import { setUserDisabled } from '../users.js';

async function withIssuer(
  t: TestContext,
  kind: StoreKind,
  fn: (i: TestIssuer, secret: string) => Promise<void>,
) {
  if (kind === 'postgres' && PG_SKIP !== false) return t.skip(PG_SKIP);
  const i = await makeIssuer(kind);
  try {
    const { clientSecret } = await codeClient(i, { clientId: 'rp', firstParty: true });
    await fn(i, clientSecret!);
  } finally {
    await i.close();
  }
}

async function codeFor(i: TestIssuer) {
  const { params, verifier } = codeRequest('rp');
  const back = await signIn(i, new Jar(), params);
  assert.equal(back.status, 303, back.body);
  return { verifier, code: back.location!.searchParams.get('code')! };
}

const exchange = (i: TestIssuer, secret: string, code: string, verifier: string) =>
  post(
    i.app,
    '/token',
    { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT },
    { authorization: `Basic ${Buffer.from(`rp:${secret}`).toString('base64')}` },
  );

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: of 8 concurrent exchanges of one code one wins; the replays revoke what it issued`, (t) =>
    withIssuer(t, kind, async (i, secret) => {
      const { code, verifier } = await codeFor(i);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => exchange(i, secret, code, verifier)),
      );
      const won = answers.filter((a) => a.status === 200);
      assert.equal(won.length, 1, answers.map((a) => a.status).join(' '));
      for (const a of answers.filter((x) => x.status !== 200))
        assert.deepEqual([a.status, a.json['error']], [400, 'invalid_grant']);
      const body = won[0]!.json as Record<string, string>;
      const refresh = await post(
        i.app,
        '/token',
        { grant_type: 'refresh_token', refresh_token: body['refresh_token']! },
        { authorization: `Basic ${Buffer.from(`rp:${secret}`).toString('base64')}` },
      );
      assert.deepEqual([refresh.status, refresh.json['error']], [400, 'invalid_grant']);
      const jti = JSON.parse(
        Buffer.from(body['access_token']!.split('.')[1]!, 'base64url').toString(),
      ).jti as string;
      assert.equal(await i.store.isRevoked('jti', jti, Math.floor(i.clock.ms / 1000)), true);
      assert.equal((await i.store.listAuditEvents(20, 'token.issued')).length, 1);
      assert.equal((await i.store.listAuditEvents(20, 'authorization.code_replayed')).length, 7);
    }));

  test(`${kind}: a user disabled after the code was issued gets nothing, and the code is spent`, (t) =>
    withIssuer(t, kind, async (i, secret) => {
      const { code, verifier } = await codeFor(i);
      const deps = { store: i.store, hasher: createPasswordHasher(TEST_ARGON2) };
      await setUserDisabled(deps, i.username, true);
      const r = await exchange(i, secret, code, verifier);
      assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant']);
      await setUserDisabled(deps, i.username, false);
      const again = await exchange(i, secret, code, verifier);
      assert.deepEqual([again.status, again.json['error']], [400, 'invalid_grant']);
      assert.equal((await i.store.listAuditEvents(20, 'token.issued')).length, 0);
    }));
}
