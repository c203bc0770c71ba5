import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createLocalKeySet, decodeJwt, verifyJwt, type JwkSet } from '@tessera/jose';
import { createClient } from '../clients.js';
import { createPasswordHasher } from '../passwords.js';
import { startServer, type RunningServer } from '../server.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { axeViolations } from '../test-support/axe.js';
import { TEST_ARGON2 } from '../test-support/harness.js';
import { startRecordingServer, type RecordingServer } from '../test-support/relying-party.js';
import { createUser } from '../users.js';
import { BACKCHANNEL_EVENT } from '../backchannel-logout.js';

const skip = CHROMIUM_SKIP;
const PASSWORD = 'correct horse battery staple';
let dir: string;
let server: RunningServer;
let rp: RecordingServer;
let browser: Browser;
const secrets: Record<string, string> = {};
let privateKey: CryptoKey;

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'tessera-oidc-'));
  rp = await startRecordingServer();
  server = await startServer({ port: 0, dataDir: dir, argon2: TEST_ARGON2 });
  const deps = { store: server.store, defaultAudience: 'api' };
  await createUser(
    { store: server.store, hasher: createPasswordHasher(TEST_ARGON2) },
    {
      username: 'alice',
      password: PASSWORD,
      email: 'alice@example.com',
      emailVerified: true,
      name: 'Alice',
    },
  );
  const cb = `${rp.origin}/cb`;
  secrets['web'] = (
    await createClient(deps, {
      name: 'Web app',
      clientId: 'web',
      firstParty: true,
      redirectUris: [cb],
      postLogoutRedirectUris: [`${rp.origin}/bye`],
      backchannelLogoutUri: `${rp.origin}/backchannel`,
      scopes: ['read'],
    })
  ).clientSecret!;
  await createClient(deps, {
    name: 'SPA',
    clientId: 'spa',
    public: true,
    firstParty: true,
    redirectUris: [cb],
  });
  await createClient(deps, {
    name: 'Native',
    clientId: 'native',
    public: true,
    firstParty: true,
    redirectUris: ['http://127.0.0.1/native-cb'],
  });
  secrets['third'] = (
    await createClient(deps, {
      name: 'Photo Printer',
      clientId: 'third',
      redirectUris: [cb],
      scopes: ['read'],
    })
  ).clientSecret!;
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  privateKey = pair.privateKey;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  await createClient(deps, {
    name: 'Key client',
    clientId: 'keyed',
    firstParty: true,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: { keys: [{ ...jwk, alg: 'ES256', use: 'sig' }] },
    redirectUris: [cb],
  });
  browser = await launchChromium();
});
after(async () => {
  if (skip !== false) return;
  await browser?.close();
  await server?.close();
  await rp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function config(clientId: string, auth?: oidc.ClientAuth, secret?: string) {
  return oidc.discovery(new URL(server.url), clientId, secret, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

function request(extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  return {
    verifier,
    state,
    nonce,
    params: async () => ({
      redirect_uri: `${rp.origin}/cb`,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    }),
  };
}

/** Fill the issuer's login form in Chromium, as a person would. */
async function fillLogin(page: Page): Promise<void> {
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function landOnCallback(page: Page, path = '/cb'): Promise<URL> {
  await page.waitForURL((u) => u.pathname === path && u.origin === rp.origin);
  return new URL(page.url());
}

async function signIn(ctx: BrowserContext, url: URL, path = '/cb'): Promise<URL> {
  const page = await ctx.newPage();
  await page.goto(url.href);
  await fillLogin(page);
  const back = await landOnCallback(page, path);
  await page.close();
  return back;
}

test(
  'openid-client, confidential client: Chromium signs in; ID token, userinfo, refresh, RP-initiated logout, sid on the feed, back-channel logout',
  { skip },
  async () => {
    const ctx = await browser.newContext();
    const rpConfig = await config('web', undefined, secrets['web']);
    const r = request({ scope: 'openid profile email read' });
    const back = await signIn(ctx, oidc.buildAuthorizationUrl(rpConfig, await r.params()));
    assert.equal(back.searchParams.get('iss'), server.url);
    const tokens = await oidc.authorizationCodeGrant(rpConfig, back, {
      pkceCodeVerifier: r.verifier,
      expectedState: r.state,
      expectedNonce: r.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    assert.equal(claims.email, 'alice@example.com');
    assert.equal(claims.name, 'Alice');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(typeof claims['sid'], 'string');
    assert.equal(decodeJwt(tokens.id_token!).at_hash !== undefined, true);
    const info = await oidc.fetchUserInfo(rpConfig, tokens.access_token, claims.sub);
    assert.equal(info.email, 'alice@example.com');
    const refreshed = await oidc.refreshTokenGrant(rpConfig, tokens.refresh_token!);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(decodeJwt(refreshed.access_token).sid, claims['sid'], 'refresh keeps the sid');

    // RP-initiated logout in the same browser.
    const page = await ctx.newPage();
    await page.goto(
      oidc.buildEndSessionUrl(rpConfig, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: `${rp.origin}/bye`,
        state: 'after-logout',
      }).href,
    );
    const bye = await landOnCallback(page, '/bye');
    assert.equal(bye.searchParams.get('state'), 'after-logout');
    const feed = await (await fetch(`${server.url}/revocations`)).text();
    const feedClaims = decodeJwt(
      feed.trim().startsWith('{') ? (JSON.parse(feed) as { token: string }).token : feed,
    );
    assert.ok(
      JSON.stringify(feedClaims).includes(String(claims['sid'])),
      'sid on the revocation feed',
    );
    await assert.rejects(
      oidc.refreshTokenGrant(rpConfig, refreshed.refresh_token!),
      (e: unknown) => (e as { error?: string }).error === 'invalid_grant',
      'logout ended the refresh family',
    );
    // Back-channel logout token: signed, events claim, sid, no nonce.
    const bc = await rp.next('/backchannel');
    const logoutToken = new URLSearchParams(bc.body).get('logout_token')!;
    const jwks = (await (await fetch(`${server.url}/jwks`)).json()) as JwkSet;
    const { payload, protectedHeader } = verifyJwt(logoutToken, createLocalKeySet(jwks), {
      algorithms: ['RS256'],
      issuer: server.url,
      audience: 'web',
      typ: 'logout+jwt',
    });
    assert.equal(protectedHeader.typ, 'logout+jwt');
    assert.deepEqual(payload['events'], { [BACKCHANNEL_EVENT]: {} });
    assert.equal(payload['sid'], claims['sid']);
    assert.equal(payload['nonce'], undefined);
    // The browser session is gone: prompt=none now says login_required.
    const r2 = request({ prompt: 'none' });
    await page.goto(oidc.buildAuthorizationUrl(rpConfig, await r2.params()).href);
    const none = await landOnCallback(page);
    assert.equal(none.searchParams.get('error'), 'login_required');
    await ctx.close();
  },
);

test(
  'openid-client, public client (SPA-style, PKCE only) and single sign-on with prompt=none',
  { skip },
  async () => {
    const ctx = await browser.newContext();
    const spa = await config('spa', oidc.None());
    const r = request({ prompt: 'none' });
    // No session yet: login_required, as an authorization error the RP library understands.
    const page = await ctx.newPage();
    await page.goto(oidc.buildAuthorizationUrl(spa, await r.params()).href);
    const noSession = await landOnCallback(page);
    await assert.rejects(
      oidc.authorizationCodeGrant(spa, noSession, {
        pkceCodeVerifier: r.verifier,
        expectedState: r.state,
      }),
      (e: unknown) => (e as { error?: string }).error === 'login_required',
    );
    const r2 = request();
    const back = await signIn(ctx, oidc.buildAuthorizationUrl(spa, await r2.params()));
    const t1 = await oidc.authorizationCodeGrant(spa, back, {
      pkceCodeVerifier: r2.verifier,
      expectedState: r2.state,
      expectedNonce: r2.nonce,
    });
    assert.ok(t1.access_token);
    // With the session: no page, straight back with a code.
    const r3 = request({ prompt: 'none' });
    await page.goto(oidc.buildAuthorizationUrl(spa, await r3.params()).href);
    const sso = await landOnCallback(page);
    const t2 = await oidc.authorizationCodeGrant(spa, sso, {
      pkceCodeVerifier: r3.verifier,
      expectedState: r3.state,
      expectedNonce: r3.nonce,
    });
    assert.equal(t2.claims()!['sid'], t1.claims()!['sid'], 'one browser session, one sid');
    // max_age forces a new login despite the session.
    await new Promise((res) => setTimeout(res, 1100));
    const r4 = request({ max_age: '0' });
    await page.goto(oidc.buildAuthorizationUrl(spa, await r4.params()).href);
    await page.getByLabel('Password').waitFor();
    await fillLogin(page);
    const again = await landOnCallback(page);
    const t4 = await oidc.authorizationCodeGrant(spa, again, {
      pkceCodeVerifier: r4.verifier,
      expectedState: r4.state,
      expectedNonce: r4.nonce,
      maxAge: 0,
    });
    assert.ok(t4.claims()!.auth_time! > t1.claims()!.auth_time!);
    await ctx.close();
  },
);

test('native app: loopback redirect on a random port (RFC 8252 §7.3)', { skip }, async () => {
  const ctx = await browser.newContext();
  const native = await startRecordingServer();
  try {
    const cfg = await config('native', oidc.None());
    const r = request({ redirect_uri: `${native.origin}/native-cb` });
    const page = await ctx.newPage();
    await page.goto(oidc.buildAuthorizationUrl(cfg, await r.params()).href);
    await fillLogin(page);
    await page.waitForURL((u) => u.origin === native.origin);
    const tokens = await oidc.authorizationCodeGrant(cfg, new URL(page.url()), {
      pkceCodeVerifier: r.verifier,
      expectedState: r.state,
      expectedNonce: r.nonce,
    });
    assert.ok(tokens.id_token);
  } finally {
    await native.close();
    await ctx.close();
  }
});

test(
  'openid-client: PAR and private_key_jwt; response_mode=form_post auto-submits in Chromium',
  { skip },
  async () => {
    const ctx = await browser.newContext();
    const keyed = await config('keyed', oidc.PrivateKeyJwt(privateKey));
    const r = request();
    const url = await oidc.buildAuthorizationUrlWithPAR(keyed, await r.params());
    assert.ok(
      url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'),
    );
    const back = await signIn(ctx, url);
    const tokens = await oidc.authorizationCodeGrant(keyed, back, {
      pkceCodeVerifier: r.verifier,
      expectedState: r.state,
      expectedNonce: r.nonce,
    });
    assert.ok(tokens.access_token);
    // The request_uri is single use.
    const page = await ctx.newPage();
    await page.goto(url.href);
    assert.match(await page.content(), /request_uri is unknown, expired or used/);
    // form_post (the session exists, so the issuer answers with the auto-submitting form).
    const r2 = request({ response_mode: 'form_post' });
    await page.goto(oidc.buildAuthorizationUrl(keyed, await r2.params()).href);
    const posted = await rp.next('/cb', 'POST');
    assert.equal(posted.method, 'POST');
    const callback = new Request(`${rp.origin}/cb`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: posted.body,
    });
    const t2 = await oidc.authorizationCodeGrant(keyed, callback, {
      pkceCodeVerifier: r2.verifier,
      expectedState: r2.state,
      expectedNonce: r2.nonce,
    });
    assert.ok(t2.id_token);
    await ctx.close();
  },
);

test(
  'openid-client, third-party client: consent denied, then granted; offline_access gives a refresh token',
  { skip },
  async () => {
    const ctx = await browser.newContext();
    const third = await config('third', undefined, secrets['third']);
    const r = request({ scope: 'openid email' });
    const page = await ctx.newPage();
    await page.goto(oidc.buildAuthorizationUrl(third, await r.params()).href);
    await fillLogin(page);
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    assert.match(await page.content(), /Photo Printer/);
    await page.getByRole('button', { name: 'Deny' }).click();
    const denied = await landOnCallback(page);
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    const r2 = request({ scope: 'openid email offline_access' });
    await page.goto(oidc.buildAuthorizationUrl(third, await r2.params()).href);
    await page.getByRole('button', { name: 'Allow' }).click();
    const granted = await landOnCallback(page);
    const tokens = await oidc.authorizationCodeGrant(third, granted, {
      pkceCodeVerifier: r2.verifier,
      expectedState: r2.state,
      expectedNonce: r2.nonce,
    });
    assert.ok(tokens.refresh_token, 'offline_access consented: a refresh token');
    const refreshed = await oidc.refreshTokenGrant(third, tokens.refresh_token!);
    assert.ok(refreshed.access_token);
    await ctx.close();
  },
);

// axe-core over every hosted page, light and dark, at 400 px.
test(
  'hosted pages: no serious or critical axe-core violations, no CSP violations, readable at 400 px, dark mode',
  { skip },
  async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ viewport: { width: 400, height: 800 }, colorScheme });
      const page = await ctx.newPage();
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
      });
      const cfg = await config('third', undefined, secrets['third']);
      const check = async (name: string) => {
        assert.deepEqual(await axeViolations(page), [], `${name} (${colorScheme})`);
        const width = await page.evaluate('document.documentElement.scrollWidth');
        assert.ok(Number(width) <= 400, `${name} fits 400 px (${String(width)})`);
      };
      // A scope not consented to yet, so the consent page comes.
      const r = request({ scope: 'openid profile' });
      await page.goto(oidc.buildAuthorizationUrl(cfg, await r.params()).href);
      await check('login page');
      const bg = await page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
      assert.equal(bg, colorScheme === 'dark' ? 'rgb(18, 19, 22)' : 'rgb(244, 245, 247)');
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      await check('login page with an error');
      await fillLogin(page);
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      await check('consent page');
      await page.goto(
        `${server.url}/authorize?client_id=third&redirect_uri=https%3A%2F%2Fevil.example%2F`,
      );
      await check('error page');
      await page.goto(`${server.url}/end-session?client_id=third`);
      await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
      await check('logout page');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
      await check('signed-out page');
      assert.deepEqual(cspErrors, [], 'the pages load nothing the CSP blocks');
      await ctx.close();
    }
  },
);
