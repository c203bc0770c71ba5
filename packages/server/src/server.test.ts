import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The real-port test of the issuer itself; `serve --demo` end to end lives with the CLI's demo.
test('startServer: the mount hook adds routes (the debugger page at /) beside the issuer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mount-'));
  const { startServer } = await import('./server.js');
  const server = await startServer({
    port: 0,
    dataDir: dir,
    env: {},
    mount: (app) => {
      app.get('/', async (_req, reply) => reply.type('text/html').send('<h1>debugger</h1>'));
    },
  });
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(await page.text(), '<h1>debugger</h1>');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startServer keyCheckIntervalMs: a rotation stored by an admin is signed with within the interval, its key already published', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-keycheck-'));
  const server = await import('./index.js');
  const running = await server.startServer({
    port: 0,
    dataDir: dir,
    env: {},
    keyCheckIntervalMs: 200,
  });
  try {
    const store = running.store;
    const { clientSecret } = await server.createClient(
      { store, defaultAudience: 'api' },
      { name: 'k', clientId: 'k', scopes: ['read'] },
    );
    const kidOfToken = async () => {
      const res = await fetch(`${running.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`k:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      assert.equal(res.status, 200);
      const token = ((await res.json()) as { access_token: string }).access_token;
      return (
        JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }
      ).kid;
    };
    const published = async () =>
      ((await (await fetch(`${running.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map(
        (k) => k.kid,
      );
    const before = await kidOfToken();
    const jwksBefore = await published();
    const now = () => Math.floor(Date.now() / 1000);
    const { kek } = { kek: server.loadKek({ dataDir: dir, env: {} }, 'sqlite') };
    const r = await server.rotateSigningKeys(
      { store, audit: server.createAudit(store, undefined, Date.now), now },
      { kek, config: server.resolveConfig({ issuer: running.url }) },
      { immediate: true },
    );
    assert.equal(r.retiring, before);
    assert.ok(jwksBefore.includes(r.activated), 'the key that now signs was published before');
    const t0 = Date.now();
    let kid = before;
    while (kid === before && Date.now() - t0 < 5000) {
      await new Promise((res) => setTimeout(res, 50));
      kid = await kidOfToken();
    }
    assert.equal(kid, r.activated);
    assert.ok(Date.now() - t0 < 2000, `switched after ${Date.now() - t0} ms`);
    assert.ok((await published()).includes(r.next), 'the new next key is published');
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
