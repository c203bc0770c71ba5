/**
 * `trace proxy`: a real client talks to a real server through the recording proxy.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxy } from './proxy.js';
import { DEMO_PASSWORD, loginAndCalls, startDemoServer } from '../test-support/demo-server.js';
import type { DemoServer } from '../test-support/demo-server.js';

let server: DemoServer;
let dir: string;
before(async () => {
  server = await startDemoServer({ cookie: true });
  dir = mkdtempSync(join(tmpdir(), 'tessera-trace-proxy-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the proxy forwards faithfully and records a login, a Bearer call and a cookie call', async () => {
  const proxy = await startProxy({ target: server.url });
  const token = await loginAndCalls(proxy.url);
  assert.equal(proxy.count(), 3);
  const trace = await proxy.close();
  assert.equal(trace.source, 'proxy');
  assert.deepEqual(
    trace.participants.map((p) => [p.id, p.label]),
    [
      ['client', 'Client'],
      ['svc1', server.host],
    ],
  );
  const [login, me, orders] = trace.exchanges;
  assert.equal(login!.url, `${server.url}/login`, 'URLs name the target service, not the proxy');
  assert.deepEqual(login!.credentials, [
    { kind: 'password-field', location: 'json', name: 'password' },
  ]);
  assert.deepEqual(
    login!.tokensIssued.map((t) => [t.location, t.name]),
    [
      ['json', 'access_token'],
      ['set-cookie', 'session'],
    ],
  );
  assert.deepEqual(login!.tokensIssued[1]!.cookie, {
    httpOnly: true,
    secure: false,
    sameSite: 'Lax',
    path: '/',
  });
  assert.equal(me!.tokensPresented[0]!.location, 'authorization');
  assert.deepEqual(
    orders!.tokensPresented.map((t) => [t.location, t.name]),
    [['cookie', 'session']],
  );
  assert.equal(trace.tokens.length, 1, 'the JSON token and the cookie are the same token');
  assert.deepEqual(trace.tokens[0]!.presentedIn, [2, 3]);
  assert.ok(
    trace.assertions.every((a) => a.status === 'pass'),
    JSON.stringify(trace.assertions),
  );
  const text = JSON.stringify(trace);
  assert.ok(!text.includes(DEMO_PASSWORD) && !text.includes(token));
});

test('the proxy answers 502 and records the failure when the target is down', async () => {
  const gone = await startDemoServer();
  await gone.close();
  const proxy = await startProxy({ target: gone.url });
  const res = await fetch(`${proxy.url}/me`);
  assert.equal(res.status, 502);
  const trace = await proxy.close();
  assert.equal(trace.exchanges[0]!.error, 'ECONNREFUSED');
  assert.ok(trace.findings.some((f) => f.code === 'transport-error'));
});
