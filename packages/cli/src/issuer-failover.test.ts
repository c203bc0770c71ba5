/**
 * Scale-out faults (issue: issuer speed and scale-out): two issuer processes on one PostgreSQL
 * behind a loopback proxy that sends every request to the first live node, and guards that
 * subscribe to the revocation push through that proxy. Node A is SIGKILLed mid-run: the guards go
 * on verifying without an error, their push subscription reconnects (to node B) within its
 * back-off, a revocation made before the kill stays refused, and one made on node B after it
 * reaches every guard — with polling set to a minute, so only the push can deliver it in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createGuard, type Guard } from '@tessera/guard';
import { createClient, createPasswordHasher, createUser, openPostgresStore } from '@tessera/server';
import { PG_SKIP, postgresEnv } from './test-support/issuer-env.js';

const CHILD = fileURLToPath(new URL('./test-support/issuer-child.js', import.meta.url));
const GUARDS = 12;

function startNode(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('issuer node did not start')), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\S+)/.exec(buf);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.once('exit', (code) => reject(new Error(`issuer node exited ${code}`)));
  });
}

/** A loopback proxy: each request goes to the first upstream that accepts the connection. */
function failoverProxy(
  upstreams: () => string[],
): Promise<{ server: Server; url: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const tryAt = (i: number): void => {
        const up = upstreams()[i];
        if (up === undefined) {
          res.writeHead(502).end();
          return;
        }
        const u = new URL(up);
        const out = request(
          {
            host: u.hostname,
            port: u.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (r) => {
            hits.set(up, (hits.get(up) ?? 0) + 1);
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
            // A node killed mid-stream: end the client's response too, so it reconnects.
            r.on('error', () => res.destroy());
            r.on('aborted', () => res.destroy());
          },
        );
        out.on('error', () => {
          if (!res.headersSent) tryAt(i + 1);
          else res.destroy();
        });
        res.on('close', () => out.destroy());
        out.end(Buffer.concat(body));
      };
      tryAt(0);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }),
    ),
  );
}

async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await probe()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 25));
  }
  return Infinity;
}

const refusesAll = (guards: Guard[], token: string) => async () => {
  const outcomes = await Promise.allSettled(
    guards.map((g) => g.authenticate({ authorization: `Bearer ${token}` })),
  );
  return outcomes.every((o) => o.status === 'rejected');
};

test(
  'fault: an issuer node SIGKILLed under guards — verification goes on, push reconnects to the other node, nothing revoked is forgotten',
  { skip: PG_SKIP, timeout: 120_000 },
  async () => {
    const e = await postgresEnv();
    const nodes: { child: ChildProcess; url: string }[] = [];
    let live: string[] = [];
    const proxy = await failoverProxy(() => live);
    const guards: Guard[] = [];
    try {
      const env = { ...e.env, ISSUER_CHILD_URL: proxy.url };
      nodes.push(await startNode(env), await startNode(env));
      live = nodes.map((n) => n.url);
      const store = await openPostgresStore(e.start.database!);
      let secret: string;
      try {
        await createUser(
          {
            store,
            hasher: createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }),
          },
          { username: 'alice', password: 'alice-password-123' },
        );
        secret = (
          await createClient(
            { store, defaultAudience: 'api' },
            {
              name: 'w',
              clientId: 'w',
              firstParty: true,
              grantTypes: ['password', 'refresh_token'],
            },
          )
        ).clientSecret!;
      } finally {
        await store.close();
      }
      const basic = `Basic ${Buffer.from(`w:${secret}`).toString('base64')}`;
      const form = (path: string, p: Record<string, string>) =>
        fetch(`${proxy.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
          body: new URLSearchParams(p).toString(),
        });
      const login = async () => {
        const r = await form('/token', {
          grant_type: 'password',
          username: 'alice',
          password: 'alice-password-123',
        });
        assert.equal(r.status, 200);
        return ((await r.json()) as { access_token: string }).access_token;
      };
      const [revokedBefore, revokedAfter, valid] = [await login(), await login(), await login()];

      for (let i = 0; i < GUARDS; i++)
        guards.push(
          createGuard({
            issuer: proxy.url,
            audience: 'api',
            allowHttpLoopback: true,
            // A minute between polls: within this test only the push can deliver a revocation.
            revocation: { intervalMs: 60_000, push: true },
          }),
        );
      await Promise.all(guards.map((g) => g.ready()));
      for (const g of guards)
        assert.equal(
          (await g.authenticate({ authorization: `Bearer ${valid}` })).subject !== '',
          true,
        );

      // A revocation through node A reaches every guard by push.
      assert.equal((await form('/revoke', { token: revokedBefore })).status, 200);
      const first = await within(3000, refusesAll(guards, revokedBefore));
      assert.ok(first <= 1500, `revocation before the kill refused everywhere after ${first} ms`);

      // Verification runs on while node A dies.
      let verified = 0;
      let failures = 0;
      let running = true;
      const load = (async () => {
        while (running) {
          for (const g of guards) {
            try {
              await g.authenticate({ authorization: `Bearer ${valid}` });
              verified++;
            } catch {
              failures++;
            }
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const hitsOnBBefore = proxy.hits.get(nodes[1]!.url) ?? 0;
      nodes[0]!.child.kill('SIGKILL');
      await new Promise((r) => nodes[0]!.child.once('exit', r));
      live = [nodes[1]!.url];
      // The guards' stream broke with node A; they resubscribe through the proxy to node B.
      const reconnect = await within(
        35_000,
        async () => (proxy.hits.get(nodes[1]!.url) ?? 0) > hitsOnBBefore,
      );
      assert.ok(reconnect < 35_000, 'a guard resubscribed to node B within its back-off');

      // A revocation on node B after the kill reaches every guard; the earlier one still holds.
      assert.equal((await form('/revoke', { token: revokedAfter })).status, 200);
      const second = await within(35_000, refusesAll(guards, revokedAfter));
      assert.ok(second < 35_000, `revocation after the kill refused everywhere after ${second} ms`);
      assert.equal(await refusesAll(guards, revokedBefore)(), true, 'nothing revoked is forgotten');
      running = false;
      await load;
      assert.equal(failures, 0, 'no verification failed while node A died');
      assert.ok(verified > GUARDS, `${verified} verifications during the fault`);
      console.log(
        `# failover: revoke→refusal ${Math.round(first)} ms before the kill, ${Math.round(second)} ms after (incl. reconnect); ${verified} verifications, ${failures} failures`,
      );
    } finally {
      for (const g of guards) await g.close();
      for (const n of nodes) n.child.kill('SIGKILL');
      proxy.server.closeAllConnections();
      proxy.server.close();
      await e.dispose();
    }
  },
);
