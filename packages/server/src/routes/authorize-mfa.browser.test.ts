import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { decodeJwt } from '@tessera/jose';
import { ACR } from '../browser-sessions.js';
import { createClient } from '../clients.js';
import { parseKek } from '../keys/kek.js';
import { confirmTotp, enrolTotp } from '../mfa/mfa-admin.js';
import { createPasswordHasher } from '../passwords.js';
import { startServer, type RunningServer } from '../server.js';
import { axeViolations } from '../test-support/axe.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { TEST_ARGON2 } from '../test-support/harness.js';
import { startRecordingServer, type RecordingServer } from '../test-support/relying-party.js';
import { referenceTotp, stepOf } from '../test-support/totp-codes.js';
import { createUser } from '../users.js';

const skip = CHROMIUM_SKIP;
const PASSWORD = 'correct horse battery staple';
let dir: string;
let server: RunningServer;
let rp: RecordingServer;
let browser: Browser;
let clientSecret: string;
let totpSecret: string;
let recoveryCodes: string[];
// The issuer's clock, injected; the test computes codes from it. Real time plus an offset that
// the test moves a whole step at a time, so each sign-in has a fresh code (and openid-client's
// own clock check still holds).
let offsetMs = 0;
const now = () => Date.now() + offsetMs;
const codeNow = () => referenceTotp(totpSecret, stepOf(now()));

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'tessera-mfa-browser-'));
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
      { name: 'Web app', clientId: 'web', firstParty: true, redirectUris: [`${rp.origin}/cb`] },
    )
  ).clientSecret!;
  const deps = { store: server.store, kek: parseKek(kek), now };
  totpSecret = (await enrolTotp(deps, 'alice')).secret;
  ({ recoveryCodes } = await confirmTotp(deps, 'alice', codeNow()));
  offsetMs += 30_000;
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

async function startSignIn(page: Page) {
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
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
  return {
    finish: async () => {
      await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/cb');
      const tokens = await oidc.authorizationCodeGrant(cfg, new URL(page.url()), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      return tokens;
    },
  };
}

test(
  'openid-client: Chromium signs in with password then TOTP code; the ID token says amr ["pwd","otp","mfa"] and the mfa acr',
  { skip },
  async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const flow = await startSignIn(page);
    const field = page.getByLabel('Code', { exact: true });
    assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await field.getAttribute('inputmode'), 'numeric');
    await field.fill(codeNow());
    await page.getByRole('button', { name: 'Continue' }).click();
    const tokens = await flow.finish();
    const claims = tokens.claims()!;
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims.acr, ACR.mfa);
    assert.ok(Math.abs(Number(claims.auth_time) - Math.floor(now() / 1000)) < 30);
    const at = decodeJwt(tokens.access_token);
    assert.deepEqual(at['amr'], ['pwd', 'otp', 'mfa']);
    assert.equal(at['acr'], ACR.mfa);
    await ctx.close();
    offsetMs += 30_000;
  },
);

test(
  'the code page and the recovery-code page: no serious or critical axe-core violations, nothing blocked by the CSP, 400 px, light and dark',
  { skip },
  async () => {
    let recovery = 0;
    for (const colorScheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ viewport: { width: 400, height: 800 }, colorScheme });
      const page = await ctx.newPage();
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
      });
      const check = async (name: string) => {
        assert.deepEqual(await axeViolations(page), [], `${name} (${colorScheme})`);
        const width = await page.evaluate('document.documentElement.scrollWidth');
        assert.ok(Number(width) <= 400, `${name} fits 400 px (${String(width)})`);
      };
      const flow = await startSignIn(page);
      await check('code page');
      await page.getByLabel('Code', { exact: true }).fill('12 34');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /without spaces or letters/);
      await check('code page with an error');
      await page.getByText('Use a recovery code instead').click();
      await page.getByLabel('Recovery code').fill(recoveryCodes[recovery++]!);
      await page.getByRole('button', { name: 'Use recovery code' }).click();
      await page.getByRole('heading', { name: 'Recovery code used' }).waitFor();
      assert.match(await page.getByRole('status').innerText(), /\d+ recovery codes? left\./);
      await check('recovery code used');
      await page.getByRole('button', { name: 'Continue' }).click();
      const tokens = await flow.finish();
      assert.deepEqual(tokens.claims()!.amr, ['pwd', 'mfa']);
      assert.deepEqual(cspErrors, [], 'the pages load nothing the CSP blocks');
      await ctx.close();
    }
  },
);
