import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { buildApp } from './app.js';
import { createClient } from './clients.js';
import { createKek } from './keys/kek.js';
import { createPasswordHasher } from './passwords.js';
import { FORM, openTestStore, TEST_ARGON2 } from './test-support/harness.js';
import { createUser } from './users.js';

test('audit events reach the log, and the log never holds a password, secret or token', async () => {
  const ts = await openTestStore('sqlite');
  let log = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });
  const app = await buildApp({
    config: { issuer: 'http://issuer.test', argon2: TEST_ARGON2 },
    store: ts.store,
    kek: createKek(randomBytes(32)),
    logger: { level: 'info', stream },
  });
  try {
    const { clientSecret } = await createClient(
      { store: ts.store, defaultAudience: 'api' },
      { name: 'w', clientId: 'w', firstParty: true },
    );
    await createUser(
      { store: ts.store, hasher: createPasswordHasher(TEST_ARGON2) },
      { username: 'alice', password: 'alice-secret-pw' },
    );
    const authorization = `Basic ${Buffer.from(`w:${clientSecret}`).toString('base64')}`;
    const post = (payload: string) =>
      app.inject({ method: 'POST', url: '/token', headers: { ...FORM, authorization }, payload });
    await post('grant_type=password&username=alice&password=wrong-pw-123');
    const ok = (await post('grant_type=password&username=alice&password=alice-secret-pw')).json();
    const refreshed = (
      await post(`grant_type=refresh_token&refresh_token=${ok.refresh_token}`)
    ).json();
    assert.ok(refreshed.access_token);
    for (const type of [
      'login.failed',
      'login.succeeded',
      'token.issued',
      'token.refreshed',
      'key.created',
    ]) {
      assert.ok(log.includes(`"msg":"audit ${type}"`), type);
    }
    for (const secret of [
      'alice-secret-pw',
      'wrong-pw-123',
      clientSecret,
      ok.refresh_token,
      ok.access_token,
      refreshed.refresh_token,
      authorization,
    ]) {
      assert.ok(!log.includes(secret), 'a credential reached the log');
    }
    const rows = await ts.store.listAuditEvents(100);
    assert.ok(!JSON.stringify(rows).includes(ok.refresh_token));
  } finally {
    await app.close();
    await ts.dispose();
  }
});
