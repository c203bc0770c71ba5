/**
 * HAR import: a HAR recorded by real headless Chromium (Debian `chromium`, driven by
 * playwright-core) while a page logs in with fetch and calls /me; plus strict-format checks.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { importHar } from './har.js';
import { writeTraceFile } from '../trace-file.js';
import { parseTrace } from '../validate.js';
import { TraceInputError } from '../errors.js';
import { DEMO_PASSWORD, startDemoServer } from '../test-support/demo-server.js';
import type { DemoServer } from '../test-support/demo-server.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';

const PAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>demo</title></head><body>demo</body></html>';

// Only these tests need the browser (they read the HAR it records); the format tests below run
// everywhere, and this whole group skips with a visible reason when Chromium is absent.
describe('a HAR recorded by headless Chromium', { skip: CHROMIUM_SKIP }, () => {
  let server: DemoServer;
  let browser: Browser;
  let dir: string;
  let harPath: string;

  before(async () => {
    server = await startDemoServer({ cookie: true, page: PAGE });
    dir = mkdtempSync(join(tmpdir(), 'tessera-trace-har-'));
    harPath = join(dir, 'session.har');
    browser = await launchChromium();
    const context = await browser.newContext({ recordHar: { path: harPath, content: 'embed' } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/`);
    const result = await page.evaluate(async (password: string) => {
      const login = await fetch('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password }),
      });
      const { access_token } = (await login.json()) as { access_token: string };
      const me = await fetch('/me', { headers: { authorization: `Bearer ${access_token}` } });
      return { login: login.status, me: (await me.json()) as unknown };
    }, DEMO_PASSWORD);
    assert.deepEqual(result, { login: 200, me: { sub: 'alice' } });
    await context.close(); // writes the HAR
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a Chromium HAR imports: page load, the credential login, the token call', () => {
    const har = readFileSync(harPath, 'utf8');
    assert.ok(
      har.includes(DEMO_PASSWORD),
      'the raw HAR does hold the password (that is why we redact)',
    );
    const trace = importHar(har, { names: [{ origin: server.host, label: 'Demo API' }] });
    assert.equal(trace.source, 'har');
    assert.deepEqual(
      trace.participants.map((p) => p.label),
      ['Browser', 'Demo API'],
    );
    const api = trace.exchanges.filter((e) => !e.url.endsWith('/favicon.ico'));
    assert.deepEqual(
      api.map((e) => [e.method, new URL(e.url).pathname, e.status]),
      [
        ['GET', '/', 200],
        ['POST', '/login', 200],
        ['GET', '/me', 200],
      ],
    );
    const [page, login, me] = api;
    assert.deepEqual(page!.credentials, []);
    assert.deepEqual(login!.credentials, [
      { kind: 'password-field', location: 'json', name: 'password' },
    ]);
    assert.deepEqual(login!.requestBody?.fields, ['username', 'password']);
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
    // The browser sends both the Bearer header the page set and the session cookie it stored.
    assert.deepEqual(me!.tokensPresented.map((t) => t.location).sort(), [
      'authorization',
      'cookie',
    ]);
    assert.equal(trace.tokens.length, 1);
    assert.equal(trace.tokens[0]!.issuedIn, login!.seq);
    assert.equal(trace.tokens[0]!.alg, 'HS256');
    assert.equal(trace.tokens[0]!.lifetimeSec, 900);
    assert.ok(me!.t >= login!.t);
    assert.ok(
      trace.assertions.every((a) => a.status === 'pass'),
      JSON.stringify(trace.assertions),
    );
    const text = JSON.stringify(trace);
    assert.ok(!text.includes(DEMO_PASSWORD), 'the password is not in the trace');
  });

  test('a Chromium HAR imports to a 0600 trace file; cookie-flags fails on the non-Secure session cookie', () => {
    const trace = importHar(readFileSync(harPath, 'utf8'), {
      assertions: ['credentials-once', 'cookie-flags'],
    });
    const byName = new Map(trace.assertions.map((a) => [a.name, a]));
    assert.equal(byName.get('credentials-once')?.status, 'pass');
    assert.equal(byName.get('cookie-flags')?.status, 'fail');
    assert.match(byName.get('cookie-flags')!.message, /#\d+/);
    const out = join(dir, 'from-har.json');
    writeTraceFile(out, trace);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(parseTrace(readFileSync(out, 'utf8')).source, 'har');
  });
});

test('HAR input is validated strictly, with typed errors', () => {
  const bad = (text: string, path: string) =>
    assert.throws(
      () => importHar(text),
      (e: unknown) =>
        e instanceof TraceInputError && e.code === 'ERR_HAR_INVALID' && e.path === path,
    );
  bad('not json', '');
  bad('{}', 'log');
  bad('{"log":{"version":"2.0","entries":[]}}', 'log.version');
  bad('{"log":{"version":"1.2"}}', 'log.entries');
  bad(
    '{"log":{"version":"1.2","entries":[{"startedDateTime":"x"}]}}',
    'log.entries[0].startedDateTime',
  );
  const entry = (over: object) =>
    JSON.stringify({
      log: {
        version: '1.2',
        entries: [
          {
            startedDateTime: '2026-01-01T00:00:00Z',
            time: 1,
            request: { method: 'GET', url: 'http://a.test/', headers: [] },
            response: { status: 200, headers: [] },
            ...over,
          },
        ],
      },
    });
  bad(
    entry({ request: { method: 'GET', url: 'http://a.test/', headers: {} } }),
    'log.entries[0].request.headers',
  );
  bad(entry({ response: { status: '200', headers: [] } }), 'log.entries[0].response.status');
  assert.equal(importHar(entry({})).exchanges.length, 1);
});

test('HAR entries are ordered by startedDateTime; base64 bodies and postData.params are read', () => {
  const token =
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJlc2lnbmF0dXJl';
  const har = {
    log: {
      version: '1.2',
      entries: [
        {
          startedDateTime: '2026-01-01T00:00:02Z',
          time: 5,
          request: {
            method: 'GET',
            url: 'https://api.test/me',
            headers: [{ name: 'Authorization', value: `Bearer ${token}` }],
          },
          response: { status: 200, headers: [] },
        },
        {
          startedDateTime: '2026-01-01T00:00:01Z',
          time: 7,
          request: {
            method: 'POST',
            url: 'https://api.test/token',
            headers: [],
            postData: {
              mimeType: 'application/x-www-form-urlencoded',
              params: [
                { name: 'grant_type', value: 'password' },
                { name: 'username', value: 'a' },
                { name: 'password', value: 'pw-in-har' },
              ],
            },
          },
          response: {
            status: 200,
            headers: [{ name: 'Content-Type', value: 'application/json' }],
            content: {
              encoding: 'base64',
              text: Buffer.from(JSON.stringify({ access_token: token })).toString('base64'),
            },
          },
        },
      ],
    },
  };
  const trace = importHar(JSON.stringify(har));
  assert.deepEqual(
    trace.exchanges.map((e) => [e.seq, e.t, e.method]),
    [
      [1, 0, 'POST'],
      [2, 1000, 'GET'],
    ],
  );
  assert.deepEqual(
    trace.exchanges[0]!.credentials.map((c) => c.kind),
    ['grant', 'password-field'],
  );
  assert.equal(trace.tokens[0]!.issuedIn, 1);
  assert.deepEqual(trace.tokens[0]!.presentedIn, [2]);
  assert.ok(!JSON.stringify(trace).includes('pw-in-har'));
  assert.equal(trace.startedAt, '2026-01-01T00:00:01.000Z');
});
