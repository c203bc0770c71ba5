// A child process running the issuer, for the crash (SIGKILL) and fault tests.
// Env: TESSERA_CHILD_DATA_DIR, TESSERA_KEK, optional TESSERA_CHILD_DATABASE, TESSERA_CHILD_SCHEMA.
import { startServer } from '../server.js';
import { TEST_ARGON2 } from './harness.js';

const server = await startServer({
  port: 0,
  dataDir: process.env['TESSERA_CHILD_DATA_DIR']!,
  ...(process.env['TESSERA_CHILD_DATABASE'] !== undefined
    ? { database: process.env['TESSERA_CHILD_DATABASE'] }
    : {}),
  ...(process.env['TESSERA_CHILD_SCHEMA'] !== undefined
    ? { postgresSchema: process.env['TESSERA_CHILD_SCHEMA'] }
    : {}),
  argon2: TEST_ARGON2,
  env: process.env,
});
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
