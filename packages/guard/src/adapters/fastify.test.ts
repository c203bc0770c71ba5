import { test } from 'node:test';
import Fastify from 'fastify';
import { fastifyAuth, fastifyGuard } from './fastify.js';
import type { AuthContext, Requirement } from '../guard.js';
import { adapterFixture, checkAdapter } from '../test-support/adapter-cases.js';

test('Fastify: the plugin decorators and the hook on a real server', async () => {
  const fx = await adapterFixture();
  const app = Fastify();
  await app.register(fastifyGuard, { guard: fx.guard });
  const requireAuth = (
    app as unknown as { requireAuth(r?: Requirement): ReturnType<typeof fastifyAuth> }
  ).requireAuth;
  app.get('/orders', { onRequest: requireAuth({ scopes: ['orders:read'] }) }, async (req) => {
    const auth = (req as unknown as { auth: AuthContext }).auth;
    return { subject: auth.subject, clientId: auth.clientId, scopes: auth.scopes };
  });
  app.get('/admin', { onRequest: fastifyAuth(fx.guard, { scopes: ['admin'] }) }, async () => ({}));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await checkAdapter(address, fx);
  } finally {
    await app.close();
    await fx.close();
  }
});
