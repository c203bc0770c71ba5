import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, exportJwk, signJwt } from '@tessera/jose';
import { makeIssuer, post, ISSUER, type TestIssuer } from '../test-support/harness.js';
import { authorize, codeClient, codeRequest, Jar, REDIRECT } from '../test-support/code-flow.js';

let t: TestIssuer;
let secret: string;
const keys = generateKeyPair('ES256');
before(async () => {
  t = await makeIssuer('sqlite', { branding: { name: 'Acme Login', logoUrl: '/logo.svg' } });
  secret = (await codeClient(t, { clientId: 'par-rp', firstParty: true, requirePar: true }))
    .clientSecret!;
  await codeClient(t, {
    clientId: 'keyed',
    firstParty: true,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: { keys: [{ ...exportJwk(keys.publicKey), alg: 'ES256', kid: 'k1' }] },
  });
});
after(() => t.close());

const basic = () => `Basic ${Buffer.from(`par-rp:${secret}`).toString('base64')}`;

test('PAR: a pushed request works once; a client that requires PAR is refused without it', async () => {
  const { params } = codeRequest('par-rp');
  const pushed = await post(t.app, '/par', params, { authorization: basic() });
  assert.equal(pushed.status, 201, pushed.body);
  const uri = String(pushed.json['request_uri']);
  assert.match(uri, /^urn:ietf:params:oauth:request_uri:/);
  assert.equal(pushed.json['expires_in'], 60);
  const page = await authorize(t.app, new Jar(), { client_id: 'par-rp', request_uri: uri });
  assert.equal(page.status, 200, 'the login page');
  const reuse = await authorize(t.app, new Jar(), { client_id: 'par-rp', request_uri: uri });
  assert.equal(reuse.status, 400, 'refusal: request_uri reuse');
  assert.equal(reuse.headers['location'], undefined);
  const direct = await authorize(t.app, new Jar(), params);
  assert.equal(direct.location!.searchParams.get('error'), 'invalid_request');
  // Another client cannot use the handle; an expired one fails.
  const p2 = await post(t.app, '/par', codeRequest('par-rp').params, { authorization: basic() });
  const stolen = await authorize(t.app, new Jar(), {
    client_id: 'keyed',
    request_uri: String(p2.json['request_uri']),
  });
  assert.equal(stolen.status, 400);
  const p3 = await post(t.app, '/par', codeRequest('par-rp').params, { authorization: basic() });
  t.clock.ms += 61_000;
  try {
    const late = await authorize(t.app, new Jar(), {
      client_id: 'par-rp',
      request_uri: String(p3.json['request_uri']),
    });
    assert.equal(late.status, 400);
  } finally {
    t.clock.ms -= 61_000;
  }
  // Validation happens at push time, answered as JSON.
  const bad = await post(
    t.app,
    '/par',
    { ...params, code_challenge_method: 'plain' },
    { authorization: basic() },
  );
  assert.deepEqual([bad.status, bad.json['error']], [400, 'invalid_request']);
  const badRedirect = await post(
    t.app,
    '/par',
    { ...params, redirect_uri: 'https://evil.example/' },
    { authorization: basic() },
  );
  assert.equal(badRedirect.status, 400);
  const unauth = await post(t.app, '/par', params);
  assert.equal(unauth.status, 401);
});

function assertion(jti: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(t.clock.ms / 1000);
  return signJwt(
    {
      iss: 'keyed',
      sub: 'keyed',
      aud: `${ISSUER}/token`,
      jti,
      iat: now,
      exp: now + 60,
      ...overrides,
    },
    keys.privateKey,
    { alg: 'ES256', kid: 'k1' },
  );
}

test('private_key_jwt (RFC 7523): a signed assertion authenticates; a replayed jti is refused; no secretless fallback', async () => {
  const form = (a: string) => ({
    grant_type: 'authorization_code',
    code: 'nope',
    code_verifier: 'v'.repeat(43),
    redirect_uri: REDIRECT,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: a,
  });
  const a1 = assertion('jti-1');
  const first = await post(t.app, '/token', form(a1));
  assert.equal(first.json['error'], 'invalid_grant', 'authenticated; the code is what fails');
  const replay = await post(t.app, '/token', form(a1));
  assert.deepEqual([replay.status, replay.json['error']], [401, 'invalid_client']);
  const wrongAud = await post(t.app, '/token', form(assertion('jti-2', { aud: 'https://other' })));
  assert.equal(wrongAud.status, 401);
  const tooLong = await post(
    t.app,
    '/token',
    form(assertion('jti-3', { exp: Math.floor(t.clock.ms / 1000) + 3600 })),
  );
  assert.equal(tooLong.status, 401);
  const other = generateKeyPair('ES256');
  const forged = signJwt(
    {
      iss: 'keyed',
      sub: 'keyed',
      aud: ISSUER,
      jti: 'jti-4',
      exp: Math.floor(t.clock.ms / 1000) + 60,
    },
    other.privateKey,
    { alg: 'ES256', kid: 'k1' },
  );
  assert.equal((await post(t.app, '/token', form(forged))).status, 401);
  const noAuth = await post(t.app, '/token', {
    grant_type: 'authorization_code',
    client_id: 'keyed',
    code: 'x',
    code_verifier: 'v'.repeat(43),
    redirect_uri: REDIRECT,
  });
  assert.deepEqual([noAuth.status, noAuth.json['error']], [401, 'invalid_client']);
});

test('branding: the issuer name and logo are configurable on the hosted pages', async () => {
  await codeClient(t, { clientId: 'plain-rp', firstParty: true });
  const page = await authorize(t.app, new Jar(), codeRequest('plain-rp').params);
  assert.match(page.body, /<span class="brand-name">Acme Login<\/span>/);
  assert.match(page.body, /<img class="logo" src="\/logo.svg"/);
  assert.match(page.body, /<title>Sign in · Acme Login<\/title>/);
});

test('prompt=consent asks again even when consent is remembered', async () => {
  const { clientSecret: _ } = await codeClient(t, { clientId: 'tp', firstParty: false });
  const { hiddenFields, signIn, submit } = await import('../test-support/code-flow.js');
  const jar = new Jar();
  const page = await signIn(t, jar, codeRequest('tp', { scope: 'openid' }).params);
  await submit(t.app, jar, '/authorize/consent', { ...hiddenFields(page.body), decision: 'allow' });
  const remembered = await authorize(t.app, jar, codeRequest('tp', { scope: 'openid' }).params);
  assert.equal(remembered.status, 303);
  const forced = await authorize(
    t.app,
    jar,
    codeRequest('tp', { scope: 'openid', prompt: 'consent' }).params,
  );
  assert.equal(forced.status, 200);
  assert.match(forced.body, /Allow access\?/);
});
