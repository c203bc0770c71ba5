import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { login, makeIssuer, post } from './test-support/harness.js';
import {
  createUser,
  InputError,
  listUsers,
  setUserDisabled,
  setUserPassword,
  setUserRoles,
} from './users.js';

test('disabling a user ends their sessions and puts them on the revocation feed', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const deps = { store: t.store, hasher: t.app.tessera.hasher, now: () => t.clock.ms };
    const a = await login(t);
    const b = await login(t);
    await setUserDisabled(deps, 'alice', true);
    const now = Math.floor(t.clock.ms / 1000);
    for (const s of [a, b]) {
      assert.equal(
        await t.store.isRevoked('sid', String(decodeJwt(s.access_token)['sid']), now),
        true,
      );
      const r = await post(
        t.app,
        '/token',
        { grant_type: 'refresh_token', refresh_token: s.refresh_token },
        { authorization: t.basic() },
      );
      assert.equal(r.status, 400);
    }
    assert.equal((await listUsers(deps))[0]?.disabled, true);
    await setUserDisabled(deps, 'alice', false);
    assert.equal((await login(t)).token_type, 'Bearer');
  } finally {
    await t.close();
  }
});

test('setting a password ends the sessions unless asked to keep them; the new password works', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const deps = { store: t.store, hasher: t.app.tessera.hasher };
    const s = await login(t);
    await setUserPassword(deps, 'alice', 'a brand new passphrase');
    const r = await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: s.refresh_token },
      { authorization: t.basic() },
    );
    assert.equal(r.status, 400);
    const s2 = await login({ ...t, password: 'a brand new passphrase' });
    await setUserPassword(deps, 'alice', 'another passphrase!', { keepSessions: true });
    const r2 = await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: s2.refresh_token },
      { authorization: t.basic() },
    );
    assert.equal(r2.status, 200);
    await assert.rejects(login(t), /login failed/, 'the old password no longer works');
  } finally {
    await t.close();
  }
});

test('user input is validated: names, passwords, roles, role budget', async () => {
  const t = await makeIssuer('sqlite');
  try {
    const deps = { store: t.store, hasher: t.app.tessera.hasher, rolesBudgetBytes: 40 };
    await assert.rejects(
      createUser(deps, { username: 'a b', password: 'long enough pw' }),
      InputError,
    );
    await assert.rejects(
      createUser(deps, { username: 'x'.repeat(65), password: 'long enough pw' }),
      InputError,
    );
    await assert.rejects(createUser(deps, { username: 'bob', password: 'short' }), InputError);
    await assert.rejects(
      createUser(deps, { username: 'bob', password: 'p'.repeat(1025) }),
      InputError,
    );
    await assert.rejects(
      createUser(deps, { username: 'bob', password: 'long enough pw', roles: ['has space'] }),
      InputError,
    );
    await assert.rejects(
      createUser(deps, {
        username: 'bob',
        password: 'long enough pw',
        roles: ['role-one', 'role-two', 'role-three', 'role-four'],
      }),
      /claim budget/,
    );
    await createUser(deps, { username: 'bob', password: 'long enough pw', roles: ['r1'] });
    await setUserRoles(deps, 'bob', ['r2', 'r2']);
    assert.deepEqual((await listUsers(deps)).find((u) => u.username === 'bob')?.roles, ['r2']);
    await assert.rejects(setUserRoles(deps, 'nobody', []), /no such user/);
  } finally {
    await t.close();
  }
});
