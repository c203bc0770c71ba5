/**
 * `tessera trace run` against the real issuer (`@tessera/server`, `POST /token` password grant
 * with client Basic auth) and a resource server on @tessera/guard that verifies with JWKS alone:
 * the trace shows credentials once, then only the EdDSA access token. It lives in the CLI, the one
 * package that may import the issuer, the guard and the trace together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGuard, withGuard } from '@tessera/guard';
import {
  createClient,
  createPasswordHasher,
  createUser,
  openStore,
  startServer,
} from '@tessera/server';
import { parseTrace } from '@tessera/trace';
import { run as runTrace } from './trace.js';
import { memoryIo } from '../test-support/memory-io.js';

/** A resource server on @tessera/guard: JWKS alone. */
async function startResourceServer(issuerUrl: string) {
  const guard = createGuard({ issuer: issuerUrl, audience: 'demo-api', allowHttpLoopback: true });
  await guard.ready().catch(() => {});
  const server = createServer(
    withGuard(guard, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `hello ${req.auth.subject}` }));
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      guard.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const PASSWORD = 'alice-password-0123456789';

test(
  'issuer + resource server: credentials once at /token, then only the access token',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-trace-issuer-'));
    // The issuer's library functions (the `tessera user`/`client` commands live in the CLI).
    const store = await openStore({ dataDir: dir });
    let clientSecret: string;
    try {
      const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
      await createUser({ store, hasher }, { username: 'alice', password: PASSWORD, roles: [] });
      const created = await createClient(
        { store, defaultAudience: 'demo-api' },
        {
          name: 'app',
          clientId: 'app',
          firstParty: true,
          public: false,
          grantTypes: ['password'],
          audience: 'demo-api',
        },
      );
      clientSecret = created.clientSecret!;
    } finally {
      await store.close();
    }
    const server = await startServer({
      port: 0,
      dataDir: dir,
      argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    });
    const rs = await startResourceServer(server.url);
    try {
      writeFileSync(
        join(dir, 'flow.json'),
        JSON.stringify({
          login: {
            method: 'POST',
            url: `${server.url}/token`,
            basic: { username: 'app', password: clientSecret },
            form: { grant_type: 'password', username: 'alice', password: '$password' },
          },
          calls: [
            { method: 'GET', url: `${rs.url}/me` },
            { method: 'GET', url: `${rs.url}/orders` },
          ],
        }),
      );
      // The issuer's published keys, saved to a file: the trace checks signatures offline.
      writeFileSync(join(dir, 'jwks.json'), await (await fetch(`${server.url}/jwks`)).text());
      const tio = memoryIo({ cwd: dir, stdin: PASSWORD });
      const args = [
        'run',
        'flow.json',
        '--password-stdin',
        '-o',
        'trace.json',
        '--assert',
        'credentials-once,token-only-after-login,no-token-in-url,token-used-before-expiry',
      ];
      args.push('--jwks', 'jwks.json');
      args.push(
        '--name',
        `${new URL(server.url).host}=Issuer`,
        '--name',
        `${new URL(rs.url).host}=Resource server`,
      );
      assert.equal(await runTrace(args, tio), 0, tio.out() + tio.err());
      const text = readFileSync(join(dir, 'trace.json'), 'utf8');
      assert.ok(
        !text.includes(PASSWORD) && !text.includes(clientSecret),
        'no password or client secret stored',
      );
      const trace = parseTrace(text);
      assert.deepEqual(
        trace.participants.map((p) => p.label),
        ['CLI', 'Issuer', 'Resource server'],
      );
      const [login, me, orders] = trace.exchanges;
      assert.equal(login!.to, 'svc1');
      assert.equal(me!.to, 'svc2');
      assert.deepEqual(login!.credentials.map((c) => c.kind).sort(), [
        'basic',
        'grant',
        'password-field',
      ]);
      assert.deepEqual(
        login!.tokensIssued.map((t) => t.name),
        ['access_token', 'refresh_token'],
      );
      const access = trace.tokens.find((t) => t.issuedAs === 'access_token')!;
      assert.equal(access.kind, 'jwt');
      assert.equal(access.alg, 'EdDSA');
      assert.equal(access.typ, 'at+jwt');
      assert.equal(typeof access.kid, 'string');
      assert.equal(access.lifetimeSec, 600);
      assert.equal(access.verified, 'valid', 'the access token verifies with the published JWKS');
      assert.equal(trace.tokens.find((t) => t.issuedAs === 'refresh_token')!.kind, 'opaque');
      assert.deepEqual(access.presentedIn, [2, 3]);
      assert.deepEqual([me!.status, orders!.status], [200, 200]);
      assert.match(tio.out(), /✓ credentials-once/);
    } finally {
      await rs.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
