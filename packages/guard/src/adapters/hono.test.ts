import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { honoGuard } from './hono.js';
import type { AuthContext } from '../guard.js';
import { adapterFixture, checkAdapter } from '../test-support/adapter-cases.js';

test('Hono: honoGuard middleware on a real server (@hono/node-server)', async () => {
  const fx = await adapterFixture();
  const app = new Hono<{ Variables: { auth: AuthContext } }>();
  app.get('/orders', honoGuard(fx.guard, { scopes: ['orders:read'] }), (c) => {
    const auth = c.get('auth');
    return c.json({ subject: auth.subject, clientId: auth.clientId, scopes: auth.scopes });
  });
  app.get('/admin', honoGuard(fx.guard, { scopes: ['admin'] }), (c) => c.json({}));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  try {
    await checkAdapter(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, fx);
  } finally {
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close();
    await fx.close();
  }
});
