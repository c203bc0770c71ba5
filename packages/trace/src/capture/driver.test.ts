/**
 * The driver: redirects are recorded hop by hop, cookies are kept, `tokenFrom: cookie:…` works,
 * and `"$password"` needs a password.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runScenario } from './driver.js';
import { TraceInputError } from '../errors.js';
import { signJwt } from '@tessera/jose';
import { SECRET, START } from '../test-support/raw-flows.js';

const TOKEN = signJwt({}, SECRET, {
  alg: 'HS256',
  subject: 'alice',
  expiresIn: '5m',
  currentDate: START,
});
let server: Server;
let base: string;
const seen: { path: string; cookie?: string; authorization?: string; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const entry: (typeof seen)[number] = { path: req.url ?? '', body };
      if (req.headers.cookie !== undefined) entry.cookie = req.headers.cookie;
      if (req.headers.authorization !== undefined) entry.authorization = req.headers.authorization;
      seen.push(entry);
      if (req.url === '/session' && req.method === 'POST') {
        // A classic form login: 303 to the home page with the session cookie.
        res.writeHead(303, {
          location: '/home',
          'set-cookie': `sid=${TOKEN}; Path=/; HttpOnly; Secure; SameSite=Strict`,
        });
        res.end();
      } else if (req.url === '/home' || req.url === '/api/me') {
        const ok = (req.headers.cookie ?? '').includes(`sid=${TOKEN}`);
        res.writeHead(ok ? 200 : 401, { 'content-type': 'text/html' });
        res.end(ok ? '<p>hello</p>' : 'no');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(
  () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
);

test('a cookie login: the 303 hop is its own exchange, the cookie is replayed, no Bearer is added', async () => {
  seen.length = 0;
  const trace = await runScenario(
    {
      login: {
        method: 'POST',
        url: `${base}/session`,
        form: { username: 'alice' },
        tokenFrom: 'cookie:sid',
      },
      calls: [{ method: 'GET', url: '/api/me' }],
    },
    {
      password: 'pw-cookie-flow',
      now: START,
      assertions: ['credentials-once', 'token-only-after-login', 'cookie-flags'],
    },
  );
  assert.deepEqual(
    trace.exchanges.map((e) => [e.seq, e.method, new URL(e.url).pathname, e.status, e.role ?? '']),
    [
      [1, 'POST', '/session', 303, 'login'],
      [2, 'GET', '/home', 200, ''],
      [3, 'GET', '/api/me', 200, ''],
    ],
  );
  assert.equal(
    seen[0]!.body,
    'username=alice&password=pw-cookie-flow',
    'the password filled the login form',
  );
  assert.equal(seen[1]!.body, '', 'a 303 turns the POST into a GET without a body');
  assert.equal(seen[2]!.authorization, undefined, 'a cookie flow sends no Bearer header');
  assert.equal(seen[2]!.cookie, `sid=${TOKEN}`);
  assert.equal(trace.exchanges[0]!.responseHeaders.location, '/home');
  assert.deepEqual(trace.exchanges[0]!.tokensIssued[0]!.cookie, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: '/',
  });
  assert.deepEqual(trace.tokens[0]!.presentedIn, [2, 3]);
  assert.deepEqual(
    trace.assertions.map((a) => a.status),
    ['pass', 'pass', 'pass'],
  );
  assert.ok(!JSON.stringify(trace).includes('pw-cookie-flow'));
});

test('"$password" without a password is a scenario error', async () => {
  await assert.rejects(
    runScenario({
      login: { method: 'POST', url: `${base}/session`, form: { password: '$password' } },
    }),
    (e: unknown) => e instanceof TraceInputError && e.code === 'ERR_SCENARIO_INVALID',
  );
});
