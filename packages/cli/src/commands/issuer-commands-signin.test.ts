import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJwk, generateKeyPair } from '@tessera/jose';
import { run as runClientCommand } from './client.js';
import { run as runUserCommand } from './user.js';
import { memoryIo } from '../test-support/memory-io.js';

const io = (env: Record<string, string | undefined> = {}) => memoryIo({ env });

test('tessera client create: code-flow registration fields; tessera user create --email --name; user consents', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cmd-signin-'));
  try {
    const d = ['--data-dir', dir];
    const web = io();
    assert.equal(
      await runClientCommand(
        [
          'create',
          'Web',
          '--id',
          'web',
          '--grant',
          'authorization_code',
          '--grant',
          'refresh_token',
          '--redirect-uri',
          'https://app.example/cb',
          '--redirect-uri',
          'http://127.0.0.1/cb',
          '--post-logout-redirect-uri',
          'https://app.example/bye',
          '--scope',
          'read',
          '--first-party',
          '--require-par',
          '--backchannel-logout-uri',
          'https://app.example/bc',
          '--json',
          ...d,
        ],
        web,
      ),
      0,
      web.err(),
    );
    const c = JSON.parse(web.out()) as Record<string, unknown>;
    assert.deepEqual(c['redirectUris'], ['https://app.example/cb', 'http://127.0.0.1/cb']);
    assert.deepEqual(c['postLogoutRedirectUris'], ['https://app.example/bye']);
    assert.equal(c['requirePar'], true);
    assert.equal(c['backchannelLogoutUri'], 'https://app.example/bc');
    assert.equal(typeof c['clientSecret'], 'string');
    const jwksFile = join(dir, 'jwks.json');
    const { publicKey } = generateKeyPair('ES256');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...exportJwk(publicKey), alg: 'ES256' }] }));
    const keyed = io();
    assert.equal(
      await runClientCommand(
        [
          'create',
          'Keyed',
          '--id',
          'keyed',
          '--redirect-uri',
          'https://k.example/cb',
          '--token-endpoint-auth-method',
          'private_key_jwt',
          '--jwks',
          jwksFile,
          '--json',
          ...d,
        ],
        keyed,
      ),
      0,
      keyed.err(),
    );
    const k = JSON.parse(keyed.out()) as Record<string, unknown>;
    assert.equal(k['tokenEndpointAuthMethod'], 'private_key_jwt');
    assert.equal(k['clientSecret'], undefined, 'no secret for private_key_jwt');
    const spa = io();
    assert.equal(
      await runClientCommand(
        ['create', 'SPA', '--public', '--redirect-uri', 'https://spa.example/', ...d],
        spa,
      ),
      0,
    );
    assert.doesNotMatch(spa.out(), /client_secret/);
    // Refused registrations: exit 3 with the reason.
    for (const bad of [
      ['--redirect-uri', 'http://app.example/cb'],
      ['--redirect-uri', 'https://app.example/cb#x'],
      ['--redirect-uri', 'javascript:alert(1)'],
      ['--grant', 'authorization_code'],
      ['--token-endpoint-auth-method', 'private_key_jwt', '--redirect-uri', 'https://a.example/'],
    ]) {
      const e = io();
      assert.equal(await runClientCommand(['create', 'Bad', ...bad, ...d], e), 3, bad.join(' '));
      assert.ok(e.err().length > 0);
    }
    const u = io({ TESSERA_PASSWORD: 'alice-password-1' });
    assert.equal(
      await runUserCommand(
        [
          'create',
          'alice',
          '--email',
          'alice@example.com',
          '--email-verified',
          '--name',
          'Alice L',
          ...d,
        ],
        u,
      ),
      0,
      u.err(),
    );
    const list = io();
    await runUserCommand(['list', '--json', ...d], list);
    const [alice] = JSON.parse(list.out()) as Record<string, unknown>[];
    assert.equal(alice!['email'], 'alice@example.com');
    assert.equal(alice!['emailVerified'], true);
    assert.equal(alice!['name'], 'Alice L');
    const badEmail = io({ TESSERA_PASSWORD: 'bob-password-1' });
    assert.equal(
      await runUserCommand(['create', 'bob', '--email', 'not-an-email', ...d], badEmail),
      3,
    );
    const consents = io();
    assert.equal(await runUserCommand(['consents', 'alice', '--json', ...d], consents), 0);
    assert.deepEqual(JSON.parse(consents.out()), []);
    const revoke = io();
    assert.equal(await runUserCommand(['consents', 'alice', '--revoke', 'web', ...d], revoke), 0);
    assert.match(revoke.out(), /had no consent for web/);
    assert.equal(await runUserCommand(['consents', 'nobody', ...d], io()), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tessera client create --mfa and client set-mfa: a client's own second-factor policy, shown in client list --json", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cmd-mfa-'));
  try {
    const d = ['--data-dir', dir];
    const made = io();
    assert.equal(
      await runClientCommand(['create', 'Admin', '--id', 'admin', '--mfa', 'required', ...d], made),
      0,
      made.err(),
    );
    const policy = async () => {
      const out = io();
      assert.equal(await runClientCommand(['list', '--json', ...d], out), 0, out.err());
      return (JSON.parse(out.out()) as { clientId: string; mfa?: string }[]).find(
        (c) => c.clientId === 'admin',
      )?.mfa;
    };
    assert.equal(await policy(), 'required');
    const set = io();
    assert.equal(await runClientCommand(['set-mfa', 'admin', 'optional', ...d], set), 0, set.err());
    assert.match(set.out(), /client admin: mfa optional/);
    assert.equal(await policy(), 'optional');
    const dflt = io();
    assert.equal(await runClientCommand(['set-mfa', 'admin', 'default', ...d], dflt), 0);
    assert.match(dflt.out(), /uses the issuer's mfa policy/);
    assert.equal(await policy(), undefined);
    for (const args of [
      ['set-mfa', 'admin', 'sometimes'],
      ['set-mfa', 'admin'],
    ]) {
      const bad = io();
      assert.equal(await runClientCommand([...args, ...d], bad), 2, args.join(' '));
      assert.match(bad.err(), /client set-mfa needs a policy: off\|optional\|required\|default/);
    }
    const badCreate = io();
    assert.notEqual(await runClientCommand(['create', 'X', '--mfa', 'always', ...d], badCreate), 0);
    assert.match(badCreate.err(), /mfa is one of off, optional, required/);
    assert.equal(await policy(), undefined, 'nothing changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
