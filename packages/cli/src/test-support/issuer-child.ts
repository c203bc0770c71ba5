// One issuer node in its own process (so a test can SIGKILL it): `tessera serve`'s library call
// on a shared PostgreSQL store. Env: TESSERA_DATABASE_URL, TESSERA_KEK, ISSUER_CHILD_URL (the
// public issuer URL every node shares). Prints "READY <url>" once listening.
import { startServer } from '@tessera/server';

const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  issuer: process.env['ISSUER_CHILD_URL']!,
  database: process.env['TESSERA_DATABASE_URL']!,
  argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  logger: false,
  env: process.env,
});
// The node's own address (server.url is the shared public issuer URL).
const { port } = server.app.server.address() as { port: number };
process.stdout.write(`READY http://127.0.0.1:${port}\n`);
