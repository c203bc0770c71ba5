import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { createGuard, GuardError, type Guard } from '@tessera/guard';
import { startServer } from '@tessera/server';
import {
  PG_SKIP,
  cli,
  postgresEnv,
  sqliteEnv,
  type IssuerEnv,
} from '../test-support/issuer-env.js';

/**
 * The attack: a client (or user) is disabled because it is compromised, but the access tokens it
 * already holds keep working at every resource server until they expire. Now `tessera client
 * disable` / `tessera user disable` end the sessions (refresh refused) and put their session ids
 * — and a client's client_credentials `sid` — on the signed feed, which a real guard applies.
 * @see docs/security.md#disable-revokes
 */
/** The server's client cache may answer from a row up to 500 ms old (another process changed it). */
const clientCacheExpiry = () => new Promise((r) => setTimeout(r, 600));

async function disableFlow(e: IssuerEnv): Promise<void> {
  const created = async (argv: string[]) => {
    const r = await cli(e, [...argv, '--json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as { clientId: string; clientSecret: string };
  };
  const app = await created([
    'client',
    'create',
    'app',
    '--first-party',
    '--grant',
    'password,refresh_token',
  ]);
  const svc = await created(['client', 'create', 'svc', '--grant', 'client_credentials']);
  for (const u of ['alice', 'bob']) assert.equal((await cli(e, ['user', 'create', u])).code, 0);
  const server = await startServer({
    port: 0,
    ...e.start,
    argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  let guard: Guard | undefined;
  try {
    const token = async (params: Record<string, string>, c = app) => {
      const r = await fetch(`${server.url}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          ...params,
          client_id: c.clientId,
          client_secret: c.clientSecret,
        }),
      });
      return { status: r.status, json: (await r.json()) as Record<string, string> };
    };
    const login = async (username: string) => {
      const r = await token({
        grant_type: 'password',
        username,
        password: e.env['TESSERA_PASSWORD']!,
      });
      assert.equal(r.status, 200);
      return r.json as { access_token: string; refresh_token: string };
    };
    const alice = await login('alice');
    const bob = await login('bob');
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: bob.refresh_token,
    });
    assert.equal(refreshed.status, 200);
    const bob2 = refreshed.json as { access_token: string; refresh_token: string };
    const cc = await token({ grant_type: 'client_credentials' }, svc);
    assert.equal(cc.status, 200);
    const ccToken = cc.json['access_token']!;

    guard = createGuard({
      issuer: server.url,
      audience: 'api',
      allowHttpLoopback: true,
      revocation: { push: false },
    });
    await guard.ready();
    const g = guard;
    for (const t of [alice.access_token, bob.access_token, bob2.access_token, ccToken])
      assert.ok((await g.verify(t)).subject, 'accepted before the disable');
    const refused = async (t: string): Promise<boolean> => {
      try {
        await g.verify(t);
        return false;
      } catch (err) {
        assert.ok(err instanceof GuardError);
        assert.equal(err.status, 401);
        return true;
      }
    };
    /** The feed is re-read from the database within a second; poll until the guard has it. */
    const untilRefused = async (t: string) => {
      const deadline = Date.now() + 10_000;
      while (!(await refused(t))) {
        if (Date.now() > deadline) assert.fail('the guard still accepts the token');
        await new Promise((r) => setTimeout(r, 200));
        await g.pollRevocations();
      }
    };
    const feedSids = async () => {
      const body = await (await fetch(`${server.url}/revocations`)).text();
      const claims = decodeJwt(body) as { revoked: { sid?: string; jti?: string }[] };
      return new Set(claims.revoked.map((r) => r.sid));
    };

    // A user: their session ends, its sid goes on the feed; another user's tokens stay good.
    assert.equal((await cli(e, ['user', 'disable', 'alice'])).code, 0);
    await untilRefused(alice.access_token);
    assert.ok((await feedSids()).has(String(decodeJwt(alice.access_token)['sid'])));
    assert.equal(
      (await token({ grant_type: 'refresh_token', refresh_token: alice.refresh_token })).status,
      400,
    );
    assert.ok(!(await refused(bob2.access_token)), "bob's token is not caught by alice's disable");
    assert.ok(!(await refused(ccToken)));

    // A first-party client: every session it started ends; the tokens of both rotations go.
    assert.equal((await cli(e, ['client', 'disable', app.clientId])).code, 0);
    await untilRefused(bob2.access_token);
    assert.ok(await refused(bob.access_token));
    assert.ok((await feedSids()).has(String(decodeJwt(bob.access_token)['sid'])));
    const after = await fetch(`${server.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: bob2.refresh_token,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      }),
    });
    // invalid_grant (the family is revoked), or invalid_client once the client cache has the flag.
    assert.ok(
      [400, 401].includes(after.status),
      `a disabled client cannot refresh (${after.status})`,
    );
    assert.equal((await cli(e, ['client', 'enable', app.clientId])).code, 0);
    await clientCacheExpiry();
    assert.equal(
      (await token({ grant_type: 'refresh_token', refresh_token: bob2.refresh_token })).status,
      400,
      're-enabling the client does not bring its refresh tokens back',
    );

    // A client_credentials client: its tokens share one sid, which goes on the feed.
    const ccSid = String(decodeJwt(ccToken)['sid']);
    assert.equal((await cli(e, ['client', 'disable', svc.clientId])).code, 0);
    await untilRefused(ccToken);
    assert.ok((await feedSids()).has(ccSid));
    assert.equal((await token({ grant_type: 'client_credentials' }, svc)).status, 401);
    // Re-enabled, it gets tokens under a fresh sid that the old revocation does not catch.
    assert.equal((await cli(e, ['client', 'enable', svc.clientId])).code, 0);
    await clientCacheExpiry();
    const again = await token({ grant_type: 'client_credentials' }, svc);
    assert.equal(again.status, 200);
    assert.notEqual(decodeJwt(again.json['access_token']!)['sid'], ccSid);
    assert.ok(!(await refused(again.json['access_token']!)));
  } finally {
    guard?.close();
    await server.close();
    await e.dispose();
  }
}

test(
  'disabling a user or a client revokes its live tokens at a real guard (SQLite)',
  { timeout: 60_000 },
  async () => {
    await disableFlow(await sqliteEnv());
  },
);

test(
  'disabling a user or a client revokes its live tokens at a real guard (PostgreSQL)',
  { timeout: 60_000, skip: PG_SKIP },
  async () => {
    await disableFlow(await postgresEnv());
  },
);
