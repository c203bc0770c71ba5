import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
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
  const port = await freePort('127.0.0.1');
  origin = `http://localhost:${port}`;
  server = await startServer({
    port,
    issuer: origin,
    dataDir: dir,
    argon2: TEST_ARGON2,
    kek: randomBytes(32).toString('hex'),
    passkeys: { ceremonyTtl: 60 },
    now,
  });
  const hasher = createPasswordHasher(TEST_ARGON2);
  for (const username of ['alice', 'bob']) {
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

async function device(username: string): Promise<Device> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  const auth = await addVirtualAuthenticator(ctx, page);
  return (devices[username] = { ctx, page, auth, cspErrors });
}

/** A second page of the same device: its own virtual authenticator holding the same credentials. */
async function addVirtualAuthenticatorClone(d: Device, page: Page): Promise<VirtualAuthenticator> {
  const auth = await addVirtualAuthenticator(d.ctx, page);
  for (const credential of await d.auth.credentials())
    await auth.cdp.send('WebAuthn.addCredential', { authenticatorId: auth.id, credential });
  return auth;
}

async function register(username: string): Promise<Device> {
  const d = await device(username);
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
