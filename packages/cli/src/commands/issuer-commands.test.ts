import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as runClientCommand } from './client.js';
import { runServeCommand } from './serve.js';
import { run as runUserCommand } from './user.js';
import { openSqliteStore } from '@tessera/server';
import { memoryIo } from '../test-support/memory-io.js';

const io = (env: Record<string, string | undefined> = {}, stdin?: string) =>
  memoryIo({ env, ...(stdin !== undefined ? { stdin } : {}) });

test('tessera user: create, list, disable, set-password; exit codes 0/2/3', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cmd-'));
  try {
    const d = ['--data-dir', dir];
    const a = io({ TESSERA_PASSWORD: 'alice-password-1' });
    assert.equal(await runUserCommand(['create', 'alice', '--role', 'admin', ...d], a), 0, a.err());
    assert.match(a.out(), /created user alice/);
    assert.doesNotMatch(a.out(), /alice-password-1/);
    const gen = io();
    assert.equal(await runUserCommand(['create', 'bob', ...d], gen), 0);
    assert.match(gen.out(), /password \(shown once\): \S{20}/);
    const list = io();
    assert.equal(await runUserCommand(['list', '--json', ...d], list), 0);
    const users = JSON.parse(list.out()) as {
      username: string;
      roles: string[];
      disabled: boolean;
    }[];
    assert.deepEqual(
      users.map((u) => [u.username, u.roles, u.disabled]),
      [
        ['alice', ['admin'], false],
        ['bob', [], false],
      ],
    );
    assert.equal(await runUserCommand(['disable', 'bob', ...d], io()), 0);
    const list2 = io();
    await runUserCommand(['list', ...d], list2);
    assert.match(list2.out(), /bob\t\S+\tdisabled/);
    assert.equal(
      await runUserCommand(
        ['set-password', 'alice', '--password-stdin', ...d],
        io({}, 'new-password-2\n'),
      ),
      0,
    );
    const dup = io({ TESSERA_PASSWORD: 'whatever-123' });
    assert.equal(await runUserCommand(['create', 'alice', ...d], dup), 3);
    assert.match(dup.err(), /taken/);
    assert.equal(
      await runUserCommand(['create', "bad name'", ...d], io({ TESSERA_PASSWORD: 'whatever-123' })),
      3,
    );
    assert.equal(
      await runUserCommand(['create', 'carol', ...d], io({ TESSERA_PASSWORD: 'short' })),
      3,
    );
    assert.equal(await runUserCommand(['frobnicate', ...d], io()), 2);
    assert.equal(await runUserCommand(['create', '--nope', ...d], io()), 2);
    assert.equal(await runUserCommand(['disable', 'nobody', ...d], io()), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tessera client: create (secret shown once), list, rotate-secret, disable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cmd-'));
  try {
    const d = ['--data-dir', dir];
    const c = io();
    assert.equal(
      await runClientCommand(
        ['create', 'Web app', '--id', 'web', '--first-party', '--scope', 'read write', ...d],
        c,
      ),
      0,
      c.err(),
    );
    assert.match(c.out(), /client_id: web\nclient_secret \(shown once\): [A-Za-z0-9_-]{43}\n/);
    const p = io();
    assert.equal(
      await runClientCommand(
        ['create', 'SPA', '--id', 'spa', '--public', '--first-party', ...d],
        p,
      ),
      0,
      p.err(),
    );
    assert.doesNotMatch(p.out(), /client_secret/);
    const l = io();
    await runClientCommand(['list', '--json', ...d], l);
    const clients = JSON.parse(l.out()) as {
      clientId: string;
      grantTypes: string[];
      scopes: string[];
      confidential: boolean;
    }[];
    assert.deepEqual(
      clients.map((x) => [x.clientId, x.confidential]),
      [
        ['spa', false],
        ['web', true],
      ],
    );
    assert.deepEqual(clients.find((x) => x.clientId === 'web')?.scopes, ['read', 'write']);
    const r = io();
    assert.equal(await runClientCommand(['rotate-secret', 'web', ...d], r), 0);
    assert.match(r.out(), /client_secret \(shown once\)/);
    assert.equal(await runClientCommand(['rotate-secret', 'spa', ...d], io()), 3);
    assert.equal(
      await runClientCommand(['create', 'x', '--grant', 'password', ...d], io()),
      3,
      'password grant needs --first-party',
    );
    assert.equal(await runClientCommand(['create', 'x', '--grant', 'implicit', ...d], io()), 3);
    assert.equal(await runClientCommand(['disable', 'web', ...d], io()), 0);
    assert.equal(await runClientCommand([...d], io()), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tessera serve: usage errors exit 2; PostgreSQL without a KEK exits 3', async () => {
  // A bad setting is a configuration error (3) naming the key, its source and what is allowed.
  const badPort = io();
  assert.equal(await runServeCommand(['--port', 'x'], badPort), 3);
  assert.match(badPort.err(), /port must be an integer from 0 to 65535 \(from flag --port\)/);
  const badAlg = io({ TESSERA_ALG: 'HS256' });
  assert.equal(await runServeCommand([], badAlg), 3);
  assert.match(badAlg.err(), /alg must be one of EdDSA, ES256, RS256 \(from env TESSERA_ALG\)/);
  const cfgDir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  writeFileSync(join(cfgDir, 'c.json'), JSON.stringify({ port: 0, sesionMaxAge: '1d' }));
  const unknown = io({ TESSERA_CONFIG: join(cfgDir, 'c.json') });
  assert.equal(await runServeCommand([], unknown), 3);
  assert.match(unknown.err(), /unknown key "sesionMaxAge"/);
  rmSync(cfgDir, { recursive: true, force: true });
  assert.equal(await runServeCommand(['--bogus'], io()), 2);
  const h = io();
  assert.equal(await runServeCommand(['--help'], h), 0);
  assert.match(h.out(), /usage: tessera serve/);
  assert.equal(
    await runServeCommand(['--issuer', 'https://a.example/path', '--port', '0'], io()),
    3,
  );
  const url = process.env['TESSERA_TEST_DATABASE_URL'];
  if (url !== undefined) {
    const e = io();
    assert.equal(await runServeCommand(['--port', '0', '--database', url], e), 3);
    assert.match(e.err(), /key-encryption key is required/);
  }
});

test('tessera client create --introspect-audience registers a resource server (#12 item 4)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rs-'));
  try {
    const c = io();
    const code = await runClientCommand(
      [
        'create',
        'orders API',
        '--id',
        'rs-orders',
        '--grant',
        'client_credentials',
        '--introspect-audience',
        'orders',
        '--introspect-audience',
        'billing',
        '--json',
        '--data-dir',
        dir,
      ],
      c,
    );
    assert.equal(code, 0, c.err());
    assert.deepEqual(JSON.parse(c.out()).introspectAudiences, ['orders', 'billing']);
    const store = await openSqliteStore(join(dir, 'tessera.db'));
    try {
      assert.equal(
        (await store.findClient('rs-orders'))?.introspect_audiences,
        '["orders","billing"]',
      );
    } finally {
      await store.close();
    }
    // A public client cannot be a resource server: it cannot authenticate to introspect.
    const pub = io();
    const refused = await runClientCommand(
      [
        'create',
        'spa',
        '--public',
        '--first-party',
        '--introspect-audience',
        'orders',
        '--data-dir',
        dir,
      ],
      pub,
    );
    assert.notEqual(refused, 0);
    assert.match(pub.err(), /public client cannot introspect/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
