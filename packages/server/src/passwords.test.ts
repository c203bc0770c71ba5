import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OWASP_ARGON2 } from './config.js';
import { createPasswordHasher } from './passwords.js';
import { login, makeIssuer, TEST_ARGON2 } from './test-support/harness.js';
import { createUser } from './users.js';

test('production parameters are the OWASP Argon2id baseline (m=19456 KiB, t=2, p=1)', async () => {
  const hasher = createPasswordHasher(OWASP_ARGON2);
  const digest = await hasher.hash('correct horse battery staple');
  assert.match(digest, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.equal(await hasher.verify(digest, 'correct horse battery staple'), true);
  assert.equal(await hasher.verify(digest, 'correct horse battery stapler'), false);
  assert.equal(hasher.needsRehash(digest), false);
  assert.equal(await hasher.verify('not-a-digest', 'x'), false);
});

test('a hash made with other parameters is rehashed on the next successful login', async () => {
  const t = await makeIssuer('sqlite', {
    argon2: { memoryCost: 2048, timeCost: 1, parallelism: 1 },
  });
  try {
    await createUser(
      { store: t.store, hasher: createPasswordHasher(TEST_ARGON2) },
      { username: 'bob', password: 'bob-password-1' },
    );
    const before = (await t.store.findUserByUsername('bob'))!.password_hash;
    assert.match(before, /m=1024,p=1,t=1/);
    await login({ ...t, username: 'bob', password: 'bob-password-1' });
    const afterHash = (await t.store.findUserByUsername('bob'))!.password_hash;
    assert.match(afterHash, /^\$argon2id\$v=19\$m=2048,p=1,t=1\$/);
    await login({ ...t, username: 'bob', password: 'bob-password-1' });
    assert.equal(
      (await t.store.findUserByUsername('bob'))!.password_hash,
      afterHash,
      'no rehash when parameters match',
    );
  } finally {
    await t.close();
  }
});
