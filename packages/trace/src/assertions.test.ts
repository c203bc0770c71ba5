import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrace } from './build-trace.js';
import { checkAssertions } from './assertions.js';
import type { AssertionName, Trace } from './model.js';
import type { RawExchange } from './raw-exchange.js';
import { START, TOKEN, call, jwtAt, login } from './test-support/raw-flows.js';

const build = (raws: RawExchange[]): Trace => buildTrace(raws, { source: 'run', startedAt: START });
const one = (trace: Trace, name: AssertionName) => checkAssertions(trace, [name])[0]!;

test('a login and two token calls pass every core assertion', () => {
  const trace = build([login(), call('/me', 10), call('/orders', 20)]);
  assert.deepEqual(
    trace.assertions.map((a) => [a.name, a.status]),
    [
      ['credentials-once', 'pass'],
      ['token-only-after-login', 'pass'],
      ['no-token-in-url', 'pass'],
      ['token-used-before-expiry', 'pass'],
    ],
  );
  assert.equal(trace.tokens.length, 1);
  assert.equal(trace.tokens[0]!.issuedIn, 1);
  assert.deepEqual(trace.tokens[0]!.presentedIn, [2, 3]);
  assert.equal(trace.tokens[0]!.lifetimeSec, 900);
  assert.equal(trace.tokens[0]!.alg, 'HS256');
  assert.equal(trace.tokens[0]!.kid, 'k1');
});

test('credentials-once fails when a later request re-sends the password (Basic), naming it', () => {
  const trace = build([
    login(),
    call('/me', 10, [['authorization', 'Basic YWxpY2U6aHVudGVyMg==']]),
    call('/orders', 20),
  ]);
  const r = one(trace, 'credentials-once');
  assert.equal(r.status, 'fail');
  assert.deepEqual(r.exchanges, [2]);
  assert.match(r.message, /#2/);
  assert.equal(one(trace, 'token-only-after-login').status, 'fail');
  assert.deepEqual(one(trace, 'token-only-after-login').exchanges, [2]);
});

test('credentials-once fails with no credentials at all, and for an API key on every request', () => {
  assert.equal(one(build([call('/me', 0)]), 'credentials-once').status, 'fail');
  const key: [string, string][] = [['authorization', 'Bearer sk_live_0123456789abcdef']];
  const trace = build([call('/me', 0, key), call('/orders', 5, key)]);
  const r = one(trace, 'credentials-once');
  assert.equal(r.status, 'fail');
  assert.deepEqual(r.exchanges, [2]);
  assert.ok(trace.findings.some((f) => f.code === 'opaque-bearer-key'));
});

test('an opaque access token issued in the trace counts as a token, not a credential', () => {
  const opaque = 'opaque-access-token-0123456789abcdef';
  const trace = build([
    login({}, opaque),
    call('/me', 10, [['authorization', `Bearer ${opaque}`]]),
  ]);
  assert.equal(one(trace, 'credentials-once').status, 'pass');
  assert.equal(one(trace, 'token-only-after-login').status, 'pass');
  assert.equal(trace.tokens[0]!.kind, 'opaque');
});

test('token-only-after-login fails for a call without a token and for a token never issued', () => {
  const stranger = jwtAt(START, '15m', { other: true });
  const trace = build([
    login(),
    call('/me', 10, []),
    call('/orders', 20, [['authorization', `Bearer ${stranger}`]]),
  ]);
  const r = one(trace, 'token-only-after-login');
  assert.equal(r.status, 'fail');
  assert.deepEqual(r.exchanges, [2, 3]);
  assert.equal(one(build([call('/me', 0)]), 'token-only-after-login').status, 'fail');
});

test('token-only-after-login ignores static assets after the login', () => {
  const trace = build([
    login(),
    call('/app.css', 5, [], { responseHeaders: [['content-type', 'text/css']] }),
    call('/me', 10),
  ]);
  assert.equal(one(trace, 'token-only-after-login').status, 'pass');
});

test('no-token-in-url fails for a JWT in the query string', () => {
  const trace = build([login(), call(`/me?access_token=${TOKEN}`, 10, [])]);
  const r = one(trace, 'no-token-in-url');
  assert.equal(r.status, 'fail');
  assert.deepEqual(r.exchanges, [2]);
  assert.ok(!JSON.stringify(trace).includes(TOKEN), 'the token is redacted in the stored URL');
});

test('token-used-before-expiry fails when a token is presented after exp', () => {
  const trace = build([login(), call('/me', 10), call('/orders', 16 * 60 * 1000)]);
  const r = one(trace, 'token-used-before-expiry');
  assert.equal(r.status, 'fail');
  assert.deepEqual(r.exchanges, [3]);
});

test('cookie-flags fails for a token cookie without HttpOnly, Secure or SameSite', () => {
  const cookieLogin = (flags: string) =>
    login({
      responseHeaders: [
        ['content-type', 'application/json'],
        ['set-cookie', `session=${TOKEN}; Path=/${flags}`],
      ],
    });
  assert.equal(
    one(build([cookieLogin('; HttpOnly; Secure; SameSite=Lax')]), 'cookie-flags').status,
    'pass',
  );
  for (const flags of [
    '; Secure; SameSite=Lax',
    '; HttpOnly; SameSite=Lax',
    '; HttpOnly; Secure',
    '; HttpOnly; Secure; SameSite=None',
  ]) {
    const r = one(build([cookieLogin(flags)]), 'cookie-flags');
    assert.equal(r.status, 'fail', flags);
    assert.deepEqual(r.exchanges, [1]);
  }
});

test('https-only fails for credentials or tokens over plain HTTP', () => {
  const r = one(build([login(), call('/me', 10)]), 'https-only');
  assert.equal(r.status, 'fail');
  assert.deepEqual(r.exchanges, [1, 2]);
  const https = build([
    login({ url: 'https://auth.example/login' }),
    { ...call('/me', 10), url: 'https://auth.example/me' },
  ]);
  assert.equal(one(https, 'https-only').status, 'pass');
});

test('the password never reaches the trace', () => {
  const trace = build([login(), call('/me', 10)]);
  const text = JSON.stringify(trace);
  assert.ok(!text.includes('hunter2-secret'));
  assert.ok(!text.includes(TOKEN));
  assert.deepEqual(trace.exchanges[0]!.requestBody?.fields, ['username', 'password']);
});
