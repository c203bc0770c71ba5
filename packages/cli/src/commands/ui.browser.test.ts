import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runUi } from './ui.js';
import { memoryIo } from '../test-support/memory-io.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { ecPublicJwk } from '../test-support/fixtures.js';

// #13 item 12, in real Chromium: `tessera ui --allow-network` refuses a JWKS on plain
// http://127.0.0.1 and the page names the flag that allows it; with --allow-http-loopback the
// same button fetches it.
test(
  'tessera ui: an http://127.0.0.1 JWKS is refused naming --allow-http-loopback, and fetched with it',
  { skip: CHROMIUM_SKIP, timeout: 120_000 },
  async () => {
    const jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [ecPublicJwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    const browser = await launchChromium();
    try {
      for (const [flags, expected] of [
        [['--allow-network'], /--allow-http-loopback/],
        [['--allow-network', '--allow-http-loopback'], /^Fetched 1 key\(s\)\.$/],
      ] as const) {
        const stop = new AbortController();
        const io = memoryIo({ signal: stop.signal });
        let url: string | undefined;
        const done = runUi(['--no-open', ...flags], io, { onListening: (ui) => (url = ui.url) });
        const deadline = Date.now() + 10_000;
        while (url === undefined && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        assert.ok(url, io.err());
        const page = await (await browser.newContext()).newPage();
        try {
          await page.goto(url);
          await page.waitForSelector('body[data-ready="true"]');
          await page.click('#tab-verify');
          await page.check('#key-kind-public');
          assert.equal(await page.isDisabled('#jwks-fetch'), false);
          await page.fill('#jwks-url', jwksUrl);
          const before = await page.textContent('#jwks-note');
          await page.click('#jwks-fetch');
          await page.waitForFunction(
            (b) => (document.getElementById('jwks-note')?.textContent ?? '') !== b,
            before,
          );
          const note = (await page.textContent('#jwks-note')) ?? '';
          assert.match(note, expected, flags.join(' '));
          if (flags.length === 2) assert.match(await page.inputValue('#verify-public'), /"keys"/);
        } finally {
          await page.close();
          stop.abort();
          assert.equal(await done, 0);
        }
      }
    } finally {
      await browser.close();
      await new Promise<void>((r) => jwks.close(() => r()));
    }
  },
);
