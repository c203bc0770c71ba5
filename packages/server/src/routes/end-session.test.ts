import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { makeIssuer, post, type TestIssuer } from '../test-support/harness.js';
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
import { sendBackchannelLogout } from '../backchannel-logout.js';
import { listConsents, revokeConsent } from '../consents.js';

let t: TestIssuer;
let secret: string;
before(async () => {
  t = await makeIssuer('sqlite');
  secret = (
    await codeClient(t, {
      clientId: 'rp',
      firstParty: true,
      postLogoutRedirectUris: ['https://rp.example/bye'],
    })
  ).clientSecret!;
});
after(() => t.close());

async function signedIn() {
  const jar = new Jar();
  const { params, verifier } = codeRequest('rp');
  const back = await signIn(t, jar, params);
  const r = await post(
    t.app,
    '/token',
    {
      grant_type: 'authorization_code',
      code: back.location!.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    },
    { authorization: `Basic ${Buffer.from(`rp:${secret}`).toString('base64')}` },
  );
  assert.equal(r.status, 200, r.body);
  return { jar, idToken: String(r.json['id_token']) };
}

async function endSession(jar: Jar, params: Record<string, string>) {
  const res = await t.app.inject({
    url: `/end-session?${new URLSearchParams(params).toString()}`,
    headers: { cookie: jar.header() },
  });
  jar.take(res.headers['set-cookie'] as string[] | undefined);
  return res;
}

test('refusal: an unregistered post_logout_redirect_uri shows the error page, never redirects, and logs nobody out', async () => {
  const { jar, idToken } = await signedIn();
  for (const uri of [
    'https://evil.example/bye',
    'https://rp.example/bye/',
    'https://rp.example/bye?next=https://evil.example',
    'https://rp.example.evil.example/bye',
    '//evil.example',
  ]) {
    const res = await endSession(jar, { id_token_hint: idToken, post_logout_redirect_uri: uri });
    assert.equal(res.statusCode, 400, uri);
    assert.equal(res.headers['location'], undefined, uri);
  }
  // Without any client to check against, no redirect either.
  const anon = await endSession(jar, { post_logout_redirect_uri: 'https://rp.example/bye' });
  assert.equal(anon.statusCode, 400);
  const still = await authorize(t.app, jar, codeRequest('rp', { prompt: 'none' }).params);
  assert.ok(still.location!.searchParams.get('code'), 'still signed in');
});

test('RP-initiated logout with id_token_hint: redirect to the registered URI with state, session ended, sid on the feed', async () => {
  const { jar, idToken } = await signedIn();
  const sid = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()).sid as string;
  const res = await endSession(jar, {
    id_token_hint: idToken,
    post_logout_redirect_uri: 'https://rp.example/bye',
    state: 's1',
  });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers['location'], 'https://rp.example/bye?state=s1');
  assert.equal(await t.store.isRevoked('sid', sid, Math.floor(t.clock.ms / 1000)), true);
  const after = await authorize(t.app, jar, codeRequest('rp', { prompt: 'none' }).params);
  assert.equal(after.location!.searchParams.get('error'), 'login_required');
});

test('logout without a hint asks first; the form needs its CSRF token; "stay" keeps the session', async () => {
  const { jar } = await signedIn();
  const page = await endSession(jar, { client_id: 'rp' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Sign out\?/);
  const fields = hiddenFields(page.body);
  const forged = await submit(t.app, jar, '/end-session/confirm', {
    interaction: fields['interaction']!,
    decision: 'logout',
  });
  assert.equal(forged.status, 403);
  const stay = await submit(t.app, jar, '/end-session/confirm', { ...fields, decision: 'stay' });
  assert.equal(stay.status, 200);
  assert.match(stay.body, /still signed in/);
  const again = await endSession(jar, { client_id: 'rp' });
  const out = await submit(t.app, jar, '/end-session/confirm', {
    ...hiddenFields(again.body),
    decision: 'logout',
  });
  assert.equal(out.status, 200);
  assert.match(out.body, /You are signed out/);
  const after = await authorize(t.app, jar, codeRequest('rp', { prompt: 'none' }).params);
  assert.equal(after.location!.searchParams.get('error'), 'login_required');
  // A login form's handle cannot confirm a logout.
  const login = await authorize(t.app, jar, codeRequest('rp').params);
  const cross = await submit(t.app, jar, '/end-session/confirm', {
    ...hiddenFields(login.body),
    decision: 'logout',
  });
  assert.equal(cross.status, 400);
});

test('back-channel logout: retried after a failure, gives up after a timeout without blocking, audited', async () => {
  let calls = 0;
  let hang = false;
  const srv: Server = createServer((_req, res) => {
    calls++;
    if (hang) return; // never answers
    res.writeHead(calls === 1 ? 503 : 200).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    await codeClient(t, {
      clientId: 'bc',
      firstParty: true,
      backchannelLogoutUri: `http://127.0.0.1:${port}/bc`,
    });
    const client = (await t.store.findClient('bc'))!;
    await sendBackchannelLogout(
      t.app.tessera,
      [client],
      { sub: 'u', sid: 's' },
      {
        timeoutMs: 500,
        retryDelaysMs: [10, 10],
      },
    );
    assert.equal(calls, 2, 'one failure, one retry that succeeded');
    hang = true;
    calls = 0;
    const started = Date.now();
    const done = sendBackchannelLogout(
      t.app.tessera,
      [client],
      { sub: 'u', sid: 's2' },
      {
        timeoutMs: 200,
        retryDelaysMs: [10],
      },
    );
    assert.ok(Date.now() - started < 100, 'the caller is not blocked');
    await done;
    assert.equal(calls, 2, 'two attempts, each cut by the timeout');
    const failed = await t.store.listAuditEvents(5, 'logout.backchannel_failed');
    assert.equal(failed[0]?.client_id, 'bc');
  } finally {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});

test("consents: listed and withdrawn through the library; withdrawing revokes the client's refresh tokens", async () => {
  const third = await codeClient(t, { clientId: 'third', firstParty: false });
  const jar = new Jar();
  const { params, verifier } = codeRequest('third', { scope: 'openid offline_access' });
  const page = await signIn(t, jar, params);
  const ok = await submit(t.app, jar, '/authorize/consent', {
    ...hiddenFields(page.body),
    decision: 'allow',
  });
  const r = await post(
    t.app,
    '/token',
    {
      grant_type: 'authorization_code',
      code: ok.location!.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    },
    { authorization: `Basic ${Buffer.from(`third:${third.clientSecret!}`).toString('base64')}` },
  );
  assert.equal(typeof r.json['refresh_token'], 'string');
  const d = { store: t.store };
  assert.deepEqual(
    (await listConsents(d, 'alice')).map((c) => [c.clientId, c.scopes]),
    [['third', ['openid', 'offline_access']]],
  );
  assert.equal(await revokeConsent(d, 'alice', 'third'), true);
  assert.deepEqual(await listConsents(d, 'alice'), []);
  assert.equal(await revokeConsent(d, 'alice', 'third'), false);
  const refresh = await post(
    t.app,
    '/token',
    { grant_type: 'refresh_token', refresh_token: String(r.json['refresh_token']) },
    { authorization: `Basic ${Buffer.from(`third:${third.clientSecret!}`).toString('base64')}` },
  );
  assert.equal(refresh.json['error'], 'invalid_grant');
  const back = await authorize(t.app, jar, codeRequest('third', { scope: 'openid' }).params);
  assert.equal(back.status, 200, 'the consent page is back');
  await assert.rejects(listConsents(d, 'nobody'), /no such user/);
});
