import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, PG_SKIP, type StoreKind } from '../test-support/harness.js';
import type { Store, WebauthnCredentialRow } from './store.js';

const passkey = (id: string, userId: string, created = 1000): WebauthnCredentialRow => ({
  id,
  user_id: userId,
  public_key: 'pQECAyYgASFYIA',
  counter: 5,
  transports: '["internal"]',
  backup_eligible: 0,
  backup_state: 0,
  created_at: created,
  last_used_at: null,
});

async function withStore(t: TestContext, kind: StoreKind, fn: (s: Store) => Promise<void>) {
  if (kind === 'postgres' && PG_SKIP !== false) {
    t.skip(PG_SKIP);
    return;
  }
  const ts = await openTestStore(kind);
  try {
    await fn(ts.store);
  } finally {
    await ts.dispose();
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: passkeys round-trip with numbers as numbers; a credential id is registered once, for anyone`, (t) =>
    withStore(t, kind, async (s) => {
      assert.equal(await s.insertWebauthnCredential(passkey('cred-b', 'u1', 2000)), true);
      assert.equal(await s.insertWebauthnCredential(passkey('cred-a', 'u1', 1000)), true);
      assert.equal(await s.insertWebauthnCredential(passkey('cred-a', 'u2')), false);
      assert.equal(await s.insertWebauthnCredential(passkey('cred-c', 'u2')), true);
      const found = await s.findWebauthnCredential('cred-a');
      assert.deepEqual(found, passkey('cred-a', 'u1', 1000));
      assert.equal(typeof found!.counter, 'number');
      assert.deepEqual(
        (await s.listWebauthnCredentials('u1')).map((r) => r.id),
        ['cred-a', 'cred-b'],
        'oldest first',
      );
      assert.equal(await s.findWebauthnCredential('nope'), undefined);
      assert.equal(await s.deleteWebauthnCredentials('u1'), 2);
      assert.deepEqual(await s.listWebauthnCredentials('u1'), []);
      assert.equal((await s.listWebauthnCredentials('u2')).length, 1, "u2's passkey stays");
    }));

  test(`${kind}: a passkey use is a compare-and-swap on the counter — 10 concurrent uses of one assertion, one wins`, (t) =>
    withStore(t, kind, async (s) => {
      await s.insertWebauthnCredential(passkey('cred', 'u1'));
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          s.useWebauthnCredential('cred', 5, { counter: 6, backupState: true, now: 3000 }),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const row = await s.findWebauthnCredential('cred');
      assert.equal(row!.counter, 6);
      assert.equal(row!.backup_state, 1);
      assert.equal(row!.last_used_at, 3000);
      assert.equal(
        await s.useWebauthnCredential('cred', 5, { counter: 7, backupState: false, now: 3100 }),
        false,
        'a stale expected counter changes nothing',
      );
      assert.equal((await s.findWebauthnCredential('cred'))!.counter, 6);
    }));
}
