import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore, startServer } from '@tessera/server';
import { main } from '../main.js';
import { tempDir } from '../test-support/fixtures.js';
import { memoryIo } from '../test-support/memory-io.js';
import { PG_URL, cli, postgresEnv, sqliteEnv, type IssuerEnv } from '../test-support/issuer-env.js';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

/** `tessera keys retire <store flags> -- <kid>`: a kid is base64url and may start with "-". */
async function retireKey(e: IssuerEnv, kid: string) {
  const io = memoryIo({ env: e.env });
  const code = await main(['keys', 'retire', ...e.args, '--', kid], io);
  return { code, out: io.out(), err: io.err() };
}
async function adminFlow(e: IssuerEnv): Promise<void> {
  const client = await cli(e, [
    'client',
    'create',
    'app',
    '--first-party',
    '--grant',
    'password,refresh_token',
    '--json',
  ]);
  assert.equal(client.code, 0, client.err);
  const { clientId, clientSecret } = JSON.parse(client.out) as {
    clientId: string;
    clientSecret: string;
  };
  assert.equal((await cli(e, ['user', 'create', 'alice'])).code, 0);
  const server = await startServer({
    port: 0,
    env: e.env,
    ...(e.env['TESSERA_DATABASE_URL'] !== undefined
      ? { database: e.env['TESSERA_DATABASE_URL'] }
      : { dataDir: e.args[1]! }),
    argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
  });
  try {
    const loginOnce = async () => {
      const r = await fetch(`${server.url}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'alice',
          password: e.env['TESSERA_PASSWORD']!,
          client_id: clientId,
          client_secret: clientSecret,
        }),
      });
      assert.equal(r.status, 200);
      return (await r.json()) as { access_token: string; refresh_token: string };
    };
    const a = await loginOnce();
    const b = await loginOnce();

    // keys: list, rotate (refused before the next key has been published a cache period), --now, retire.
    const listed = await cli(e, ['keys', 'list', '--json']);
    assert.equal(listed.code, 0, listed.err);
    const keys = JSON.parse(listed.out) as {
      kid: string;
      state: string;
    }[];
    assert.deepEqual(keys.map((k) => k.state).sort(), ['active', 'next']);
    const early = await cli(e, ['keys', 'rotate']);
    assert.equal(early.code, 3, early.err);
    assert.match(early.err, /less than the JWKS cache period .*rotate with --now/);
    const rotated = await cli(e, ['keys', 'rotate', '--now']);
    assert.equal(rotated.code, 0, rotated.err);
    const after = JSON.parse((await cli(e, ['keys', 'list', '--json'])).out) as {
      kid: string;
      state: string;
    }[];
    const oldActive = keys.find((k) => k.state === 'active')!.kid;
    const oldNext = keys.find((k) => k.state === 'next')!.kid;
    assert.equal(after.find((k) => k.kid === oldNext)?.state, 'active');
    assert.equal(after.find((k) => k.kid === oldActive)?.state, 'retiring');
    assert.equal((await retireKey(e, oldNext)).code, 3, 'the active key is not retired directly');
    const retire = await retireKey(e, oldActive);
    assert.equal(retire.code, 0, retire.err);
    assert.equal(
      (
        JSON.parse((await cli(e, ['keys', 'list', '--json'])).out) as {
          kid: string;
          state: string;
        }[]
      ).find((k) => k.kid === oldActive)?.state,
      'retired',
    );

    // sessions: list, revoke one (its sid reaches the signed feed), revoke the rest of the user's.
    const sessions = JSON.parse(
      (await cli(e, ['sessions', 'list', '--user', 'alice', '--json'])).out,
    ) as { sid: string; username: string }[];
    assert.equal(sessions.length, 2);
    assert.equal(sessions[0]!.username, 'alice');
    const sidOf = (jwt: string) =>
      (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
    assert.equal((await cli(e, ['sessions', 'revoke', sidOf(a.access_token)])).code, 0);
    const feed = await (await fetch(`${server.url}/revocations`)).text();
    const claims = JSON.parse(Buffer.from(feed.split('.')[1]!, 'base64url').toString()) as {
      revoked: { sid?: string }[];
    };
    assert.ok(
      claims.revoked.some((r) => r.sid === sidOf(a.access_token)),
      'the revoked sid is on the feed',
    );
    const refreshA = await fetch(`${server.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: a.refresh_token,
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    assert.equal(refreshA.status, 400, 'the revoked session cannot refresh');
    const all = await cli(e, ['sessions', 'revoke', '--user', 'alice']);
    assert.match(all.out, /revoked 1 session\(s\) of alice/);
    assert.equal(JSON.parse((await cli(e, ['sessions', 'list', '--json'])).out).length, 0);
    assert.equal(
      (await cli(e, ['sessions', 'revoke', sidOf(b.access_token)])).code,
      3,
      'already ended',
    );
    assert.equal((await cli(e, ['sessions', 'revoke'])).code, 2);

    // audit tail: the admin actions are there, one JSON line each, filtered by type.
    const tail = await cli(e, [
      'audit',
      'tail',
      '--json',
      '--lines',
      '50',
      '--event',
      'session.ended',
    ]);
    assert.equal(tail.code, 0, tail.err);
    const events = tail.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; detail: { reason?: string } });
    assert.equal(events.length, 2);
    assert.ok(events.every((x) => x.type === 'session.ended' && x.detail.reason === 'admin'));
    const keyEvents = (await cli(e, ['audit', 'tail', '--json', '--lines', '50'])).out;
    assert.match(keyEvents, /"type":"key.activated".*"by":"admin"/);
    assert.match(keyEvents, /"type":"key.retired"/);
    assert.equal(keyEvents.includes(clientSecret) || keyEvents.includes(a.refresh_token), false);

    // migrate: up to date.
    const m = await cli(e, ['migrate', '--dry-run']);
    assert.match(m.out, /is up to date/);
  } finally {
    await server.close();
  }
}

test(
  'admin commands on SQLite: keys, sessions onto the feed, audit tail, migrate, backup',
  { timeout: 120_000 },
  async () => {
    const e = await sqliteEnv();
    await adminFlow(e);
    const dir = e.args[1]!;
    const target = join(dir, 'copy.db');
    const b = await cli(e, ['backup', target]);
    assert.equal(b.code, 0, b.err);
    const copy = await openSqliteStore(target);
    try {
      assert.equal((await copy.listUsers()).length, 1);
      assert.ok((await copy.listAuditEvents(10, 'store.backed_up')).length <= 1);
    } finally {
      await copy.close();
    }
    assert.equal((await cli(e, ['backup', target])).code, 3, 'never overwrites');
    // A fresh data folder: the dry run lists every migration and changes nothing; migrate runs them.
    const fresh = { ...e, args: ['--data-dir', tempDir()] };
    const dry = await cli(fresh, ['migrate', '--dry-run']);
    assert.match(dry.out, /pending migrations \(\d+\), not run:\n {2}0001-initial/);
    assert.match(
      (await cli(fresh, ['migrate', '--dry-run'])).out,
      /pending migrations/,
      'the dry run changed nothing',
    );
    assert.match((await cli(fresh, ['migrate'])).out, /ran \d+ migration\(s\)/);
    assert.match((await cli(fresh, ['migrate'])).out, /up to date/);
    assert.match(
      (await cli(fresh, ['audit', 'tail', '--event', 'store.migrated'])).out,
      /store\.migrated/,
    );
  },
);

test(
  'admin commands on PostgreSQL (own schema); backup refuses PostgreSQL',
  { timeout: 120_000, skip: PG_URL === undefined ? 'TESSERA_TEST_DATABASE_URL is not set' : false },
  async () => {
    const e = await postgresEnv();
    try {
      await adminFlow(e);
      const b = await cli(e, ['backup', join(tempDir(), 'x.db')]);
      assert.equal(b.code, 3);
      assert.match(b.err, /pg_dump/);
    } finally {
      await e.dispose();
    }
  },
);

test(
  'audit tail --follow prints new events as they are stored, until interrupted',
  { timeout: 60_000 },
  async () => {
    const e = await sqliteEnv();
    assert.equal((await cli(e, ['keys', 'rotate', '--now'])).code, 0, 'earlier events');
    const child = spawn(
      process.execPath,
      [bin, 'audit', 'tail', '--follow', '--json', '--lines', '0', ...e.args],
      {
        env: { ...process.env, ...e.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    try {
      const started = Date.now() + 30_000;
      while (!err.includes('following') && Date.now() < started)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(err, /following the audit log/);
      assert.equal((await cli(e, ['keys', 'rotate', '--now'])).code, 0);
      const deadline = Date.now() + 15_000;
      while (!out.includes('key.retiring') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1200));
      const types = out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type);
      // The second rotation only: one activation, the first key retiring, one new next key.
      assert.deepEqual(types.sort(), ['key.activated', 'key.created', 'key.retiring'], out);
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0);
    assert.ok(existsSync(join(e.args[1]!, 'tessera.db')));
  },
);
