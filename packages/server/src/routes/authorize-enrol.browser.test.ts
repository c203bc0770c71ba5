import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { ACR } from '../browser-sessions.js';
import { createClient } from '../clients.js';
import { createPasswordHasher } from '../passwords.js';
import { startServer, type RunningServer } from '../server.js';
import { axeViolations } from '../test-support/axe.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { TEST_ARGON2 } from '../test-support/harness.js';
import { startRecordingServer, type RecordingServer } from '../test-support/relying-party.js';
import { referenceTotp, stepOf } from '../test-support/totp-codes.js';
import { createUser } from '../users.js';

/**
 * TOTP enrolment on the hosted pages in a real Chromium (issue 16): a client with `mfa: required`
 * sends a user without a factor to the enrolment page after the password; the test reads the key
 * off the page as a user typing it into their app would, computes the code itself, and the next
 * sign-in asks for a code.
 */
const skip = CHROMIUM_SKIP;
const PASSWORD = 'correct horse battery staple';
let dir: string;
let server: RunningServer;
let rp: RecordingServer;
let browser: Browser;
let clientSecret: string;
// The issuer's clock, injected: real time plus an offset the test moves a whole step at a time.
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'tessera-enrol-browser-'));
  rp = await startRecordingServer();
  const kek = randomBytes(32).toString('hex');
  server = await startServer({ port: 0, dataDir: dir, argon2: TEST_ARGON2, kek, now });
  await createUser(
    { store: server.store, hasher: createPasswordHasher(TEST_ARGON2) },
    { username: 'alice', password: PASSWORD },
  );
  clientSecret = (
    await createClient(
      { store: server.store, defaultAudience: 'api' },
      {
        name: 'Web app',
        clientId: 'web',
        firstParty: true,
        redirectUris: [`${rp.origin}/cb`],
        mfa: 'required',
      },
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

/** openid-client's authorization request, the password form; `finish` redeems the code. */
async function signIn(page: Page, username: string) {
  const cfg = await oidc.discovery(new URL(server.url), 'web', clientSecret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
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
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return async () => {
    await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/cb');
    return oidc.authorizationCodeGrant(cfg, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
  };
}

/** The key for manual entry, as shown (groups of four), without its spaces. */
async function keyOnPage(page: Page): Promise<string> {
  await page.getByText('Cannot scan? Enter the key by hand').click();
  const shown = await page.locator('#totp-secret').innerText();
  assert.match(shown, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'grouped by four');
  return shown.replace(/ /g, '');
}

test(
  'required: Chromium enrols TOTP after the password (key read off the page, code computed by the test), gets the mfa acr, and the next sign-in asks for a code',
  { skip },
  async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    const finish = await signIn(page, 'alice');
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    assert.equal(await qr.evaluate((e) => e.tagName.toLowerCase()), 'svg', 'an inline SVG');
    assert.ok((await qr.boundingBox())!.width >= 150, 'drawn at a scannable size');
    const key = await keyOnPage(page);
    const code = page.getByLabel('Code from your app');
    assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
    await code.fill(referenceTotp(key, stepOf(now())));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    const codes = await page
      .getByRole('list', { name: 'Recovery codes' })
      .locator('li')
      .allInnerTexts();
    assert.equal(codes.length, 10);
    await page.getByRole('button', { name: 'I have saved them, continue' }).click();
    const tokens = await finish();
    assert.equal(tokens.claims()!.acr, ACR.mfa);
    assert.deepEqual(tokens.claims()!.amr, ['pwd', 'otp', 'mfa']);
    assert.deepEqual(cspErrors, [], 'the pages load nothing the CSP blocks');
    await ctx.close();

    // A new browser: the password, then the code from the key the test read.
    offsetMs += 30_000;
    const again = await browser.newContext();
    const page2 = await again.newPage();
    const finish2 = await signIn(page2, 'alice');
    await page2.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page2.getByLabel('Code', { exact: true }).fill(referenceTotp(key, stepOf(now())));
    await page2.getByRole('button', { name: 'Continue' }).click();
    const second = await finish2();
    assert.equal(second.claims()!.acr, ACR.mfa);
    await again.close();
  },
);

test(
  'the enrolment and recovery-code pages: no serious or critical axe-core violations, 400 px, light and dark',
  { skip },
  async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({
        viewport: { width: 400, height: 900 },
        colorScheme: scheme,
      });
      const page = await ctx.newPage();
      const check = async (name: string) => {
        assert.deepEqual(await axeViolations(page), [], `${name} (${scheme})`);
        const width = await page.evaluate('document.documentElement.scrollWidth');
        assert.ok(Number(width) <= 400, `${name} fits 400 px (${String(width)})`);
      };
      // A user of its own for each pass: after enrolling, a user gets the code page instead.
      const username = `carol-${scheme}`;
      await createUser(
        { store: server.store, hasher: createPasswordHasher(TEST_ARGON2) },
        { username, password: PASSWORD },
      );
      const finish = await signIn(page, username);
      await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
      await check('enrolment page');
      const key = await keyOnPage(page);
      await check('enrolment page, key shown');
      await page.getByLabel('Code from your app').fill('abc');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('alert').waitFor();
      await check('enrolment page with an error');
      await page.getByLabel('Code from your app').fill(referenceTotp(key, stepOf(now())));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
      await check('recovery codes');
      await page.getByRole('button', { name: 'I have saved them, continue' }).click();
      await finish();
      await ctx.close();
    }
  },
);
