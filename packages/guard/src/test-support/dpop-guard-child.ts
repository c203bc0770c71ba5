// A guard in its own process, for the cross-process DPoP replay test. Env: ISSUER_URL, REDIS_URL,
// KEY_PREFIX, DPOP_ORIGIN. Prints "READY <url>" once it listens.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard } from '../guard.js';
import { withGuard } from '../adapters/node-http.js';
import { AUDIENCE } from './issuer.js';

const guard = createGuard({
  issuer: process.env['ISSUER_URL']!,
  audience: AUDIENCE,
  allowHttpLoopback: true,
  // A loaded machine (the whole suite runs at once) may be slow to answer the first fetches.
  keys: { timeoutMs: 10_000, cooldownMs: 100 },
  discoveryTimeoutMs: 10_000,
  dpop: {
    origin: process.env['DPOP_ORIGIN']!,
    replayStore: { url: process.env['REDIS_URL']!, keyPrefix: process.env['KEY_PREFIX']! },
  },
});
await guard.ready();
const server = createServer(withGuard(guard, (req, res) => res.end(req.auth.subject)));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  guard.close();
  server.close(() => process.exit(0));
});
