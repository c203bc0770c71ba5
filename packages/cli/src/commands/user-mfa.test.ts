import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { confirmTotp, enrolTotp, loadKek, openStore, startServer } from '@tessera/server';
import { referenceTotp, stepOf } from '../../../server/dist/test-support/totp-codes.js';
import { main } from '../main.js';
import { memoryIo } from '../test-support/memory-io.js';
import {
  PG_SKIP,
  cli,
  postgresEnv,
  sqliteEnv,
  type IssuerEnv,
} from '../test-support/issuer-env.js';

/**
 * `tessera user mfa <username> --list | --reset` (issue 16): a lost phone is reset from the command
 * line; the reset is audited and ends the user's sessions, whose ids go on the revocation feed.
 */
async function mfaFlow(e: IssuerEnv): Promise<void> {
  const app = JSON.parse(
    (
      await cli(e, [
        'client',
        'create',
        'app',
        '--first-party',
        '--grant',
        'password,refresh_token',
        '--json',
      ])
    ).out,
  ) as { clientId: string; clientSecret: string };
  assert.equal((await cli(e, ['user', 'create', 'alice'])).code, 0);
  const none = await cli(e, ['user', 'mfa', 'alice']);
  assert.equal(none.code, 0, none.err);
  assert.equal(none.out, 'totp\tnone\tconfirmed=-\tlast-used=-\trecovery-codes-left=0\n');

  const server = await startServer({
    port: 0,
    ...e.start,
    argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  try {
    const token = async (params: Record<string, string>) => {
      const r = await fetch(`${server.url}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          ...params,
          client_id: app.clientId,
          client_secret: app.clientSecret,
        }),
      });
      return { status: r.status, json: (await r.json()) as Record<string, string> };
    };
    // A session from before the second factor (the password grant refuses once it is enrolled).
    const before = await token({
      grant_type: 'password',
      username: 'alice',
      password: e.env['TESSERA_PASSWORD']!,
    });
    assert.equal(before.status, 200);
    const sid = String(decodeJwt(before.json['access_token']!)['sid']);

    const store = await openStore({ ...e.start });
    try {
      const deps = { store, kek: loadKek({ env: e.env }, 'sqlite') };
      const { secret } = await enrolTotp(deps, 'alice');
      await confirmTotp(deps, 'alice', referenceTotp(secret, stepOf(Date.now())));
    } finally {
      await store.close();
    }
    const listed = await cli(e, ['user', 'mfa', 'alice', '--list', '--json']);
    assert.equal(listed.code, 0, listed.err);
    const status = JSON.parse(listed.out) as Record<string, unknown>;
    assert.equal(status['totp'], 'confirmed');
    assert.equal(status['recoveryCodesLeft'], 10);
    assert.match((await cli(e, ['user', 'mfa', 'alice'])).out, /^totp\tconfirmed\tconfirmed=20/);

    const reset = await cli(e, ['user', 'mfa', 'alice', '--reset']);
    assert.equal(reset.code, 0, reset.err);
    assert.match(reset.out, /second factors of alice reset: 1 removed, sessions ended/);
    assert.equal(
      (await cli(e, ['user', 'mfa', 'alice'])).out,
      'totp\tnone\tconfirmed=-\tlast-used=-\trecovery-codes-left=0\n',
    );
    // The session is over: refresh refused, its sid on the signed feed.
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: before.json['refresh_token']!,
    });
    assert.equal(refreshed.json['error'], 'invalid_grant');
    const feed = decodeJwt(await (await fetch(`${server.url}/revocations`)).text()) as {
      revoked: { sid?: string }[];
    };
    assert.ok(
      feed.revoked.some((r) => r.sid === sid),
      'the ended session is on the feed',
    );
    const check = await openStore({ ...e.start });
    try {
      assert.equal((await check.listAuditEvents(5, 'mfa.reset')).length, 1, 'the reset is audited');
    } finally {
      await check.close();
    }
  } finally {
    await server.close();
  }
}

test('sqlite: tessera user mfa lists and resets a second factor; the reset is audited and ends the sessions (sid on the feed)', async () => {
  const e = await sqliteEnv();
  try {
    await mfaFlow(e);
  } finally {
    await e.dispose();
  }
});

test(
  'postgres: tessera user mfa lists and resets a second factor; the reset is audited and ends the sessions (sid on the feed)',
  { skip: PG_SKIP },
  async () => {
    const e = await postgresEnv();
    try {
      await mfaFlow(e);
    } finally {
      await e.dispose();
    }
  },
);

test('refusal: tessera user mfa with both --list and --reset is a usage error (exit 2); an unknown user is exit 3', async () => {
  const e = await sqliteEnv();
  try {
    const both = await cli(e, ['user', 'mfa', 'alice', '--list', '--reset']);
    assert.equal(both.code, 2);
    assert.match(both.err, /give --list or --reset, not both/);
    const nobody = await cli(e, ['user', 'mfa', 'nobody', '--reset']);
    assert.equal(nobody.code, 3);
    assert.match(nobody.err, /no such user/);
    const noName = await cli(e, ['user', 'mfa']);
    assert.equal(noName.code, 2);
  } finally {
    await e.dispose();
  }
});

test('completion offers user mfa and its --list and --reset flags', async () => {
  const io = memoryIo();
  assert.equal(await main(['completion', 'bash'], io), 0);
  const out = io.out();
  assert.match(out, /consents mfa/);
  assert.match(out, /--reset/);
  assert.match(out, /--list/);
});
