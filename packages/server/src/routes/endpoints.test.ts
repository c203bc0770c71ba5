import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKeySet, decodeJwt, decodeProtectedHeader, verifyJwt } from '@tessera/jose';
import { createClient } from '../clients.js';
import { ISSUER, login, makeIssuer, post, type TestIssuer } from '../test-support/harness.js';

let t: TestIssuer;
before(async () => {
  t = await makeIssuer('sqlite');
});
after(() => t.close());

const introspect = (token: string, auth = t.basic()) =>
  post(t.app, '/introspect', { token }, { authorization: auth });
const feed = async () => {
  const res = await t.app.inject('/revocations');
  const keys = createLocalKeySet((await t.app.inject('/jwks')).json());
  return {
    res,
    ...verifyJwt<{ iss: string; revoked: { jti?: string; sid?: string; exp: number }[] }>(
      res.body,
      keys,
      {
        algorithms: ['EdDSA'],
        issuer: ISSUER,
        typ: 'revocation+jwt',
        currentDate: new Date(t.clock.ms),
        requiredClaims: ['iat', 'exp'],
      },
    ),
  };
};

test('discovery: both well-known paths serve the same metadata with the exact issuer', async () => {
  const a = await t.app.inject('/.well-known/oauth-authorization-server');
  const b = await t.app.inject('/.well-known/openid-configuration');
  assert.equal(a.statusCode, 200);
  assert.equal(a.body, b.body);
  const m = a.json();
  assert.equal(m.issuer, ISSUER);
  assert.equal(m.token_endpoint, `${ISSUER}/token`);
  assert.equal(m.jwks_uri, `${ISSUER}/jwks`);
  assert.deepEqual(m.grant_types_supported, [
    'authorization_code',
    'password',
    'refresh_token',
    'client_credentials',
  ]);
  assert.equal(m.authorization_endpoint, `${ISSUER}/authorize`);
  assert.deepEqual(m.code_challenge_methods_supported, ['S256'], 'plain is never offered');
  assert.deepEqual(m.response_types_supported, ['code']);
  assert.equal(m.authorization_response_iss_parameter_supported, true);
  assert.ok(m.id_token_signing_alg_values_supported.includes('RS256'));
  assert.equal(m.userinfo_endpoint, `${ISSUER}/userinfo`);
});

test('JWKS: public keys only with kid/alg/use, Cache-Control, ETag and 304', async () => {
  const r = await t.app.inject('/jwks');
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['cache-control'], 'public, max-age=300');
  const etag = String(r.headers['etag']);
  assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
  const { keys } = r.json() as { keys: Record<string, unknown>[] };
  assert.equal(keys.length, 2, 'active and next');
  for (const k of keys) {
    assert.equal(k['use'], 'sig');
    assert.equal(k['alg'], 'EdDSA');
    assert.equal(typeof k['kid'], 'string');
    assert.equal(k['d'], undefined);
  }
  const again = await t.app.inject({ url: '/jwks', headers: { 'if-none-match': etag } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');
  const other = await t.app.inject({ url: '/jwks', headers: { 'if-none-match': '"nope"' } });
  assert.equal(other.statusCode, 200);
});

test('healthz reports the store', async () => {
  const r = await t.app.inject('/healthz');
  assert.deepEqual([r.statusCode, r.json().status, r.json().store], [200, 'ok', 'sqlite']);
});

test('introspection: active access and refresh tokens; inactive for anything else; client auth required', async () => {
  const s = await login(t);
  const at = await introspect(s.access_token);
  assert.equal(at.status, 200);
  assert.equal(at.headers['cache-control'], 'no-store');
  assert.equal(at.json['active'], true);
  assert.equal(at.json['sub'], t.userId);
  assert.equal(at.json['client_id'], t.clientId);
  assert.equal(at.json['iss'], ISSUER);
  const rt = await introspect(s.refresh_token);
  assert.deepEqual(
    [rt.json['active'], rt.json['token_type'], rt.json['sub']],
    [true, 'refresh_token', t.userId],
  );
  const foreign = await introspect(s.refresh_token, t.basic(t.ccClientId, t.ccClientSecret));
  assert.deepEqual(foreign.json, { active: false }, 'a client sees only its own refresh tokens');
  for (const junk of ['garbage', `${s.access_token.slice(0, -4)}AAAA`, 'a.b.c'])
    assert.deepEqual((await introspect(junk)).json, { active: false });
  t.clock.ms += 601_000;
  assert.deepEqual((await introspect(s.access_token)).json, { active: false }, 'expired');
  t.clock.ms -= 601_000;
  const anon = await post(t.app, '/introspect', { token: s.access_token });
  assert.equal(anon.status, 401);
  const pub = await post(t.app, '/introspect', {
    token: s.access_token,
    client_id: t.publicClientId,
  });
  assert.equal(pub.status, 401, 'public clients cannot introspect');
});

test('revoking a refresh token ends the session and feeds the revocation list', async () => {
  const s = await login(t);
  const sid = String(decodeJwt(s.access_token)['sid']);
  const r = await post(
    t.app,
    '/revoke',
    { token: s.refresh_token, token_type_hint: 'refresh_token' },
    { authorization: t.basic() },
  );
  assert.equal(r.status, 200);
  const again = await post(
    t.app,
    '/token',
    { grant_type: 'refresh_token', refresh_token: s.refresh_token },
    { authorization: t.basic() },
  );
  assert.equal(again.status, 400);
  assert.deepEqual(
    (await introspect(s.access_token)).json,
    { active: false },
    'its access tokens are inactive too',
  );
  const { payload } = await feed();
  const entry = payload.revoked.find((e) => e.sid === sid);
  assert.ok(entry !== undefined);
  assert.ok(entry.exp >= Math.floor(t.clock.ms / 1000) + 600);
});

test('revoking an access token puts its jti on the feed until it expires; then it drops out', async () => {
  const s = await login(t);
  const claims = decodeJwt(s.access_token);
  const r = await post(t.app, '/revoke', { token: s.access_token }, { authorization: t.basic() });
  assert.equal(r.status, 200);
  assert.deepEqual((await introspect(s.access_token)).json, { active: false });
  const { payload, protectedHeader, res } = await feed();
  assert.equal(protectedHeader.typ, 'revocation+jwt');
  assert.equal(res.headers['content-type'], 'application/jwt');
  assert.equal(payload.iss, ISSUER);
  const entry = payload.revoked.find((e) => e.jti === claims.jti);
  assert.ok(entry !== undefined && entry.exp >= claims.exp!);
  assert.equal(
    (await introspect(s.refresh_token)).json['active'],
    true,
    'the session itself lives on',
  );
  const shift = (entry.exp - Math.floor(t.clock.ms / 1000) + 1) * 1000;
  t.clock.ms += shift;
  try {
    const later = await feed();
    assert.equal(
      later.payload.revoked.some((e) => e.jti === claims.jti),
      false,
    );
  } finally {
    t.clock.ms -= shift;
  }
});

test('revocation: unknown tokens answer 200; a token of another client is left alone; auth required', async () => {
  const r = await post(t.app, '/revoke', { token: 'unknown-token' }, { authorization: t.basic() });
  assert.equal(r.status, 200);
  const s = await login(t);
  const foreign = await post(
    t.app,
    '/revoke',
    { token: s.refresh_token },
    { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
  );
  assert.equal(foreign.status, 200); // RFC 7009 §2.2, as for an unknown token (revoke-sameness.test.ts)
  assert.equal((await introspect(s.refresh_token)).json['active'], true);
  assert.equal((await post(t.app, '/revoke', { token: s.refresh_token })).status, 401);
  const hint = await post(
    t.app,
    '/revoke',
    { token: s.refresh_token, token_type_hint: 'id_token' },
    { authorization: t.basic() },
  );
  assert.deepEqual([hint.status, hint.json['error']], [400, 'unsupported_token_type']);
});

test('logout with an access token for the issuer itself ends the session and feeds its sid', async () => {
  // Only a token whose audience is the issuer is a logout credential (logout-audience.test.ts).
  const { clientSecret } = await createClient(
    { store: t.store, defaultAudience: 'api' },
    { name: 'self', clientId: 'self-app', firstParty: true, audience: ISSUER },
  );
  const s = (
    await post(
      t.app,
      '/token',
      { grant_type: 'password', username: t.username, password: t.password },
      { authorization: t.basic('self-app', clientSecret!) },
    )
  ).json as { access_token: string; refresh_token: string };
  const sid = String(decodeJwt(s.access_token)['sid']);
  const r = await t.app.inject({
    method: 'POST',
    url: '/logout',
    headers: { authorization: `Bearer ${s.access_token}` },
  });
  assert.equal(r.statusCode, 204);
  assert.equal(
    (await introspect(s.refresh_token, t.basic('self-app', clientSecret!))).json['active'],
    false,
  );
  assert.ok((await feed()).payload.revoked.some((e) => e.sid === sid));
  const audit = await t.store.listAuditEvents(50, 'session.ended');
  assert.ok(audit.some((e) => JSON.parse(e.detail).sid === sid));
  const bad = await t.app.inject({
    method: 'POST',
    url: '/logout',
    headers: { authorization: 'Bearer not.a.token' },
  });
  assert.equal(bad.statusCode, 401);
});

test('logout with the refresh token (client-authenticated) ends the session', async () => {
  const s = await login(t);
  const r = await post(
    t.app,
    '/logout',
    { refresh_token: s.refresh_token },
    { authorization: t.basic() },
  );
  assert.equal(r.status, 204);
  assert.equal((await introspect(s.refresh_token)).json['active'], false);
  assert.equal(
    (
      await post(
        t.app,
        '/logout',
        { refresh_token: s.refresh_token },
        { authorization: t.basic(t.clientId, 'bad') },
      )
    ).status,
    401,
  );
});

test('custom claims are added within the byte budget', async () => {
  const c = await makeIssuer('sqlite', { customClaims: { tenant: 'acme' } });
  try {
    const s = await login(c);
    assert.equal(decodeJwt(s.access_token)['tenant'], 'acme');
    assert.equal(decodeProtectedHeader(s.access_token).typ, 'at+jwt');
  } finally {
    await c.close();
  }
});

test('unknown routes are 404 JSON', async () => {
  const r = await t.app.inject('/nope');
  assert.equal(r.statusCode, 404);
});
