import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expressGuard } from './express.js';
import type { AuthContext } from '../guard.js';
import { adapterFixture, checkAdapter } from '../test-support/adapter-cases.js';

test('Express: expressGuard middleware on a real server', async () => {
  const fx = await adapterFixture();
  const app = express();
  app.get('/orders', expressGuard(fx.guard, { scopes: ['orders:read'] }), (req, res) => {
    const auth = (req as unknown as { auth: AuthContext }).auth;
    res.json({ subject: auth.subject, clientId: auth.clientId, scopes: auth.scopes });
  });
  app.get('/admin', expressGuard(fx.guard, { scopes: ['admin'] }), (_req, res) => {
    res.json({});
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  try {
    await checkAdapter(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, fx);
  } finally {
    server.closeAllConnections();
    server.close();
    await fx.close();
  }
});
