// A second, independent relying party: Auth.js (@auth/express) with a generic OIDC provider
// entry pointed at a real issuer on 127.0.0.1. Chromium clicks Auth.js's own sign-in page, fills
// the issuer's login form and lands back on an Express app that shows the session user.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExpressAuth, getSession, type ExpressAuthConfig } from '@auth/express';
import express from 'express';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { decodeJwt } from '@tessera/jose';
import { createClient } from '../clients.js';
import { escapeHtml } from '../pages/html.js';
import { createPasswordHasher } from '../passwords.js';
import { startServer, type RunningServer } from '../server.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { TEST_ARGON2 } from '../test-support/harness.js';
import { createUser } from '../users.js';

const skip = CHROMIUM_SKIP;
const PASSWORD = 'correct horse battery staple';
/** Every spelling of the password a request could carry it in. */
const PASSWORD_FORMS = [
  PASSWORD,
  encodeURIComponent(PASSWORD),
  new URLSearchParams({ p: PASSWORD }).toString().slice(2),
];
const CALLBACK = '/auth/callback/tessera';

let dir: string;
let issuer: RunningServer;
let browser: Browser;
let appServer: Server;
let app: string; // the Auth.js app's origin
let userId: string;
let secret: string;

/** What Auth.js handed its jwt callback at sign-in: the validated ID token claims and tokens. */
interface SignedIn {
  profile: Record<string, unknown>;
  account: Record<string, unknown>;
}
const signIns: SignedIn[] = [];
/** Auth.js's logger.error, so refusals can be told apart (and nothing is printed). */
const authErrors: Error[] = [];

function authConfig(clientSecret: string, thirdSecret: string): ExpressAuthConfig {
  return {
    secret: randomBytes(32).toString('hex'),
    trustHost: true,
    providers: [
      {
        id: 'tessera',
        name: 'Tessera',
        type: 'oidc',
        issuer: issuer.url,
        clientId: 'authjs',
        clientSecret,
        // Auth.js's default for an OIDC provider is PKCE alone; this entry turns on all three.
        checks: ['pkce', 'state', 'nonce'],
      },
      {
        // Auth.js's defaults as they come (PKCE only), for a third-party client.
        id: 'tessera-third',
        name: 'Tessera (third party)',
        type: 'oidc',
        issuer: issuer.url,
        clientId: 'authjs-third',
        clientSecret: thirdSecret,
      },
    ],
    callbacks: {
      jwt({ token, profile, account }) {
        if (profile !== undefined && account !== undefined && account !== null) {
          signIns.push({
            profile: profile as Record<string, unknown>,
            account: account as unknown as Record<string, unknown>,
          });
          return { ...token, sub: String(profile.sub), sid: profile['sid'] };
        }
        return token;
      },
      session({ session, token }) {
        return {
          ...session,
          user: { ...session.user, id: String(token.sub) },
          sid: token['sid'],
        };
      },
    },
    logger: {
      error: (e) => authErrors.push(e),
      warn: () => {},
      debug: () => {},
    },
  };
}

function buildRelyingParty(config: ExpressAuthConfig): express.Express {
  const rp = express();
  rp.use('/auth', ExpressAuth(config));
  rp.get('/', (_req, res) => {
    res.type('html').send('<!doctype html><title>App</title><a href="/protected">Profile</a>');
  });
  // The protected page: the session user, or off to Auth.js's sign-in page.
  rp.get('/protected', async (req, res) => {
    const session = await getSession(req, config);
    if (session?.user === undefined) {
      res.redirect('/auth/signin?callbackUrl=%2Fprotected');
      return;
    }
    const u = session.user as { id?: string; name?: string; email?: string };
    const sid = String((session as { sid?: unknown }).sid);
    res
      .type('html')
      .send(
        `<!doctype html><title>Profile</title><h1>Signed in</h1><dl>` +
          `<dt>sub</dt><dd data-claim="sub">${escapeHtml(String(u.id))}</dd>` +
          `<dt>name</dt><dd data-claim="name">${escapeHtml(String(u.name))}</dd>` +
          `<dt>email</dt><dd data-claim="email">${escapeHtml(String(u.email))}</dd>` +
          `<dt>sid</dt><dd data-claim="sid">${escapeHtml(sid)}</dd></dl>` +
          `<a href="/auth/signout">Sign out</a>`,
      );
  });
  return rp;
}

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'tessera-authjs-'));
  issuer = await startServer({ port: 0, dataDir: dir, argon2: TEST_ARGON2 });
  // The app's port first: its callback is the client's registered redirect URI.
  appServer = createServer();
  await new Promise<void>((r) => appServer.listen(0, '127.0.0.1', r));
  app = `http://127.0.0.1:${(appServer.address() as { port: number }).port}`;
  userId = (
    await createUser(
      { store: issuer.store, hasher: createPasswordHasher(TEST_ARGON2) },
      {
        username: 'alice',
        password: PASSWORD,
        email: 'alice@example.com',
        emailVerified: true,
        name: 'Alice',
      },
    )
  ).id;
  const deps = { store: issuer.store, defaultAudience: 'api' };
  secret = (
    await createClient(deps, {
      name: 'Auth.js app',
      clientId: 'authjs',
      firstParty: true,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [`${app}${CALLBACK}`],
    })
  ).clientSecret!;
  const thirdSecret = (
    await createClient(deps, {
      name: 'Photo Printer',
      clientId: 'authjs-third',
      redirectUris: [`${app}/auth/callback/tessera-third`],
    })
  ).clientSecret!;
  appServer.on('request', buildRelyingParty(authConfig(secret, thirdSecret)));
  browser = await launchChromium();
});
after(async () => {
  if (skip !== false) return;
  await browser?.close();
  appServer?.closeAllConnections();
  await new Promise((r) => appServer?.close(r));
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** Every request Chromium sends, with headers and body. */
function recordRequests(page: Page): Seen[] {
  const seen: Seen[] = [];
  page.on('request', (r) => {
    const s: Seen = {
      url: r.url(),
      method: r.method(),
      headers: r.headers(),
      body: r.postData() ?? '',
    };
    seen.push(s);
    // With the cookie headers too (headers() leaves them out).
    void r.allHeaders().then(
      (h) => (s.headers = h),
      () => {},
    );
  });
  return seen;
}

const carriesPassword = (s: Seen) =>
  PASSWORD_FORMS.some(
    (p) => s.url.includes(p) || s.body.includes(p) || JSON.stringify(s.headers).includes(p),
  );

/** Open the protected page, click Auth.js's sign-in button, stop on the issuer's login form. */
async function startSignIn(page: Page, button = 'Sign in with Tessera'): Promise<void> {
  await page.goto(`${app}/protected`);
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.waitForURL((u) => u.origin === issuer.url);
}

async function fillLogin(page: Page): Promise<void> {
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function claimsOnPage(page: Page): Promise<Record<string, string>> {
  await page.getByRole('heading', { name: 'Signed in' }).waitFor();
  const out: Record<string, string> = {};
  for (const name of ['sub', 'name', 'email', 'sid'])
    out[name] = (await page.locator(`[data-claim="${name}"]`).textContent()) ?? '';
  return out;
}

/** The Auth.js session as its own endpoint reports it (null when signed out). */
async function authSession(ctx: BrowserContext): Promise<Record<string, unknown> | null> {
  const r = await ctx.request.get(`${app}/auth/session`);
  assert.equal(r.status(), 200);
  return (await r.json()) as Record<string, unknown> | null;
}

/** Auth.js's short-lived check cookies (state, PKCE verifier, nonce) as the browser holds them. */
async function checkCookies(ctx: BrowserContext): Promise<Cookie[]> {
  return (await ctx.cookies(app)).filter((c) =>
    /^authjs\.(state|pkce\.code_verifier|nonce)$/.test(c.name),
  );
}

test(
  'Auth.js (@auth/express), generic OIDC provider: Chromium signs in through the issuer; the session user is ours, the ID token carried our sub and sid, the app never saw the password; sign out',
  { skip, timeout: 120_000 },
  async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const seen = recordRequests(page);
    const signInsBefore = signIns.length;
    await startSignIn(page);
    // The button on Auth.js's sign-in page posts its CSRF token.
    const signInPost = seen.find((s) => s.url === `${app}/auth/signin/tessera`)!;
    assert.equal(signInPost.method, 'POST');
    assert.match(signInPost.body, /(^|&)csrfToken=[^&]+/);
    const authorizeRequest = seen.find((s) => new URL(s.url).pathname === '/authorize')!;
    const asked = new URL(authorizeRequest.url).searchParams;
    // Auth.js asked for what it should: code flow, S256 PKCE, state, nonce, our callback.
    assert.equal(asked.get('response_type'), 'code');
    assert.equal(asked.get('client_id'), 'authjs');
    assert.equal(asked.get('redirect_uri'), `${app}${CALLBACK}`);
    assert.equal(asked.get('scope'), 'openid profile email');
    assert.equal(asked.get('code_challenge_method'), 'S256');
    assert.ok(asked.get('state') && asked.get('nonce'));
    await fillLogin(page);
    await page.waitForURL(`${app}/protected`);

    // The page the app renders from its Auth.js session.
    const shown = await claimsOnPage(page);
    assert.equal(shown['sub'], userId);
    assert.equal(shown['name'], 'Alice');
    assert.equal(shown['email'], 'alice@example.com');

    // What Auth.js's jwt callback received: the ID token claims it validated (signature, iss,
    // aud, exp, nonce) — our sub, our sid, the nonce it sent.
    assert.equal(signIns.length, signInsBefore + 1);
    const { profile, account } = signIns.at(-1)!;
    assert.equal(profile['iss'], issuer.url);
    assert.equal(profile['aud'], 'authjs');
    assert.equal(profile['sub'], userId);
    assert.equal(profile['nonce'], asked.get('nonce'));
    assert.equal(typeof profile['sid'], 'string');
    assert.equal(shown['sid'], profile['sid'], 'the session carries the ID token sid');
    assert.equal(decodeJwt(String(account['id_token'])).sid, profile['sid']);
    assert.equal(decodeJwt(String(account['access_token'])).sid, profile['sid']);
    assert.equal(account['provider'], 'tessera');
    assert.equal(account['providerAccountId'], userId);
    const session = await authSession(ctx);
    assert.deepEqual(
      {
        user: session?.['user'],
        sid: session?.['sid'],
      },
      { user: { name: 'Alice', email: 'alice@example.com', id: userId }, sid: profile['sid'] },
    );

    // The code came back to the app (with RFC 9207 iss); the password went to the issuer only.
    const callback = seen.find((s) => s.url.startsWith(`${app}${CALLBACK}?`))!;
    assert.equal(new URL(callback.url).searchParams.get('iss'), issuer.url);
    const toApp = seen.filter((s) => s.url.startsWith(`${app}/`));
    assert.ok(toApp.length >= 4, 'the recorder saw the app requests');
    assert.deepEqual(
      toApp.filter(carriesPassword),
      [],
      'no request to the app carried the password',
    );
    const toIssuer = seen.filter((s) => s.url.startsWith(`${issuer.url}/`));
    assert.equal(toIssuer.filter(carriesPassword).length, 1, 'the login form post, exactly once');
    assert.equal(new URL(toIssuer.find(carriesPassword)!.url).pathname, '/authorize/login');

    // Sign out on Auth.js's own sign-out page (a CSRF-protected POST).
    await page.goto(`${app}/auth/signout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.origin === app && !u.pathname.startsWith('/auth/signout'));
    assert.equal(await authSession(ctx), null);
    await page.goto(`${app}/protected`);
    await page.waitForURL((u) => u.pathname === '/auth/signin');
    await ctx.close();
  },
);

test(
  'Auth.js, third-party client with Auth.js defaults (PKCE only): the consent page, Allow, signed in',
  { skip, timeout: 120_000 },
  async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const seen = recordRequests(page);
    await startSignIn(page, 'Sign in with Tessera (third party)');
    const asked = new URL(seen.find((s) => new URL(s.url).pathname === '/authorize')!.url)
      .searchParams;
    assert.equal(asked.get('code_challenge_method'), 'S256');
    assert.deepEqual([asked.get('state'), asked.get('nonce')], [null, null], 'Auth.js defaults');
    await fillLogin(page);
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    assert.match(await page.content(), /Photo Printer/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${app}/protected`);
    const shown = await claimsOnPage(page);
    assert.equal(shown['sub'], userId);
    assert.equal(shown['email'], 'alice@example.com');
    const { profile, account } = signIns.at(-1)!;
    assert.equal(profile['aud'], 'authjs-third');
    assert.equal(account['provider'], 'tessera-third');
    assert.equal(
      account['refresh_token'],
      undefined,
      'a third-party client without offline_access',
    );
    await ctx.close();
  },
);

/**
 * Sign in up to the issuer's redirect back, and hold that callback before it reaches the app: the
 * login form's answer is fetched without following its redirect, and its Location kept.
 */
async function heldCallback(ctx: BrowserContext, page: Page): Promise<URL> {
  let held: URL | undefined;
  await page.route(`${issuer.url}/authorize/login`, async (route) => {
    const answer = await route.fetch({ maxRedirects: 0 });
    held = new URL(answer.headers()['location']!);
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<title>held</title>' });
  });
  await startSignIn(page);
  await fillLogin(page);
  await page.waitForFunction(() => document.title === 'held');
  await page.unrouteAll();
  assert.ok(held !== undefined && held.href.startsWith(`${app}${CALLBACK}?`));
  assert.ok(held.searchParams.get('code'));
  assert.equal((await checkCookies(ctx)).length, 3);
  return held;
}

/** The messages of an error and its causes (Auth.js wraps: CallbackRouteError → cause.err). */
function causes(e: unknown): string {
  const out: string[] = [];
  type Link = { name?: string; message?: string; error?: unknown; cause?: unknown };
  for (let x = e as Link | undefined; x;) {
    // oauth4webapi's ResponseBodyError carries the token endpoint's `error` code.
    out.push(`${x.name}: ${x.message}${typeof x.error === 'string' ? ` (${x.error})` : ''}`);
    const c = x.cause as { err?: unknown } | undefined;
    x = (c instanceof Error ? c : c?.err) as typeof x;
  }
  return out.join(' <- ');
}

/** Auth.js refused: its error page, no session, and the causes it logged. */
async function refused(ctx: BrowserContext, page: Page, url: string): Promise<string> {
  const errorsBefore = authErrors.length;
  await page.goto(url);
  await page.waitForURL((u) => u.pathname === '/auth/error');
  assert.equal(await authSession(ctx), null);
  const logged = authErrors.slice(errorsBefore);
  assert.equal(logged.length, 1);
  return causes(logged[0]);
}

test(
  'refusal: Auth.js refuses a callback with a tampered state, and the code is not spent',
  {
    skip,
    timeout: 120_000,
  },
  async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const held = await heldCallback(ctx, page);
    const tampered = new URL(held);
    tampered.searchParams.set('state', `${held.searchParams.get('state')!}x`);
    assert.match(
      await refused(ctx, page, tampered.href),
      /OperationProcessingError: unexpected "state" response parameter value/,
    );
    // Refused before the code left the app: the genuine callback still signs in.
    await page.goto(held.href);
    await page.waitForURL(`${app}/protected`);
    assert.equal((await claimsOnPage(page))['sub'], userId);
    await ctx.close();
  },
);

test(
  'refusal: Auth.js refuses a callback with a state it never issued (no check cookies)',
  {
    skip,
    timeout: 120_000,
  },
  async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const forged = new URL(`${app}${CALLBACK}`);
    forged.search = new URLSearchParams({
      code: randomBytes(32).toString('base64url'),
      state: randomBytes(16).toString('base64url'),
      iss: issuer.url,
    }).toString();
    assert.match(await refused(ctx, page, forged.href), /state cookie was missing/);
    await ctx.close();
  },
);

test(
  'refusal: a replayed callback is refused by Auth.js; replayed with the stolen check cookies, the issuer refuses the code and revokes what it issued',
  { skip, timeout: 120_000 },
  async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const held = await heldCallback(ctx, page);
    const stolen = await checkCookies(ctx);
    await page.goto(held.href);
    await page.waitForURL(`${app}/protected`);
    const { account } = signIns.at(-1)!;
    const accessToken = String(account['access_token']);
    const refreshToken = String(account['refresh_token']);
    assert.ok(refreshToken.length > 0, 'a first-party client gets a refresh token');

    // The same browser again: Auth.js consumed its check cookies, so it refuses on its own.
    await ctx.clearCookies();
    assert.match(await refused(ctx, page, held.href), /state cookie was missing/);

    // Another browser holding the check cookies of the first (an attacker who copied them):
    // Auth.js passes its checks and sends the code, and the issuer refuses a second use.
    const thief = await browser.newContext();
    await thief.addCookies(stolen);
    const thiefPage = await thief.newPage();
    const cause = await refused(thief, thiefPage, held.href);
    assert.match(cause, /CallbackRouteError: .* <- ResponseBodyError: .*\(invalid_grant\)/);
    const replays = await issuer.store.listAuditEvents(5, 'authorization.code_replayed');
    assert.equal(replays.length, 1, 'the issuer saw the code a second time');
    // …and revoked what the first exchange issued (RFC 6749 §4.1.2).
    const refresh = await fetch(`${issuer.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`authjs:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    assert.equal(refresh.status, 400);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');
    const jti = String(decodeJwt(accessToken).jti);
    assert.equal(await issuer.store.isRevoked('jti', jti, Math.floor(Date.now() / 1000)), true);
    await thief.close();
    await ctx.close();
  },
);
