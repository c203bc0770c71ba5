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
