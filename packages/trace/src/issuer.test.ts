/**
 * The real issuer (`@tessera/server`, `POST /token` password grant with client Basic auth) and
 * a resource server on @tessera/guard that verifies with JWKS alone: the trace shows credentials once, then
 * only the EdDSA access token. The issuer is loaded at run time (it is not a dependency of this
 * package); when it is not built, the test says so and skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraceCommand } from './command.js';
import { parseTrace } from './validate.js';
import { memoryIo } from './test-support/memory-io.js';

interface IssuerModule {
  openStore(o: object): Promise<{ close(): Promise<void> }>;
  createPasswordHasher(o: object): unknown;
  createUser(d: object, input: object): Promise<unknown>;
  createClient(d: object, input: object): Promise<{ clientSecret: string | undefined }>;
  startServer(o: object): Promise<{ url: string; close(): Promise<void> }>;
}

interface GuardModule {
  createGuard(o: object): { ready(): Promise<void>; close(): void };
  withGuard(
    g: unknown,
    h: (req: { auth: { subject: string } }, res: import('node:http').ServerResponse) => void,
  ): import('node:http').RequestListener;
}

/** A resource server on @tessera/guard (loaded at run time, like the issuer): JWKS alone. */
async function startResourceServer(issuerUrl: string) {
  // Not a dependency of this package (the arrows forbid it): loaded by name at run time.
  const name = '@tessera/guard';
  const { createGuard, withGuard } = (await import(name)) as GuardModule;
  const guard = createGuard({ issuer: issuerUrl, audience: 'demo-api', allowHttpLoopback: true });
  await guard.ready().catch(() => {});
  const http = await import('node:http');
  const server = http.createServer(
    withGuard(guard, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `hello ${req.auth.subject}` }));
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      guard.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function loadIssuer(): Promise<IssuerModule | string> {
  const name = '@tessera/server';
  try {
    const m = (await import(name)) as Partial<IssuerModule>;
    const fns = ['openStore', 'createPasswordHasher', 'createUser', 'createClient', 'startServer'] as const;
    return fns.every((f) => typeof m[f] === 'function')
      ? (m as IssuerModule)
      : `${name} lacks ${fns.join('/')}`;
  } catch {
    return `${name} is not built (run the root build)`;
  }
}

const issuer = await loadIssuer();
const PASSWORD = 'alice-password-0123456789';

test(
  'issuer + resource server: credentials once at /token, then only the access token',
  { skip: typeof issuer === 'string' ? issuer : false, timeout: 60_000 },
  async () => {
    const m = issuer as IssuerModule;
    const dir = mkdtempSync(join(tmpdir(), 'tessera-trace-issuer-'));
    // The issuer's library functions (the `tessera user`/`client` commands live in the CLI).
    const store = await m.openStore({ dataDir: dir });
    let clientSecret: string;
    try {
      const hasher = m.createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
      await m.createUser({ store, hasher }, { username: 'alice', password: PASSWORD, roles: [] });
      const created = await m.createClient(
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
    const server = await m.startServer({
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
      const tio = memoryIo(dir, { stdin: PASSWORD });
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
      assert.equal(await runTraceCommand(args, tio), 0, tio.out() + tio.err());
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
