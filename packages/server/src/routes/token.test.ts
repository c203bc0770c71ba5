import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKeySet, decodeJwt, decodeProtectedHeader, verifyJwt } from '@tessera/jose';
import { FORM, ISSUER, login, makeIssuer, post, type TestIssuer } from '../test-support/harness.js';
import { createClient, setClientDisabled } from '../clients.js';
import { setUserDisabled } from '../users.js';

let t: TestIssuer;
before(async () => {
  t = await makeIssuer('sqlite', {
    loginProtection: { accountThreshold: 1000, pairThreshold: 1000, ipThreshold: 1000 },
  });
});
after(() => t.close());

const jwks = async () => createLocalKeySet((await t.app.inject('/jwks')).json());

test('password grant: an RFC 9068 access token, a refresh token, no-store', async () => {
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: 'alice', password: t.password },
    { authorization: t.basic() },
  );
  assert.equal(r.status, 200);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.equal(r.headers['pragma'], 'no-cache');
  assert.equal(r.json['token_type'], 'Bearer');
  assert.equal(r.json['expires_in'], 600);
  assert.equal(r.json['scope'], 'read write');
  assert.match(String(r.json['refresh_token']), /^[A-Za-z0-9_-]{43}$/);
  const at = String(r.json['access_token']);
  const header = decodeProtectedHeader(at);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'EdDSA');
  assert.equal(typeof header.kid, 'string');
  const { payload } = verifyJwt(at, await jwks(), {
    algorithms: ['EdDSA'],
    issuer: ISSUER,
    audience: 'api',
    typ: 'at+jwt',
    currentDate: new Date(t.clock.ms),
  });
  assert.equal(payload.sub, t.userId);
  assert.equal(payload['client_id'], t.clientId);
  assert.equal(payload['scope'], 'read write');
  assert.deepEqual(payload['roles'], ['reader']);
  assert.equal(typeof payload['sid'], 'string');
  assert.equal(payload['auth_time'], payload.iat, 'auth_time is the login time');
  assert.equal(typeof payload.jti, 'string');
  assert.equal(payload.exp! - payload.iat!, 600);
});

test('client_secret_basic decodes RFC 6749 Appendix B form-encoding', async () => {
  // "%77eb-app" is the form-encoded "web-app"; a server that skips the decoding fails here.
  const basic = `Basic ${Buffer.from(`%77eb-app:${encodeURIComponent(t.clientSecret)}`).toString('base64')}`;
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basic },
  );
  assert.equal(r.status, 200, r.body);
});

test('client_secret_post authenticates; using two methods at once is invalid_request', async () => {
  const ok = await post(t.app, '/token', {
    grant_type: 'client_credentials',
    client_id: t.clientId,
    client_secret: t.clientSecret,
  });
  assert.equal(ok.status, 200);
  const both = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials', client_secret: t.clientSecret },
    { authorization: t.basic() },
  );
  assert.equal(both.status, 400);
  assert.equal(both.json['error'], 'invalid_request');
});

test('wrong client secrets are 401 invalid_client, with WWW-Authenticate only for Basic', async () => {
  const basic = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: t.basic(t.clientId, 'wrong') },
  );
  assert.equal(basic.status, 401);
  assert.deepEqual(basic.json, {
    error: 'invalid_client',
    error_description: 'client authentication failed',
  });
  assert.match(String(basic.headers['www-authenticate']), /^Basic realm="tessera"/);
  assert.equal(basic.headers['cache-control'], 'no-store');
  const postAuth = await post(t.app, '/token', {
    grant_type: 'client_credentials',
    client_id: t.clientId,
    client_secret: `${t.clientSecret}x`,
  });
  assert.equal(postAuth.status, 401);
  assert.equal(postAuth.headers['www-authenticate'], undefined);
  const unknown = await post(t.app, '/token', {
    grant_type: 'client_credentials',
    client_id: 'nobody',
    client_secret: 'x',
  });
  assert.deepEqual([unknown.status, unknown.json], [401, postAuth.json]);
  const none = await post(t.app, '/token', { grant_type: 'client_credentials' });
  assert.equal(none.status, 401);
  const malformed = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: 'Basic !!!' },
  );
  assert.equal(malformed.status, 401);
  const stored = await t.store.listAuditEvents(100, 'client.authentication_failed');
  assert.ok(
    stored.filter((e) => e.client_id === t.clientId).reduce((n, e) => n + e.count, 0) >= 2,
    'failures against a real client are stored',
  );
  assert.ok(
    stored.every((e) => e.client_id !== null),
    'junk for unknown clients is logged, not stored',
  );
});

test('refusal: a Bearer access token on /token is invalid_client, not ignored beside body credentials (#12 item 12)', async () => {
  const cc = await post(t.app, '/token', {
    grant_type: 'client_credentials',
    client_id: t.ccClientId,
    client_secret: t.ccClientSecret,
  });
  assert.equal(cc.status, 200);
  const bearer = String(cc.json['access_token']);
  // Body credentials that would succeed alone, plus a Bearer header: refused, no token issued.
  for (const authorization of [`Bearer ${bearer}`, `bearer ${bearer}`, 'DPoP abc', 'Digest x']) {
    const r = await post(
      t.app,
      '/token',
      {
        grant_type: 'client_credentials',
        client_id: t.ccClientId,
        client_secret: t.ccClientSecret,
      },
      { authorization },
    );
    assert.equal(r.status, 401, authorization.split(' ')[0]);
    assert.equal(r.json['error'], 'invalid_client');
    assert.equal(r.json['access_token'], undefined);
    assert.doesNotMatch(JSON.stringify(r.json), new RegExp(bearer.slice(-20)));
  }
  // A Bearer token alone: refused the same way.
  const alone = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials' },
    {
      authorization: `Bearer ${bearer}`,
    },
  );
  assert.equal(alone.status, 401);
  assert.equal(alone.json['error'], 'invalid_client');
});

test('client_credentials: sub is the client, the client audience, no refresh token', async () => {
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
  );
  assert.equal(r.status, 200);
  assert.equal(r.json['refresh_token'], undefined);
  const claims = decodeJwt(String(r.json['access_token']));
  // sid: the client's client_credentials sid, revoked when it is disabled (disable-revokes.test.ts).
  const sid = (await t.store.findClient('svc'))?.credentials_sid;
  assert.ok(sid);
  assert.deepEqual(
    [claims.sub, claims.aud, claims['client_id'], claims['sid']],
    ['svc', 'reports', 'svc', sid],
  );
  const pw = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: 'alice', password: t.password },
    { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
  );
  assert.deepEqual(
    [pw.status, pw.json['error']],
    [400, 'unauthorized_client'],
    'password grant is for first-party clients only',
  );
});

test('a public client uses the password grant with client_id alone, but never client_credentials', async () => {
  const r = await post(t.app, '/token', {
    grant_type: 'password',
    client_id: t.publicClientId,
    username: 'alice',
    password: t.password,
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json['scope'], 'read');
  const cc = await post(t.app, '/token', {
    grant_type: 'client_credentials',
    client_id: t.publicClientId,
  });
  assert.equal(cc.status, 401);
});

test('scopes: a subset is granted, anything else is invalid_scope', async () => {
  const r = await login(t, { scope: 'read' });
  assert.equal(r.scope, 'read');
  const bad = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: 'alice', password: t.password, scope: 'admin' },
    { authorization: t.basic() },
  );
  assert.deepEqual([bad.status, bad.json['error']], [400, 'invalid_scope']);
});

test('unknown user and wrong password: same status, same body, similar time', async () => {
  const attempt = async (username: string, password: string) => {
    const start = process.hrtime.bigint();
    const r = await post(
      t.app,
      '/token',
      { grant_type: 'password', username, password },
      { authorization: t.basic() },
    );
    return { r, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  };
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 6; i++) {
    const a = await attempt('alice', 'not the password');
    const b = await attempt('nobody-here', 'not the password');
    assert.equal(a.r.status, 400);
    assert.equal(a.r.body, b.r.body);
    assert.equal(b.r.status, 400);
    wrong.push(a.ms);
    unknown.push(b.ms);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const ratio = median(unknown) / median(wrong);
  assert.ok(ratio > 0.33 && ratio < 3, `timing ratio ${ratio.toFixed(2)}`);
});

test('SQL-looking, very long and oversized usernames are refused like any wrong login', async () => {
  const expected = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: 'alice', password: 'wrong-password' },
    { authorization: t.basic() },
  );
  for (const username of [
    "alice' OR '1'='1",
    "alice'; DROP TABLE users; --",
    'a'.repeat(3000),
    'ü\u0000x',
  ]) {
    const r = await post(
      t.app,
      '/token',
      { grant_type: 'password', username, password: t.password },
      { authorization: t.basic() },
    );
    assert.deepEqual([r.status, r.body], [400, expected.body], username.slice(0, 20));
  }
  const tooLong = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: 'a'.repeat(5000), password: 'x' },
    { authorization: t.basic() },
  );
  assert.deepEqual([tooLong.status, tooLong.json['error']], [400, 'invalid_request']);
  assert.equal((await t.store.listUsers()).length, 1, 'the users table is intact');
});

test('bad input: wrong content type, no body, oversized body, repeated parameters, unknown grant', async () => {
  const json = await t.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/json', authorization: t.basic() },
    payload: '{"grant_type":"client_credentials"}',
  });
  assert.deepEqual([json.statusCode, json.json().error], [400, 'invalid_request']);
  assert.equal(json.headers['cache-control'], 'no-store');
  const text = await t.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'text/plain' },
    payload: 'grant_type=client_credentials',
  });
  assert.deepEqual([text.statusCode, text.json().error], [400, 'invalid_request']);
  const empty = await t.app.inject({
    method: 'POST',
    url: '/token',
    headers: { authorization: t.basic() },
  });
  assert.deepEqual([empty.statusCode, empty.json().error], [400, 'invalid_request']);
  const big = await t.app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    payload: `grant_type=password&username=${'x'.repeat(20_000)}`,
  });
  assert.deepEqual([big.statusCode, big.json().error], [413, 'invalid_request']);
  const twice = await t.app.inject({
    method: 'POST',
    url: '/token',
    headers: { ...FORM, authorization: t.basic() },
    payload: 'grant_type=client_credentials&grant_type=password',
  });
  assert.deepEqual([twice.statusCode, twice.json().error], [400, 'invalid_request']);
  const unknown = await post(
    t.app,
    '/token',
    { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x' },
    { authorization: t.basic() },
  );
  assert.deepEqual([unknown.status, unknown.json['error']], [400, 'unsupported_grant_type']);
  const proto = await post(
    t.app,
    '/token',
    { grant_type: '__proto__' },
    { authorization: t.basic() },
  );
  assert.deepEqual([proto.status, proto.json['error']], [400, 'unsupported_grant_type']);
  const missing = await post(t.app, '/token', {}, { authorization: t.basic() });
  assert.deepEqual([missing.status, missing.json['error']], [400, 'invalid_request']);
  const noPassword = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: 'alice' },
    { authorization: t.basic() },
  );
  assert.deepEqual([noPassword.status, noPassword.json['error']], [400, 'invalid_request']);
  const get = await t.app.inject({ method: 'GET', url: '/token' });
  assert.equal(get.statusCode, 404);
});

test('disabled users and disabled clients are refused', async () => {
  const deps = { store: t.store, defaultAudience: 'api' };
  const extra = await createClient(deps, { name: 'tmp', clientId: 'tmp-client', firstParty: true });
  await setClientDisabled(deps, 'tmp-client', true);
  const c = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: t.basic('tmp-client', extra.clientSecret) },
  );
  assert.equal(c.status, 401);
  const { refresh_token } = await login(t);
  await setUserDisabled({ store: t.store, hasher: t.app.tessera.hasher }, 'alice', true);
  try {
    const r = await post(
      t.app,
      '/token',
      { grant_type: 'password', username: 'alice', password: t.password },
      { authorization: t.basic() },
    );
    assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant']);
    const rt = await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token },
      { authorization: t.basic() },
    );
    assert.deepEqual([rt.status, rt.json['error']], [400, 'invalid_grant']);
  } finally {
    await setUserDisabled({ store: t.store, hasher: t.app.tessera.hasher }, 'alice', false);
  }
});

test('logins are audited (table) without secrets', async () => {
  await login(t);
  const events = await t.store.listAuditEvents(500);
  const types = new Set(events.map((e) => e.type));
  for (const ty of ['login.succeeded', 'login.failed', 'token.issued'])
    assert.ok(types.has(ty), ty);
  const all = JSON.stringify(events);
  assert.ok(!all.includes(t.password));
  assert.ok(!all.includes(t.clientSecret));
});

test('malformed form bodies (bad percent-encoding, control bytes, empty names) get a §5.2 error, never a 5xx', async () => {
  for (const payload of [
    'grant_type=%E0%A4%A',
    '%%%%',
    '=&=&&',
    '\u0000\u0001',
    'grant_type=client_credentials&client_id=web-app&client_secret=%ZZ',
  ]) {
    const r = await t.app.inject({ method: 'POST', url: '/token', headers: FORM, payload });
    assert.ok(
      r.statusCode === 400 || r.statusCode === 401,
      `${r.statusCode} for ${JSON.stringify(payload)}`,
    );
    assert.equal(typeof r.json().error, 'string');
  }
});

test('property: no form body makes /token answer 5xx or non-JSON', async () => {
  const fc = (await import('fast-check')).default;
  const pieces = fc.constantFrom(
    'grant_type=',
    'password',
    'refresh_token',
    'client_credentials',
    'username=',
    'alice',
    'password=',
    'client_id=web-app',
    'scope=',
    '&',
    '=',
    '%',
    '%2',
    '+',
    ' ',
    '\u0000',
    'é',
    "'",
    '"',
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(pieces, fc.string({ maxLength: 8 })), { maxLength: 12 }),
      async (parts) => {
        const r = await t.app.inject({
          method: 'POST',
          url: '/token',
          headers: FORM,
          payload: parts.join(''),
        });
        assert.ok(r.statusCode >= 200 && r.statusCode < 500, `${r.statusCode}`);
        assert.equal(typeof r.json(), 'object');
      },
    ),
    { numRuns: 150 },
  );
});
