import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { decodeJwt } from '@tessera/jose';
import { ACR } from '../browser-sessions.js';
import { createClient } from '../clients.js';
import { createPasswordHasher } from '../passwords.js';
import { freePort, startServer, type RunningServer } from '../server.js';
import { axeViolations } from '../test-support/axe.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { countAuditEvents, TEST_ARGON2 } from '../test-support/harness.js';
import { startRecordingServer, type RecordingServer } from '../test-support/relying-party.js';
import {
  addVirtualAuthenticator,
  craftAssertion,
  type VirtualAuthenticator,
} from '../test-support/virtual-authenticator.js';
import { createUser } from '../users.js';

const skip = CHROMIUM_SKIP;
const PASSWORD = 'correct horse battery staple';
let dir: string;
let server: RunningServer;
let rp: RecordingServer;
let browser: Browser;
let clientSecret: string;
let origin: string;
let kek: string;
let port: number;
const users: Record<string, string> = {};
// The issuer's clock: real time plus an offset the expiry test moves.
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'tessera-passkey-browser-'));
  rp = await startRecordingServer();
  // WebAuthn needs a domain as RP ID (an IP address is none): the issuer is http://localhost,
  // which browsers treat as a secure context; the server listens on 127.0.0.1.
  port = await freePort('127.0.0.1');
  kek = randomBytes(32).toString('hex');
  origin = `http://localhost:${port}`;
  server = await startServer({
    port,
    issuer: origin,
    dataDir: dir,
    argon2: TEST_ARGON2,
    kek,
    passkeys: { ceremonyTtl: 60 },
    now,
  });
  const hasher = createPasswordHasher(TEST_ARGON2);
  for (const username of ['alice', 'bob', 'carol', 'dave']) {
    await createUser({ store: server.store, hasher }, { username, password: PASSWORD });
    users[username] = (await server.store.findUserByUsername(username))!.id;
  }
  clientSecret = (
    await createClient(
      { store: server.store, defaultAudience: 'api' },
      { name: 'Web app', clientId: 'web', firstParty: true, redirectUris: [`${rp.origin}/cb`] },
    )
  ).clientSecret!;
  browser = await launchChromium();
});
after(async () => {
  if (skip !== false) return;
  await browser?.close();
  await server?.close();
  await rp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rpConfig() {
  return oidc.discovery(new URL(server.url), 'web', clientSecret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
}

/**
 * Open the login page of a fresh authorization request (`waitForLogin` false: the page may sign
 * in by itself through conditional mediation); `finish` redeems the code.
 */
async function openLogin(page: Page, waitForLogin = true) {
  const cfg = await rpConfig();
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(cfg, {
    redirect_uri: `${rp.origin}/cb`,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  await page.goto(url.href);
  if (waitForLogin) await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  return {
    finish: async () => {
      await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/cb');
      return oidc.authorizationCodeGrant(cfg, new URL(page.url()), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
    },
  };
}

async function password(page: Page, username: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function noAxeViolations(page: Page, name: string) {
  assert.deepEqual(await axeViolations(page), [], name);
}

/** A browser with its own virtual authenticator; each user registers a passkey once. */
interface Device {
  ctx: BrowserContext;
  page: Page;
  auth: VirtualAuthenticator;
  cspErrors: string[];
}
const devices: Record<string, Device> = {};

async function device(username: string, synced = false): Promise<Device> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  const auth = await addVirtualAuthenticator(ctx, page, { synced });
  return (devices[username] = { ctx, page, auth, cspErrors });
}

/** A second page of the same device: its own virtual authenticator holding the same credentials. */
async function addVirtualAuthenticatorClone(d: Device, page: Page): Promise<VirtualAuthenticator> {
  const auth = await addVirtualAuthenticator(d.ctx, page);
  for (const credential of await d.auth.credentials())
    await auth.cdp.send('WebAuthn.addCredential', { authenticatorId: auth.id, credential });
  return auth;
}

async function register(username: string, synced = false): Promise<Device> {
  const d = await device(username, synced);
  const flow = await openLogin(d.page);
  await password(d.page, username);
  await d.page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
  await noAxeViolations(d.page, 'passkey offer page');
  await d.page.getByRole('button', { name: 'Add a passkey' }).click();
  const tokens = await flow.finish();
  assert.deepEqual(tokens.claims()!.amr, ['pwd'], 'the sign-in itself was the password');
  await d.ctx.clearCookies();
  return d;
}

test(
  'register after a password sign-in: the passkey is stored (counter, transports, backup flags, user), audited without key material',
  { skip },
  async () => {
    const d = await register('alice');
    const rows = await server.store.listWebauthnCredentials(users['alice']!);
    assert.equal(rows.length, 1);
    const [row] = rows;
    const [virtual] = await d.auth.credentials();
    assert.equal(row!.id, Buffer.from(virtual!.credentialId, 'base64').toString('base64url'));
    assert.equal(virtual!.isResidentCredential, true, 'a discoverable credential');
    assert.equal(
      Buffer.from(virtual!.userHandle!, 'base64').toString('utf8'),
      users['alice'],
      'the user handle is the opaque user id, not the username',
    );
    assert.deepEqual(JSON.parse(row!.transports), ['internal']);
    assert.equal(row!.backup_eligible, 0);
    assert.equal(row!.backup_state, 0);
    assert.equal(row!.counter, virtual!.signCount);
    assert.equal(row!.last_used_at, null);
    const [audit] = await server.store.listAuditEvents(1, 'passkey.registered');
    assert.equal(audit!.subject, users['alice']);
    assert.doesNotMatch(audit!.detail ?? '', new RegExp(row!.public_key.slice(0, 20)));
    assert.deepEqual(d.cspErrors, []);
  },
);

/** The server-side time of the passkey POST: request sent to first byte back, over loopback. */
function serverMs(response: Response): number {
  const t = response.request().timing();
  return t.responseStart - t.requestStart;
}

const passkeyPost = (page: Page, path = '/authorize/passkey') =>
  page.waitForResponse((r) => r.url() === `${origin}${path}` && r.request().method() === 'POST');

async function checkPasskeyTokens(
  tokens: Awaited<ReturnType<Awaited<ReturnType<typeof openLogin>>['finish']>>,
  amr: string[],
) {
  const claims = tokens.claims()!;
  assert.deepEqual(claims.amr, amr);
  assert.equal(claims.acr, ACR.mfa);
  assert.ok(Math.abs(Number(claims.auth_time) - Math.floor(now() / 1000)) < 30);
  const at = decodeJwt(tokens.access_token);
  assert.deepEqual(at['amr'], amr);
  assert.equal(at['acr'], ACR.mfa);
}

test(
  'sign in with a passkey and no password, through conditional mediation (the username field offers it): openid-client sees amr ["hwk","mfa"] and the mfa acr; the counter advances',
  { skip },
  async () => {
    const d = devices['alice']!;
    const before = (await server.store.listWebauthnCredentials(users['alice']!))[0]!;
    const posted = passkeyPost(d.page);
    // Chromium's virtual authenticator answers a conditional request at once: the page signs in
    // without a click, as a user picking the passkey from the autofill list would.
    const flow = await openLogin(d.page, false);
    const response = await posted;
    console.log(
      `passkey sign-in, server-side ms (timing under load): ${serverMs(response).toFixed(1)}`,
    );
    const sent = JSON.parse(new URLSearchParams(response.request().postData()!).get('credential')!);
    assert.equal(sent.type, 'public-key');
    await checkPasskeyTokens(await flow.finish(), ['hwk', 'mfa']);
    const afterRow = (await server.store.listWebauthnCredentials(users['alice']!))[0]!;
    assert.ok(afterRow.counter > before.counter, 'the stored counter advanced');
    assert.notEqual(afterRow.last_used_at, null);
    assert.equal(
      await countAuditEvents(server.store, 'login.succeeded', (r) =>
        (r.detail ?? '').includes('"via":"passkey"'),
      ),
      1,
    );
    await d.ctx.clearCookies();
  },
);

test(
  'a browser without conditional mediation: the login page (autocomplete "username webauthn", axe-clean) signs in with the passkey button',
  { skip },
  async () => {
    const d = devices['alice']!;
    const page = await d.ctx.newPage();
    await addVirtualAuthenticatorClone(d, page);
    await page.addInitScript('delete PublicKeyCredential.isConditionalMediationAvailable');
    const flow = await openLogin(page);
    assert.equal(
      await page.getByLabel('Username').getAttribute('autocomplete'),
      'username webauthn',
    );
    await noAxeViolations(page, 'login page with passkeys');
    const posted = passkeyPost(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const response = await posted;
    console.log(
      `passkey sign-in (button), server-side ms (timing under load): ${serverMs(response).toFixed(1)}`,
    );
    await checkPasskeyTokens(await flow.finish(), ['hwk', 'mfa']);
    await page.close();
    await d.ctx.clearCookies();
  },
);

/** A browser page without an authenticator: the login page waits, so the test can answer it. */
async function plainPage(): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext();
  return { ctx, page: await ctx.newPage() };
}

interface Ceremony {
  interaction: string;
  csrf: string;
  challenge: string;
}

/** The interaction, CSRF token and challenge of the passkey form on the current page. */
function ceremonyOf(page: Page): Promise<Ceremony> {
  return page.evaluate(() => {
    const f = document.querySelector('form[data-passkey]') as HTMLFormElement;
    const field = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    return {
      interaction: field('interaction'),
      csrf: field('csrf'),
      challenge: (JSON.parse(f.dataset['options']!) as { challenge: string }).challenge,
    };
  });
}

/** POST a credential for `c` from the browser context (its cookies), over real HTTP. */
async function postCredential(
  ctx: BrowserContext,
  c: Ceremony,
  credential: string,
  path = '/authorize/passkey',
) {
  const res = await ctx.request.post(`${origin}${path}`, {
    form: { interaction: c.interaction, csrf: c.csrf, credential },
    maxRedirects: 0,
  });
  return { status: res.status(), body: await res.text(), location: res.headers()['location'] };
}

async function aliceKey() {
  const [credential] = await devices['alice']!.auth.credentials();
  const row = (await server.store.listWebauthnCredentials(users['alice']!))[0]!;
  return { credential: credential!, row };
}

/** How many `passkey.refused` events name `why` (repeats share a row, with a count). */
function refusals(why: string): Promise<number> {
  return countAuditEvents(server.store, 'passkey.refused', (r) =>
    (r.detail ?? '').includes(`"why":"${why}"`),
  );
}

/** Run `post` and check it added exactly one audited refusal `why`. */
async function refusedAs<T>(why: string, post: () => Promise<T>, name = why): Promise<T> {
  const before = await refusals(why);
  const out = await post();
  assert.equal(await refusals(why), before + 1, `${name}: audited as ${why}`);
  return out;
}

test(
  'crafted answers signed with the real passkey: the right one signs in; another origin, another RP ID, a foreign or spent challenge, an unknown credential, another user handle, no user verification are refused by type, with nothing stored',
  { skip },
  async () => {
    const { ctx, page } = await plainPage();
    await openLogin(page);
    const { credential, row } = await aliceKey();
    const good = { credential, origin, rpId: 'localhost' };
    let c = await ceremonyOf(page);
    const cases: [string, (ch: string) => string, number, string][] = [
      [
        'wrong origin',
        (ch) =>
          craftAssertion({
            ...good,
            challenge: ch,
            origin: 'http://localhost:9',
            signCount: row.counter + 1,
          }),
        401,
        'wrong_origin',
      ],
      [
        'wrong RP ID',
        (ch) =>
          craftAssertion({
            ...good,
            challenge: ch,
            rpId: 'example.com',
            signCount: row.counter + 1,
          }),
        401,
        'wrong_rp_id',
      ],
      [
        'foreign challenge',
        () =>
          craftAssertion({
            ...good,
            challenge: randomBytes(32).toString('base64url'),
            signCount: row.counter + 1,
          }),
        401,
        'wrong_challenge',
      ],
      [
        'unknown credential',
        (ch) =>
          craftAssertion({
            ...good,
            credential: { ...credential, credentialId: randomBytes(16).toString('base64') },
            challenge: ch,
            signCount: row.counter + 1,
          }),
        401,
        'unknown_credential',
      ],
      [
        'another user handle',
        (ch) =>
          craftAssertion({
            ...good,
            challenge: ch,
            signCount: row.counter + 1,
            userHandle: Buffer.from(users['bob']!).toString('base64url'),
          }),
        401,
        'wrong_user',
      ],
      [
        'no user handle',
        (ch) =>
          craftAssertion({ ...good, challenge: ch, signCount: row.counter + 1, userHandle: null }),
        401,
        'wrong_user',
      ],
      [
        'no user verification',
        (ch) => craftAssertion({ ...good, challenge: ch, signCount: row.counter + 1, flags: 0x01 }),
        401,
        'user_not_verified',
      ],
      [
        'bad signature',
        (ch) =>
          craftAssertion({ ...good, challenge: ch, signCount: row.counter + 1 }).replace(
            /"signature":"[A-Za-z0-9_-]{8}/,
            '"signature":"MEUCIQD_',
          ),
        401,
        'bad_signature',
      ],
      [
        'registration type',
        (ch) =>
          craftAssertion({
            ...good,
            challenge: ch,
            signCount: row.counter + 1,
            type: 'webauthn.create',
          }),
        400,
        'wrong_type',
      ],
    ];
    for (const [name, make, status, why] of cases) {
      const r = await refusedAs(why, () => postCredential(ctx, c, make(c.challenge)), name);
      assert.equal(r.status, status, name);
      assert.match(r.body, /role="alert"/, name);
      await page.setContent(r.body.replace('<head>', `<head><base href="${origin}/">`));
      c = await ceremonyOf(page);
    }
    // A challenge spent by another node (or a concurrent post): the ceremony is single use.
    await server.store.consumeAuthorizationRequest(
      createHash('sha256').update(`webauthn:${c.challenge}`).digest('base64url'),
      Math.floor(now() / 1000),
    );
    const replay = await refusedAs('replayed', () =>
      postCredential(
        ctx,
        c,
        craftAssertion({ ...good, challenge: c.challenge, signCount: row.counter + 1 }),
      ),
    );
    assert.equal(replay.status, 401);
    await page.setContent(replay.body);
    c = await ceremonyOf(page);
    // The old page's interaction is spent too: a post on it is refused before any check.
    const stale = await postCredential(
      ctx,
      { ...c, interaction: randomBytes(32).toString('base64url') },
      '{}',
    );
    assert.equal(stale.status, 400);
    const unchanged = (await server.store.listWebauthnCredentials(users['alice']!))[0]!;
    assert.equal(unchanged.counter, row.counter, 'no refusal moved the counter');
    assert.equal(unchanged.last_used_at, row.last_used_at);
    // The same hand-made answer, right this time, signs in: the refusals were about the changes.
    const ok = await postCredential(
      ctx,
      c,
      craftAssertion({ ...good, challenge: c.challenge, signCount: row.counter + 1 }),
    );
    assert.equal(ok.status, 303);
    assert.equal(new URL(ok.location!).origin, rp.origin);
    assert.equal(
      (await server.store.listWebauthnCredentials(users['alice']!))[0]!.counter,
      row.counter + 1,
    );
    await devices['alice']!.auth.setSignCount(credential.credentialId, row.counter + 1);
    await ctx.close();
  },
);

test(
  'malformed and oversized answers: 400 with a typed refusal, nothing stored',
  { skip },
  async () => {
    const { ctx, page } = await plainPage();
    await openLogin(page);
    const { credential, row } = await aliceKey();
    let c = await ceremonyOf(page);
    const valid = (ch: string) =>
      JSON.parse(
        craftAssertion({
          credential,
          origin,
          rpId: 'localhost',
          challenge: ch,
          signCount: row.counter + 1,
        }),
      ) as Record<string, any>;
    const cases: [string, (ch: string) => string, string][] = [
      ['not JSON', () => '{"id":', 'malformed'],
      ['an array', () => '[]', 'malformed'],
      ['no response', (ch) => JSON.stringify({ ...valid(ch), response: undefined }), 'malformed'],
      ['rawId differs', (ch) => JSON.stringify({ ...valid(ch), rawId: 'AAAA' }), 'malformed'],
      [
        'not base64url',
        (ch) => {
          const v = valid(ch);
          v['response'].signature = 'a+b/c=';
          return JSON.stringify(v);
        },
        'malformed',
      ],
      [
        'client data not JSON',
        (ch) => {
          const v = valid(ch);
          v['response'].clientDataJSON = Buffer.from('{nope').toString('base64url');
          return JSON.stringify(v);
        },
        'malformed',
      ],
      [
        'short authenticator data',
        (ch) => {
          const v = valid(ch);
          v['response'].authenticatorData = 'AAAA';
          return JSON.stringify(v);
        },
        'malformed',
      ],
      [
        'oversized client data',
        (ch) =>
          craftAssertion({
            credential,
            origin,
            rpId: 'localhost',
            challenge: ch,
            signCount: row.counter + 1,
            clientDataExtra: { pad: 'x'.repeat(1100) },
          }),
        'oversized',
      ],
    ];
    for (const [name, make, why] of cases) {
      const r = await refusedAs(why, () => postCredential(ctx, c, make(c.challenge)), name);
      assert.equal(r.status, 400, name);
      await page.setContent(r.body);
      c = await ceremonyOf(page);
    }
    // Past the form's 4096-character cap the body is refused before it is read as a credential.
    const huge = await postCredential(ctx, c, 'x'.repeat(5000));
    assert.equal(huge.status, 400);
    const unchanged = (await server.store.listWebauthnCredentials(users['alice']!))[0]!;
    assert.equal(unchanged.counter, row.counter);
    await ctx.close();
  },
);

test(
  'an expired ceremony is refused (ceremonyTtl 60 s; the page itself is still valid)',
  { skip },
  async () => {
    const { ctx, page } = await plainPage();
    await openLogin(page);
    const { credential, row } = await aliceKey();
    const c = await ceremonyOf(page);
    offsetMs += 61_000;
    try {
      const r = await refusedAs('expired', () =>
        postCredential(
          ctx,
          c,
          craftAssertion({
            credential,
            origin,
            rpId: 'localhost',
            challenge: c.challenge,
            signCount: row.counter + 1,
          }),
        ),
      );
      assert.equal(r.status, 401);
      assert.match(r.body, /waited too long/);
    } finally {
      offsetMs -= 61_000;
    }
    assert.equal(
      (await server.store.listWebauthnCredentials(users['alice']!))[0]!.counter,
      row.counter,
    );
    await ctx.close();
  },
);

test(
  'a passkey as the second factor after the password: amr ["pwd","hwk","mfa"]; another user\'s passkey is refused there',
  { skip },
  async () => {
    await register('bob');
    const d = devices['alice']!;
    const page = await d.ctx.newPage();
    const auth = await addVirtualAuthenticatorClone(d, page);
    // No conditional request on this page: the password is typed.
    await page.addInitScript('delete PublicKeyCredential.isConditionalMediationAvailable');
    let flow = await openLogin(page);
    await password(page, 'alice');
    await page.getByRole('heading', { name: 'Use your passkey' }).waitFor();
    await noAxeViolations(page, 'passkey second-step page');
    // Bob's own passkey, signed by his authenticator, on Alice's second step.
    const [bobs] = await devices['bob']!.auth.credentials();
    const c = await ceremonyOf(page);
    const signedInBefore = await signIns('alice');
    const r = await refusedAs('wrong_user', () =>
      postCredential(
        d.ctx,
        c,
        craftAssertion({
          credential: bobs!,
          origin,
          rpId: 'localhost',
          challenge: c.challenge,
          signCount: bobs!.signCount + 1,
        }),
        '/authorize/passkey/second-factor',
      ),
    );
    assert.equal(r.status, 401);
    assert.match(r.body, /another account/);
    assert.equal(await signIns('alice'), signedInBefore, 'no sign-in for Alice');
    // Alice's own passkey, through the page.
    flow = await openLogin(page);
    await password(page, 'alice');
    await page.getByRole('heading', { name: 'Use your passkey' }).waitFor();
    await page.getByRole('button', { name: 'Use passkey' }).click();
    await checkPasskeyTokens(await flow.finish(), ['pwd', 'hwk', 'mfa']);
    await d.auth.setSignCount(
      (await d.auth.credentials())[0]!.credentialId,
      (await auth.credentials())[0]!.signCount,
    );
    await page.close();
    await d.ctx.clearCookies();
  },
);

/** How many sign-ins of `username` were audited. */
function signIns(username: string): Promise<number> {
  return countAuditEvents(server.store, 'login.succeeded', (r) => r.subject === users[username]);
}

/** The credential JSON of a registration with its client data changed by `patch`. */
function withClientData(credential: string, patch: Record<string, unknown>): string {
  const c = JSON.parse(credential) as { response: { clientDataJSON: string } };
  const data = JSON.parse(Buffer.from(c.response.clientDataJSON, 'base64url').toString('utf8'));
  c.response.clientDataJSON = Buffer.from(JSON.stringify({ ...data, ...patch })).toString(
    'base64url',
  );
  return JSON.stringify(c);
}

test(
  'registration: "Not now" goes on to the client; a real registration answer changed in its client data (origin, type, challenge, size) or attestation is refused by type and stores nothing; unchanged it is stored',
  { skip },
  async () => {
    const d = await device('carol');
    let flow = await openLogin(d.page);
    await password(d.page, 'carol');
    await d.page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    await d.page.getByRole('button', { name: 'Not now' }).click();
    assert.deepEqual((await flow.finish()).claims()!.amr, ['pwd']);
    await d.ctx.clearCookies();

    flow = await openLogin(d.page);
    await password(d.page, 'carol');
    await d.page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    let c = await ceremonyOf(d.page);
    // Catch the browser's answer instead of letting it reach the issuer.
    let captured: string | undefined;
    await d.page.route(`${origin}/authorize/passkey/register`, async (route) => {
      captured = new URLSearchParams(route.request().postData()!).get('credential')!;
      await route.abort();
    });
    await d.page.getByRole('button', { name: 'Add a passkey' }).click();
    for (let i = 0; captured === undefined && i < 100; i++) await d.page.waitForTimeout(50);
    assert.ok(captured !== undefined, 'the browser made a registration');
    const original = captured;
    const path = '/authorize/passkey/register';
    // With attestation "none" nothing signs the client data, so its challenge is set to each
    // page's own: every refusal below is about the one change.
    const cases: [string, (ch: string) => string, number, string][] = [
      [
        'another origin',
        (ch) => withClientData(original, { challenge: ch, origin: 'http://localhost:9' }),
        401,
        'wrong_origin',
      ],
      [
        'an assertion type',
        (ch) => withClientData(original, { challenge: ch, type: 'webauthn.get' }),
        400,
        'wrong_type',
      ],
      [
        'a foreign challenge',
        () => withClientData(original, { challenge: randomBytes(32).toString('base64url') }),
        401,
        'wrong_challenge',
      ],
      [
        'oversized client data',
        (ch) => withClientData(original, { challenge: ch, pad: 'x'.repeat(1100) }),
        400,
        'oversized',
      ],
      [
        'a broken attestation object',
        (ch) => {
          const j = JSON.parse(withClientData(original, { challenge: ch })) as {
            response: Record<string, string>;
          };
          j.response['attestationObject'] = 'oWNmbXQ';
          return JSON.stringify(j);
        },
        400,
        'malformed',
      ],
    ];
    for (const [name, make, status, why] of cases) {
      const r = await refusedAs(why, () => postCredential(d.ctx, c, make(c.challenge), path), name);
      assert.equal(r.status, status, name);
      assert.match(r.body, /Add a passkey/, `${name}: the offer again`);
      assert.equal((await server.store.listWebauthnCredentials(users['carol']!)).length, 0, name);
      await d.page.unroute(`${origin}${path}`);
      await d.page.setContent(r.body.replace('<head>', `<head><base href="${origin}/">`));
      c = await ceremonyOf(d.page);
    }
    const ok = await postCredential(
      d.ctx,
      c,
      withClientData(original, { challenge: c.challenge }),
      path,
    );
    assert.equal(ok.status, 303);
    assert.equal(new URL(ok.location!).origin, rp.origin);
    assert.equal((await server.store.listWebauthnCredentials(users['carol']!)).length, 1);
    await d.ctx.close();
  },
);

test(
  'a ceremony started on one issuer node is finished on another (challenges live in the store)',
  { skip },
  async () => {
    // A second node over the same SQLite file, same issuer and KEK, on its own port.
    const port2 = await freePort('127.0.0.1');
    const node2 = await startServer({
      port: port2,
      issuer: origin,
      dataDir: dir,
      argon2: TEST_ARGON2,
      kek,
      passkeys: { ceremonyTtl: 60 },
      now,
    });
    try {
      const { ctx, page } = await plainPage();
      await openLogin(page);
      const { credential, row } = await aliceKey();
      const c = await ceremonyOf(page);
      // Cookies of localhost are not per port: the browser's CSRF cookie goes to node 2 too.
      const res = await ctx.request.post(`http://localhost:${port2}/authorize/passkey`, {
        form: {
          interaction: c.interaction,
          csrf: c.csrf,
          credential: craftAssertion({
            credential,
            origin,
            rpId: 'localhost',
            challenge: c.challenge,
            signCount: row.counter + 1,
          }),
        },
        maxRedirects: 0,
      });
      assert.equal(res.status(), 303);
      assert.equal(new URL(res.headers()['location']!).origin, rp.origin);
      // Back on node 1 the same answer is spent.
      const again = await postCredential(
        ctx,
        c,
        craftAssertion({
          credential,
          origin,
          rpId: 'localhost',
          challenge: c.challenge,
          signCount: row.counter + 2,
        }),
      );
      assert.equal(again.status, 400);
      assert.equal(
        (await server.store.listWebauthnCredentials(users['alice']!))[0]!.counter,
        row.counter + 1,
      );
      await devices['alice']!.auth.setSignCount(credential.credentialId, row.counter + 1);
      await ctx.close();
    } finally {
      await node2.close();
    }
  },
);

test(
  'a synced passkey (backup eligible and backed up): stored with both flags, and its sign-in says amr ["swk","mfa"] (RFC 8176: a software-secured key)',
  { skip },
  async () => {
    const d = await register('dave', true);
    const [row] = await server.store.listWebauthnCredentials(users['dave']!);
    assert.equal(row!.backup_eligible, 1);
    assert.equal(row!.backup_state, 1);
    const posted = passkeyPost(d.page);
    const flow = await openLogin(d.page, false);
    assert.equal((await posted).status(), 303);
    await checkPasskeyTokens(await flow.finish(), ['swk', 'mfa']);
    await d.ctx.close();
  },
);

test(
  'a counter that went backwards (a cloned authenticator) is refused on the conditional sign-in; the page then waits for a click instead of answering again',
  { skip },
  async () => {
    const d = devices['alice']!;
    const [credential] = await d.auth.credentials();
    const stored = (await server.store.listWebauthnCredentials(users['alice']!))[0]!;
    assert.ok(stored.counter > 1);
    await d.auth.setSignCount(credential!.credentialId, 0);
    const before = await refusals('counter_regressed');
    const posted = passkeyPost(d.page);
    await openLogin(d.page, false);
    const response = await posted;
    assert.equal(response.status(), 401);
    await d.page.getByRole('alert').waitFor();
    assert.match(await d.page.getByRole('alert').innerText(), /old counter/);
    assert.equal(await refusals('counter_regressed'), before + 1, 'refused once, not again');
    assert.equal(
      await d.page.locator('form[data-passkey]').getAttribute('data-passkey'),
      'get',
      'no second conditional request after a refusal',
    );
    await noAxeViolations(d.page, 'login page with a passkey refusal');
    const after = (await server.store.listWebauthnCredentials(users['alice']!))[0]!;
    assert.equal(after.counter, stored.counter, 'the stored counter is unchanged');
    assert.deepEqual(d.cspErrors, []);
    await d.ctx.close();
  },
);
