import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '@tessera/server';
import { cli, sqliteEnv } from '../test-support/issuer-env.js';

/**
 * `tessera user mfa <username>` lists passkeys beside TOTP, and `--reset` removes them (issue 16).
 * The passkey rows are put in the store directly: registering one through a browser is
 * covered by the issuer's Chromium tests (routes/authorize-passkey.browser.test.ts).
 */
test("tessera user mfa lists a user's passkeys (id, dates, synced or not, transports) and --reset removes them, audited", async () => {
  const e = await sqliteEnv();
  try {
    assert.equal((await cli(e, ['user', 'create', 'alice'])).code, 0);
    assert.equal((await cli(e, ['user', 'create', 'bob'])).code, 0);
    const store = await openStore({ ...e.start });
    try {
      const alice = (await store.findUserByUsername('alice'))!;
      const bob = (await store.findUserByUsername('bob'))!;
      const row = (id: string, userId: string, be: number) => ({
        id,
        user_id: userId,
        public_key: 'pQECAyYgASFYIA',
        counter: 7,
        transports: JSON.stringify(be === 1 ? ['hybrid', 'internal'] : ['usb']),
        backup_eligible: be,
        backup_state: be,
        created_at: 1_780_000_000,
        last_used_at: be === 1 ? 1_780_000_600 : null,
      });
      assert.ok(await store.insertWebauthnCredential(row('Y3JlZC1h', alice.id, 1)));
      assert.ok(await store.insertWebauthnCredential(row('Y3JlZC1i', alice.id, 0)));
      assert.ok(await store.insertWebauthnCredential(row('Y3JlZC1j', bob.id, 0)));
      assert.equal(
        await store.insertWebauthnCredential(row('Y3JlZC1j', alice.id, 0)),
        false,
        'a credential id is registered once, whoever asks',
      );
    } finally {
      await store.close();
    }
    const listed = await cli(e, ['user', 'mfa', 'alice']);
    assert.equal(listed.code, 0, listed.err);
    assert.deepEqual(listed.out.trimEnd().split('\n'), [
      'totp\tnone\tconfirmed=-\tlast-used=-\trecovery-codes-left=0',
      'passkey\tY3JlZC1h\tcreated=2026-05-28T20:26:40Z\tlast-used=2026-05-28T20:36:40Z\tsynced=yes\ttransports=hybrid,internal',
      'passkey\tY3JlZC1i\tcreated=2026-05-28T20:26:40Z\tlast-used=-\tsynced=no\ttransports=usb',
    ]);
    const json = JSON.parse((await cli(e, ['user', 'mfa', 'alice', '--json'])).out) as {
      passkeys: { id: string; backupEligible: boolean; counter: number }[];
    };
    assert.deepEqual(
      json.passkeys.map((p) => [p.id, p.backupEligible, p.counter]),
      [
        ['Y3JlZC1h', true, 7],
        ['Y3JlZC1i', false, 7],
      ],
    );
    assert.doesNotMatch(listed.out, /pQECAyYgASFYIA/, 'no public key in the listing');

    const reset = await cli(e, ['user', 'mfa', 'alice', '--reset']);
    assert.equal(reset.code, 0, reset.err);
    assert.match(reset.out, /second factors of alice reset: 2 removed/);
    assert.equal(
      (await cli(e, ['user', 'mfa', 'alice'])).out,
      'totp\tnone\tconfirmed=-\tlast-used=-\trecovery-codes-left=0\n',
    );
    assert.match((await cli(e, ['user', 'mfa', 'bob'])).out, /passkey\tY3JlZC1j/, 'bob keeps his');
    const check = await openStore({ ...e.start });
    try {
      const [audit] = await check.listAuditEvents(1, 'mfa.reset');
      assert.deepEqual(JSON.parse(audit!.detail!), { factors: 2, passkeys: 2 });
    } finally {
      await check.close();
    }
  } finally {
    await e.dispose();
  }
});
