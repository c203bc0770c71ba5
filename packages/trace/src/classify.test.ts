import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyExchange, parseSetCookie } from './classify.js';
import type { RawExchange } from './raw-exchange.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

const raw = (over: Partial<RawExchange>): RawExchange => ({
  t: 0,
  method: 'GET',
  url: 'http://127.0.0.1:3000/me',
  requestHeaders: [],
  status: 200,
  durationMs: 1,
  responseHeaders: [],
  ...over,
});

test('credentials: Basic authorization', () => {
  const c = classifyExchange(raw({ requestHeaders: [['Authorization', 'Basic YWxpY2U6cHc=']] }));
  assert.deepEqual(c.credentials, [{ kind: 'basic', location: 'authorization' }]);
});

test('credentials: password-like form fields and grant types', () => {
  const c = classifyExchange(
    raw({
      method: 'POST',
      url: 'http://127.0.0.1:3000/token',
      requestHeaders: [['content-type', 'application/x-www-form-urlencoded']],
      requestBody: 'grant_type=password&username=alice&password=pw&client_secret=s3',
    }),
  );
  assert.deepEqual(c.credentials, [
    { kind: 'grant', location: 'form', name: 'password' },
    { kind: 'password-field', location: 'form', name: 'password' },
    { kind: 'password-field', location: 'form', name: 'client_secret' },
  ]);
  assert.deepEqual(c.requestBody, {
    type: 'form',
    fields: ['grant_type', 'username', 'password', 'client_secret'],
    bytes: 63,
  });
  const cc = classifyExchange(
    raw({
      method: 'POST',
      requestHeaders: [['content-type', 'application/x-www-form-urlencoded']],
      requestBody: 'grant_type=client_credentials',
    }),
  );
  assert.deepEqual(cc.credentials, [
    { kind: 'grant', location: 'form', name: 'client_credentials' },
  ]);
  const refresh = classifyExchange(
    raw({
      method: 'POST',
      requestHeaders: [['content-type', 'application/x-www-form-urlencoded']],
      requestBody: 'grant_type=refresh_token&refresh_token=abc',
    }),
  );
  assert.deepEqual(refresh.credentials, [], 'a refresh grant carries no credentials');
});

test('credentials: nested JSON fields (pwd, otp, pin) and query-string passwords', () => {
  const c = classifyExchange(
    raw({
      method: 'POST',
      requestHeaders: [['content-type', 'application/json']],
      requestBody: JSON.stringify({ user: { name: 'a', pwd: 'x' }, otp: '123456', pin: '' }),
    }),
  );
  assert.deepEqual(c.credentials, [
    { kind: 'password-field', location: 'json', name: 'user.pwd' },
    { kind: 'password-field', location: 'json', name: 'otp' },
  ]);
  const q = classifyExchange(raw({ url: 'http://127.0.0.1:3000/login?user=a&passwd=x' }));
  assert.deepEqual(q.credentials, [{ kind: 'password-field', location: 'query', name: 'passwd' }]);
});

test('tokens presented: Bearer JWT, JWT cookie, JWT in the query; opaque bearer set apart', () => {
  const c = classifyExchange(
    raw({
      url: `http://127.0.0.1:3000/me?access_token=${JWT}`,
      requestHeaders: [
        ['authorization', `Bearer ${JWT}`],
        ['cookie', `a=1; session=${JWT}`],
      ],
    }),
  );
  assert.deepEqual(
    c.tokensPresented.map((t) => [t.location, t.name]),
    [
      ['authorization', undefined],
      ['cookie', 'session'],
      ['query', 'access_token'],
    ],
  );
  const o = classifyExchange(
    raw({ requestHeaders: [['authorization', 'Bearer sk_live_0123456789abcdef']] }),
  );
  assert.equal(o.opaqueBearer, 'sk_live_0123456789abcdef');
  assert.deepEqual(o.tokensPresented, []);
});

test('tokens presented in a form: id_token_hint, token, access_token, logout_token — not a client_assertion', () => {
  const c = classifyExchange(
    raw({
      method: 'POST',
      url: 'http://127.0.0.1:3000/end-session',
      requestHeaders: [['content-type', 'application/x-www-form-urlencoded']],
      requestBody: `id_token_hint=${JWT}&token=${JWT}&access_token=${JWT}&logout_token=${JWT}&client_assertion=${JWT}&state=${JWT}`,
    }),
  );
  assert.deepEqual(
    c.tokensPresented.map((t) => [t.location, t.name]),
    [
      ['form', 'id_token_hint'],
      ['form', 'token'],
      ['form', 'access_token'],
      ['form', 'logout_token'],
    ],
  );
  // An opaque (non-JWT) value in such a field is not followed as a token.
  const opaque = classifyExchange(
    raw({
      method: 'POST',
      requestHeaders: [['content-type', 'application/x-www-form-urlencoded']],
      requestBody: 'token=abc123',
    }),
  );
  assert.deepEqual(opaque.tokensPresented, []);
});

test('tokens issued: JSON members and Set-Cookie with its flags', () => {
  const c = classifyExchange(
    raw({
      method: 'POST',
      responseHeaders: [
        ['content-type', 'application/json'],
        ['set-cookie', `session=${JWT}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=900`],
        ['set-cookie', 'theme=dark'],
      ],
      responseBody: JSON.stringify({
        access_token: JWT,
        refresh_token: 'opaque-refresh-token-0123456789',
        token_type: 'Bearer',
        id: 'x',
      }),
    }),
  );
  assert.deepEqual(
    c.tokensIssued.map((t) => [t.location, t.name]),
    [
      ['json', 'access_token'],
      ['json', 'refresh_token'],
      ['set-cookie', 'session'],
    ],
  );
  assert.deepEqual(c.tokensIssued[2]!.cookie, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: 900,
  });
});

test('parseSetCookie reads a cookie without flags as neither HttpOnly nor Secure', () => {
  assert.deepEqual(parseSetCookie('a=b'), {
    name: 'a',
    value: 'b',
    flags: { httpOnly: false, secure: false },
  });
});

test('a field "name" that does not look like one is masked (a JSON document sent as a form)', () => {
  const c = classifyExchange(
    raw({
      method: 'POST',
      requestHeaders: [['content-type', 'application/x-www-form-urlencoded']],
      requestBody: '{"pwd":"s3cret-value"}',
    }),
  );
  assert.deepEqual(c.requestBody?.fields, ['•••']);
});
