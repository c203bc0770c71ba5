import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../test-support/memory-io.js';
import { runServeCommand, type DemoInfo } from '../commands/serve.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { startDemoResourceServer } from './resource-server.js';
import { startDemoWebApp } from './web-app.js';

// `serve --demo` over real ports; Chromium clicks through the demo web app (openid-client),
// the issuer's login page and RP-initiated logout.
test(
  'demo web app: sign in through the issuer, claims, resource call, refresh, sign out; the app never sees the password',
  { skip: CHROMIUM_SKIP, timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-app-'));
    const abort = new AbortController();
    const io = memoryIo({ env: {} });
    /** stdout and stderr as the terminal shows them. */
    const out = (): string => io.out() + io.err();
    let demo: DemoInfo | undefined;
    const ready = new Promise<void>((resolve) => {
      void runServeCommand(['--demo', '--port', '0', '--data-dir', dir], io, {
        signal: abort.signal,
        startDemoResourceServer,
        startDemoWebApp,
        onDemo: (d) => (demo = d),
        onReady: () => resolve(),
      }).then((code) => assert.equal(code, 0, out()));
    });
    await ready;
    const browser = await launchChromium();
    try {
      assert.ok(demo?.webAppUrl !== undefined, out());
      const app = demo.webAppUrl;
      // The banner names the web app before the rest of the demo's walk-through.
      const appLine = out().indexOf(`Demo web app            ${app}/`);
      assert.ok(appLine > 0 && appLine < out().indexOf('Debugger page'), out());

      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const toApp: string[] = [];
      page.on('request', (r) => {
        if (r.url().startsWith(app)) toApp.push(`${r.url()}\n${r.postData() ?? ''}`);
      });
      await page.goto(`${app}/`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.href.startsWith(demo!.issuerUrl));
      await page.getByLabel('Username').fill(demo.username);
      await page.getByLabel('Password').fill(demo.password);
      await page.getByRole('button', { name: 'Sign in' }).click();

      const claims = JSON.parse(await page.locator('#claims').innerText()) as Record<
        string,
        unknown
      >;
      assert.equal(claims['iss'], demo.issuerUrl);
      assert.equal(claims['aud'], 'demo-web');
      assert.equal(typeof claims['sub'], 'string');
      assert.equal(typeof claims['sid'], 'string');
      assert.equal(typeof claims['nonce'], 'string');

      await page.getByRole('button', { name: 'Call the resource server' }).click();
      const api = await page.locator('#api-result').innerText();
      assert.match(api, /^200 /);
      assert.equal((JSON.parse(api.slice(4)) as { client_id: string }).client_id, 'demo-web');

      await page.getByRole('button', { name: 'Refresh the tokens' }).click();
      await page.locator('#refreshed').waitFor();
      // The refreshed access token still works at the resource server.
      await page.getByRole('button', { name: 'Call the resource server' }).click();
      assert.match(await page.locator('#api-result').innerText(), /^200 /);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${app}/`);
      await page.getByText('Not signed in').waitFor();
      // The issuer's session ended too: signing in again asks for the password.
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Password').waitFor();

      assert.ok(toApp.length >= 6, toApp.join('\n'));
      for (const r of toApp)
        assert.ok(!r.includes(demo.password), `the app saw the password: ${r}`);
      await ctx.close();
    } finally {
      await browser.close();
      abort.abort();
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
