import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { tempDir } from '../test-support/fixtures.js';

// #13 item 12: the debugger page that `npm start` serves fetches its own issuer's JWKS (plain
// http on 127.0.0.1) and verifies a demo token with it, in real Chromium, with no extra flag.
const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

test(
  "demo page: Fetch loads the issuer's own JWKS over http://127.0.0.1 and a demo token verifies with it",
  { skip: CHROMIUM_SKIP, timeout: 120_000 },
  async () => {
    const dir = tempDir();
    const demo = spawn(
      process.execPath,
      [bin, 'serve', '--demo', '--port', '0', '--data-dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    demo.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    demo.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const browser = await launchChromium();
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('Discovery:') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const password = /Demo user: demo \/ (\S+)/.exec(out)?.[1];
      const secret = /client: demo-app \/ (\S+)/.exec(out)?.[1];
      assert.ok(url && password && secret, out);
      const res = await fetch(`${url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`demo-app:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'demo',
          password,
        }).toString(),
      });
      assert.equal(res.status, 200);
      const { access_token: token } = (await res.json()) as { access_token: string };

      const page = await (await browser.newContext()).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${url}/#token=${token}`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('#tab-verify');
      await page.waitForSelector('#pane-verify:not([hidden])');
      await page.check('#key-kind-public');
      // The page offers its own issuer's JWKS and the button is on, with no --allow-network.
      assert.equal(await page.inputValue('#jwks-url'), `${url}/jwks`);
      assert.equal(await page.isDisabled('#jwks-fetch'), false);
      assert.doesNotMatch((await page.textContent('#jwks-note')) ?? '', /--allow-network/);
      await page.click('#jwks-fetch');
      await page.waitForSelector('#jwks-note:has-text("Fetched")');
      assert.match(await page.inputValue('#verify-public'), /"keys"/);
      await page.fill('#verify-iss', url);
      await page.click('#verify-run');
      await page.waitForSelector('#verify-status[data-status="verified"]');
      assert.equal(await page.textContent('#verify-status-title'), 'VERIFIED');

      // Another URL is still refused on this page (it has no session and no --allow-network).
      await page.fill('#jwks-url', 'https://issuer.example/jwks');
      await page.click('#jwks-fetch');
      await page.waitForSelector('#jwks-note:has-text("--allow-network")');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      if (demo.exitCode === null && demo.signalCode === null) {
        demo.kill('SIGTERM');
        await once(demo, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
