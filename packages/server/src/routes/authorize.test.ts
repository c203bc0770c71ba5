import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKeySet, verifyJwt, type JwkSet } from '@tessera/jose';
import type { LoginProtectionConfig } from '../config.js';
import { accessTokenHash } from '../id-tokens.js';
import { loginKeys } from '../login-protection.js';
import { makeIssuer, post, ISSUER, type TestIssuer } from '../test-support/harness.js';
import {
  authorize,
  codeClient,
  codeRequest,
  hiddenFields,
  Jar,
  REDIRECT,
  signIn,
  submit,
} from '../test-support/code-flow.js';
import { setUserProfile } from '../users.js';
import { createPasswordHasher } from '../passwords.js';
import { TEST_ARGON2 } from '../test-support/harness.js';

let t: TestIssuer;
/** The (account, address) back-off key of a login from this test's address. */
const pairKey = (username: string) =>
  loginKeys(username, '127.0.0.1', 0, { accountWindowSeconds: 3600 } as LoginProtectionConfig).pair;
let webSecret: string;
before(async () => {
  t = await makeIssuer('sqlite', { loginProtection: { pairThreshold: 3, ipThreshold: 1000 } });
  webSecret = (await codeClient(t, { clientId: 'rp-web', firstParty: true })).clientSecret!;
  await codeClient(t, { clientId: 'rp-spa', firstParty: true, public: true });
  await codeClient(t, { clientId: 'rp-other', firstParty: true });
  await setUserProfile({ store: t.store, hasher: createPasswordHasher(TEST_ARGON2) }, 'alice', {
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice Liddell',
  });
});
after(() => t.close());

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function exchange(
  code: string,
  verifier: string,
  auth: { id: string; secret?: string } = { id: 'rp-web', secret: webSecret },
  redirectUri = REDIRECT,
) {
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  };
  if (auth.secret === undefined) params['client_id'] = auth.id;
  return post(
    t.app,
    '/token',
    params,
    auth.secret === undefined ? {} : { authorization: basic(auth.id, auth.secret) },
  );
}

async function codeFor(clientId = 'rp-web', extra: Record<string, string> = {}) {
  const jar = new Jar();
  const { params, verifier } = codeRequest(clientId, extra);
  const back = await signIn(t, jar, params);
  assert.equal(back.status, 303, back.body);
  return { jar, params, verifier, back, code: back.location!.searchParams.get('code')! };
}

test('code flow: login page → 303 back with code, state and iss (RFC 9207); exchange gives AT, RT and an ID token', async () => {
  const { params, verifier, back, code } = await codeFor();
  assert.equal(`${back.location!.origin}${back.location!.pathname}`, REDIRECT);
  assert.equal(back.location!.searchParams.get('state'), params['state']);
  assert.equal(back.location!.searchParams.get('iss'), ISSUER);
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  const r = await exchange(code, verifier);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['cache-control'], 'no-store');
  const body = r.json as Record<string, string>;
  assert.ok(body['refresh_token'], 'first-party clients always get a refresh token');
  const jwks = (await t.app.inject('/jwks')).json() as JwkSet;
  const { payload, protectedHeader } = verifyJwt(body['id_token']!, createLocalKeySet(jwks), {
    algorithms: ['RS256'],
    issuer: ISSUER,
    audience: 'rp-web',
    currentDate: new Date(t.clock.ms),
  });
  assert.equal(protectedHeader.alg, 'RS256', 'ID tokens default to RS256');
  assert.equal(payload.sub, t.userId);
  assert.equal(payload['nonce'], params['nonce']);
  assert.equal(payload['azp'], 'rp-web');
  assert.equal(typeof payload['sid'], 'string');
  assert.equal(typeof payload['auth_time'], 'number');
  assert.equal(payload['acr'], 'urn:tessera:acr:pwd');
  assert.deepEqual(payload['amr'], ['pwd']);
  assert.equal(payload['at_hash'], accessTokenHash('RS256', body['access_token']!));
  assert.equal(payload['email'], undefined, 'no email claim without the email scope');
  const at = verifyJwt(body['access_token']!, createLocalKeySet(jwks), {
    algorithms: ['EdDSA'],
    typ: 'at+jwt',
    currentDate: new Date(t.clock.ms),
  }).payload;
  assert.equal(at['sid'], payload['sid'], "the browser session id is the tokens' sid");
  assert.equal(at['client_id'], 'rp-web');
});

test('refusal: a replayed code fails and revokes what the first exchange issued', async () => {
  const { code, verifier } = await codeFor();
  const first = await exchange(code, verifier);
  assert.equal(first.status, 200);
  const second = await exchange(code, verifier);
  assert.deepEqual([second.status, second.json['error']], [400, 'invalid_grant']);
  const refresh = await post(
    t.app,
    '/token',
    { grant_type: 'refresh_token', refresh_token: String(first.json['refresh_token']) },
    { authorization: basic('rp-web', webSecret) },
  );
  assert.deepEqual([refresh.status, refresh.json['error']], [400, 'invalid_grant']);
  const jti = JSON.parse(
    Buffer.from(String(first.json['access_token']).split('.')[1]!, 'base64url').toString(),
  ).jti as string;
  assert.equal(await t.store.isRevoked('jti', jti, Math.floor(t.clock.ms / 1000)), true);
  const events = await t.store.listAuditEvents(5, 'authorization.code_replayed');
  assert.equal(events.length, 1);
});

test('refusal: a wrong code_verifier fails (and the code is spent)', async () => {
  const { code } = await codeFor();
  const r = await exchange(code, 'x'.repeat(43));
  assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant']);
});

test('refusal: missing PKCE and plain PKCE redirect back with invalid_request, state and iss', async () => {
  for (const strip of [
    { code_challenge: undefined, code_challenge_method: undefined },
    { code_challenge_method: 'plain' },
    { code_challenge_method: undefined },
  ]) {
    const { params } = codeRequest('rp-web');
    const p: Record<string, string> = { ...params };
    for (const [k, v] of Object.entries(strip)) {
      if (v === undefined) delete p[k];
      else p[k] = v;
    }
    const r = await authorize(t.app, new Jar(), p);
    assert.equal(r.status, 303);
    assert.equal(r.location!.searchParams.get('error'), 'invalid_request');
    assert.equal(r.location!.searchParams.get('state'), params['state']);
    assert.equal(r.location!.searchParams.get('iss'), ISSUER);
    assert.ok(!r.location!.searchParams.has('code'));
  }
});

test('refusal: a code_verifier that is missing at the token endpoint is invalid_request', async () => {
  const { code } = await codeFor();
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
    { authorization: basic('rp-web', webSecret) },
  );
  assert.deepEqual([r.status, r.json['error']], [400, 'invalid_request']);
});

test('refusal: redirect URI mismatch and open-redirect attempts show the error page and never redirect', async () => {
  for (const uri of [
    'https://evil.example/cb',
    'https://rp.example/cb/',
    'https://rp.example/cb?next=https://evil.example',
    'https://rp.example/cb/../evil',
    'https://rp.example/%63b',
    'https://rp.example.evil.example/cb',
    'https://RP.example/cb',
    'http://rp.example/cb',
    'https://rp.example/cb#frag',
    'http://127.0.0.1:8080/cb',
    'javascript:alert(1)',
  ]) {
    const { params } = codeRequest('rp-web', { redirect_uri: uri });
    const r = await authorize(t.app, new Jar(), params);
    assert.equal(r.status, 400, uri);
    assert.equal(r.headers['location'], undefined, uri);
    assert.match(r.body, /redirect_uri is not registered/);
    assert.ok(!r.body.includes('evil.example'), 'the page does not link to the bad URI');
  }
  const noRedirect = codeRequest('rp-web');
  delete noRedirect.params['redirect_uri'];
  const r = await authorize(t.app, new Jar(), noRedirect.params);
  assert.equal(r.status, 400);
  assert.equal(r.headers['location'], undefined);
});

test('refusal: an unknown or disabled client shows the error page and never redirects', async () => {
  const r = await authorize(t.app, new Jar(), codeRequest('nobody').params);
  assert.equal(r.status, 400);
  assert.equal(r.headers['location'], undefined);
  assert.match(r.body, /invalid_client/);
});

test('RFC 8252 §7.3: loopback redirect URIs match on any port, nothing else loosens', async () => {
  await codeClient(t, {
    clientId: 'rp-native',
    public: true,
    firstParty: true,
    redirectUris: [
      'http://127.0.0.1/callback',
      'http://[::1]/callback',
      'http://localhost:7000/cb',
    ],
  });
  const ok = codeRequest('rp-native', { redirect_uri: 'http://127.0.0.1:54321/callback' });
  const back = await signIn(t, new Jar(), ok.params);
  assert.equal(back.status, 303);
  assert.equal(back.location!.port, '54321');
  const code = back.location!.searchParams.get('code')!;
  const r = await exchange(
    code,
    ok.verifier,
    { id: 'rp-native' },
    'http://127.0.0.1:54321/callback',
  );
  assert.equal(r.status, 200, r.body);
  const v6 = await authorize(
    t.app,
    new Jar(),
    codeRequest('rp-native', { redirect_uri: 'http://[::1]:6000/callback' }).params,
  );
  assert.equal(v6.status, 200, 'IPv6 loopback on another port gets the login page');
  for (const uri of [
    'http://127.0.0.1:54321/other',
    'http://127.0.0.1:54321/callback/x',
    'http://localhost:7001/cb',
    'http://127.0.0.2:54321/callback',
    'https://127.0.0.1:54321/callback',
  ]) {
    const r2 = await authorize(
      t.app,
      new Jar(),
      codeRequest('rp-native', { redirect_uri: uri }).params,
    );
    assert.equal(r2.status, 400, uri);
    assert.equal(r2.headers['location'], undefined, uri);
  }
});

test('refusal: an expired code (60 s) fails', async () => {
  const { code, verifier } = await codeFor();
  t.clock.ms += 61_000;
  try {
    const r = await exchange(code, verifier);
    assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant']);
  } finally {
    t.clock.ms -= 61_000;
  }
});

test('refusal: a code used by another client fails', async () => {
  const { code, verifier } = await codeFor('rp-web');
  const other = await t.store.findClient('rp-other');
  assert.ok(other);
  const { clientSecret } = await codeClient(t, { clientId: 'rp-thief', firstParty: true });
  const r = await exchange(code, verifier, { id: 'rp-thief', secret: clientSecret! });
  assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant']);
});

test('public client: PKCE alone, no secret; a secret-holding client cannot pretend to be public', async () => {
  const { code, verifier } = await codeFor('rp-spa');
  const r = await exchange(code, verifier, { id: 'rp-spa' });
  assert.equal(r.status, 200, r.body);
  const c2 = await codeFor('rp-web');
  const r2 = await exchange(c2.code, c2.verifier, { id: 'rp-web' });
  assert.deepEqual([r2.status, r2.json['error']], [401, 'invalid_client']);
});

test('refusal: CSRF token missing or wrong on the login form', async () => {
  const jar = new Jar();
  const page = await authorize(t.app, jar, codeRequest('rp-web').params);
  const fields = hiddenFields(page.body);
  const missing = await submit(t.app, jar, '/authorize/login', {
    interaction: fields['interaction']!,
    username: t.username,
    password: t.password,
  });
  assert.equal(missing.status, 403);
  assert.equal(missing.headers['location'], undefined);
  const wrong = await submit(t.app, jar, '/authorize/login', {
    ...fields,
    csrf: 'A'.repeat(43),
    username: t.username,
    password: t.password,
  });
  assert.equal(wrong.status, 403);
  // The right token from another browser (no cookie) is refused too.
  const otherBrowser = await submit(t.app, new Jar(), '/authorize/login', {
    ...fields,
    username: t.username,
    password: t.password,
  });
  assert.equal(otherBrowser.status, 403);
  const ok = await submit(t.app, jar, '/authorize/login', {
    ...fields,
    username: t.username,
    password: t.password,
  });
  assert.equal(ok.status, 303, 'the genuine form still works');
});

test('the login page: strict CSP, no framing, no-store, labelled fields with autocomplete', async () => {
  const page = await authorize(t.app, new Jar(), codeRequest('rp-web').params);
  assert.equal(page.status, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'none'/);
  assert.match(csp, /style-src 'self'/);
  assert.ok(!csp.includes('unsafe-inline'));
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.body, /<label for="username">/);
  assert.match(page.body, /autocomplete="username"/);
  assert.match(page.body, /autocomplete="current-password"/);
  assert.ok(!/<script>|<style|style="/.test(page.body), 'no inline script or style');
  const cookie = String((page.headers['set-cookie'] as string[])[0]);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
});

test('unknown user and wrong password get the same answer', async () => {
  const answers: string[] = [];
  for (const username of ['nobody-here', t.username]) {
    const jar = new Jar();
    const page = await authorize(t.app, jar, codeRequest('rp-other').params);
    const r = await submit(t.app, jar, '/authorize/login', {
      ...hiddenFields(page.body),
      username,
      password: 'wrong password!',
    });
    assert.equal(r.status, 401);
    answers.push(r.body.replace(/value="[^"]*"/g, 'value=""').replace(/\(.*?\)/g, ''));
  }
  assert.equal(answers[0], answers[1]);
  await t.store.clearLoginFailures(pairKey(t.username));
});

test('refusal: login form brute force hits the same counters as the password grant', async () => {
  await t.store.clearLoginFailures(pairKey(t.username));
  let last;
  for (let i = 0; i < 4; i++) {
    const jar = new Jar();
    const page = await authorize(t.app, jar, codeRequest('rp-web').params);
    last = await submit(t.app, jar, '/authorize/login', {
      ...hiddenFields(page.body),
      username: t.username,
      password: `wrong-${i}-password`,
    });
  }
  assert.equal(last!.status, 429, 'blocked after the account threshold');
  assert.ok(Number(last!.headers['retry-after']) > 0);
  // The correct password is refused while blocked, on the form …
  const jar = new Jar();
  const blocked = await signIn(t, jar, codeRequest('rp-web').params);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.headers['location'], undefined);
  // … and on the password grant: one set of counters.
  const grant = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: t.username, password: t.password },
    { authorization: t.basic() },
  );
  assert.equal(grant.status, 429);
  await t.store.clearLoginFailures(pairKey(t.username));
});

test('response_mode=form_post: an auto-submitting form (external script, button without JS)', async () => {
  const { params } = codeRequest('rp-web', { response_mode: 'form_post' });
  const back = await signIn(t, new Jar(), params);
  assert.equal(back.status, 200);
  assert.match(back.body, new RegExp(`<form id="response" method="post" action="${REDIRECT}">`));
  const f = hiddenFields(back.body);
  assert.equal(f['state'], params['state']);
  assert.equal(f['iss'], ISSUER);
  assert.ok(f['code']);
  const csp = String(back.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /form-action 'self' https:\/\/rp\.example/);
  assert.match(back.body, /<script src="\/_tessera\/form-post\.js"><\/script>/);
});

test('prompt=none: login_required without a session, a code without a page with one', async () => {
  const none = await authorize(t.app, new Jar(), codeRequest('rp-web', { prompt: 'none' }).params);
  assert.equal(none.status, 303);
  assert.equal(none.location!.searchParams.get('error'), 'login_required');
  const { jar } = await codeFor();
  const again = await authorize(t.app, jar, codeRequest('rp-web', { prompt: 'none' }).params);
  assert.equal(again.status, 303);
  assert.ok(again.location!.searchParams.get('code'), 'single sign-on: no page shown');
});

test('prompt=login and max_age force a new login despite the session', async () => {
  const { jar } = await codeFor();
  const login = await authorize(t.app, jar, codeRequest('rp-web', { prompt: 'login' }).params);
  assert.equal(login.status, 200);
  assert.match(login.body, /autocomplete="current-password"/);
  t.clock.ms += 5000;
  try {
    const fresh = await authorize(t.app, jar, codeRequest('rp-web', { max_age: '3' }).params);
    assert.equal(fresh.status, 200, 'auth_time older than max_age');
    const recent = await authorize(t.app, jar, codeRequest('rp-web', { max_age: '3600' }).params);
    assert.equal(recent.status, 303);
  } finally {
    t.clock.ms -= 5000;
  }
});

test('login_hint prefills the username', async () => {
  const page = await authorize(
    t.app,
    new Jar(),
    codeRequest('rp-web', { login_hint: 'alice' }).params,
  );
  assert.match(page.body, /name="username" autocomplete="username"[^>]*value="alice"/);
});

test('consent: third-party clients ask, deny → access_denied, allow is remembered; offline_access gates refresh', async () => {
  const third = await codeClient(t, { clientId: 'rp-third', firstParty: false });
  const jar = new Jar();
  const req1 = codeRequest('rp-third', { scope: 'openid email' });
  const consent = await signIn(t, jar, req1.params);
  assert.equal(consent.status, 200);
  assert.match(consent.body, /Allow access\?/);
  assert.match(consent.body, /See your email address/);
  const none = await authorize(t.app, jar, codeRequest('rp-third', { prompt: 'none' }).params);
  assert.equal(none.location!.searchParams.get('error'), 'consent_required');
  const deny = await submit(t.app, jar, '/authorize/consent', {
    ...hiddenFields(consent.body),
    decision: 'deny',
  });
  assert.equal(deny.location!.searchParams.get('error'), 'access_denied');
  const page2 = await authorize(t.app, jar, req1.params);
  assert.equal(page2.status, 200);
  const allow = await submit(t.app, jar, '/authorize/consent', {
    ...hiddenFields(page2.body),
    decision: 'allow',
  });
  assert.equal(allow.status, 303);
  const r = await exchange(allow.location!.searchParams.get('code')!, req1.verifier, {
    id: 'rp-third',
    secret: third.clientSecret!,
  });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json['refresh_token'], undefined, 'no offline_access, no refresh token');
  const idt = JSON.parse(
    Buffer.from(String(r.json['id_token']).split('.')[1]!, 'base64url').toString(),
  );
  assert.equal(idt.email, 'alice@example.com');
  assert.equal(idt.email_verified, true);
  // Remembered: the same scopes go straight through.
  const again = await authorize(
    t.app,
    jar,
    codeRequest('rp-third', { scope: 'openid email' }).params,
  );
  assert.equal(again.status, 303);
  // offline_access needs its own consent, then a refresh token comes.
  const req3 = codeRequest('rp-third', { scope: 'openid offline_access' });
  const page3 = await authorize(t.app, jar, req3.params);
  assert.match(page3.body, /Keep access while you are not signed in/);
  const ok3 = await submit(t.app, jar, '/authorize/consent', {
    ...hiddenFields(page3.body),
    decision: 'allow',
  });
  const r3 = await exchange(ok3.location!.searchParams.get('code')!, req3.verifier, {
    id: 'rp-third',
    secret: third.clientSecret!,
  });
  assert.equal(typeof r3.json['refresh_token'], 'string');
  const consents = await t.store.listConsents(t.userId);
  assert.deepEqual(
    consents.map((c) => c.client_id),
    ['rp-third'],
  );
});

test('/userinfo: claims by scope for openid tokens; 403 without openid; 401 when revoked', async () => {
  const { code, verifier } = await codeFor('rp-web', { scope: 'openid profile email' });
  const r = await exchange(code, verifier);
  const at = String(r.json['access_token']);
  for (const method of ['GET', 'POST'] as const) {
    const u = await t.app.inject({
      method,
      url: '/userinfo',
      headers: { authorization: `Bearer ${at}` },
    });
    assert.equal(u.statusCode, 200);
    assert.deepEqual(u.json(), {
      sub: t.userId,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
    });
  }
  const c2 = await codeFor('rp-web', { scope: 'read' });
  const r2 = await exchange(c2.code, c2.verifier);
  assert.equal(r2.json['id_token'], undefined, 'no openid, no ID token');
  const u2 = await t.app.inject({
    url: '/userinfo',
    headers: { authorization: `Bearer ${String(r2.json['access_token'])}` },
  });
  assert.equal(u2.statusCode, 403);
  assert.match(String(u2.headers['www-authenticate']), /insufficient_scope/);
  const sid = JSON.parse(Buffer.from(at.split('.')[1]!, 'base64url').toString()).sid as string;
  const now = Math.floor(t.clock.ms / 1000);
  await t.store.addRevocation('sid', sid, now + 600, now);
  const u3 = await t.app.inject({ url: '/userinfo', headers: { authorization: `Bearer ${at}` } });
  assert.equal(u3.statusCode, 401);
  const none = await t.app.inject({ url: '/userinfo' });
  assert.equal(none.statusCode, 401);
});

test('__Host- session cookie with Secure on an https issuer', async () => {
  const s = await makeIssuer('sqlite', { issuer: 'https://issuer.test' });
  try {
    await codeClient(s, { clientId: 'rp', firstParty: true });
    const jar = new Jar();
    const page = await authorize(s.app, jar, codeRequest('rp').params);
    const res = await s.app.inject({
      method: 'POST',
      url: '/authorize/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      payload: new URLSearchParams({
        ...hiddenFields(page.body),
        username: s.username,
        password: s.password,
      }).toString(),
    });
    assert.equal(res.statusCode, 303);
    const cookies = res.headers['set-cookie'] as string[];
    const session = cookies.find((c) => c.startsWith('__Host-tessera_session='));
    assert.ok(session, cookies.join('\n'));
    assert.match(session, /; Path=\/; HttpOnly; SameSite=Lax; Secure/);
    assert.ok(!/Domain=/i.test(session));
  } finally {
    await s.close();
  }
});

test('browser session: the idle lifetime ends single sign-on', async () => {
  const { jar } = await codeFor();
  t.clock.ms += 86_400_000 + 1000;
  try {
    const r = await authorize(t.app, jar, codeRequest('rp-web', { prompt: 'none' }).params);
    assert.equal(r.location!.searchParams.get('error'), 'login_required');
  } finally {
    t.clock.ms -= 86_400_000 + 1000;
  }
});

test('bad requests redirect with RFC 6749 §4.1.2.1 codes once the redirect URI is trusted', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ scope: 'openid admin' }, 'invalid_scope'],
    [{ prompt: 'none login' }, 'invalid_request'],
    [{ response_mode: 'fragment' }, 'invalid_request'],
    [{ max_age: '-1' }, 'invalid_request'],
    [{ request: 'eyJ.x.y' }, 'request_not_supported'],
  ];
  for (const [extra, error] of cases) {
    const r = await authorize(t.app, new Jar(), codeRequest('rp-web', extra).params);
    assert.equal(r.status, 303, JSON.stringify(extra));
    assert.equal(r.location!.searchParams.get('error'), error, JSON.stringify(extra));
    assert.equal(r.location!.searchParams.get('iss'), ISSUER);
  }
});
