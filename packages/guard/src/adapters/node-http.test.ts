import { test } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withGuard } from './node-http.js';
import { adapterFixture, checkAdapter } from '../test-support/adapter-cases.js';

test('node:http: withGuard on a real server', async () => {
  const fx = await adapterFixture();
  const send = (res: import('node:http').ServerResponse, v: unknown) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(v));
  };
  const orders = withGuard(
    fx.guard,
    (req, res) =>
      send(res, {
        subject: req.auth.subject,
        clientId: req.auth.clientId,
        scopes: req.auth.scopes,
      }),
    { scopes: ['orders:read'] },
  );
  const admin = withGuard(fx.guard, (_req, res) => send(res, {}), { scopes: ['admin'] });
  const server = createServer((req, res) =>
    ((req.url ?? '').startsWith('/admin') ? admin : orders)(req, res),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await checkAdapter(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, fx);
  } finally {
    server.closeAllConnections();
    server.close();
    await fx.close();
  }
});
