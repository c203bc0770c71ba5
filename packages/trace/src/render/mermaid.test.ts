/**
 * The exported Mermaid text renders with the real `mermaid` package in headless Chromium, served
 * from node_modules on 127.0.0.1; no request leaves 127.0.0.1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { renderMermaid } from './mermaid.js';
import { buildTrace } from '../build-trace.js';
import { CHROMIUM_SKIP, launchChromium } from '../../../jose/dist/test-support/chromium.js';
import { START, TOKEN, call, login } from '../test-support/raw-flows.js';

const MERMAID_JS = readFileSync(
  createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js'),
);
const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/mermaid.min.js"></script></head><body><div id="out"></div></body></html>`;

let http: Server | undefined;
let origin: string;
let browser: Browser;

before(async () => {
  if (CHROMIUM_SKIP) return;
  const server = createServer((req, res) => {
    if (req.url === '/mermaid.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(MERMAID_JS);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  http = server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  const server = http;
  if (server === undefined) return;
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
});

test(
  'Mermaid text (credentials, failures, token region, escapes) renders in Chromium with no outside request',
  { skip: CHROMIUM_SKIP },
  async () => {
    const trace = buildTrace(
      [
        login(),
        call('/me', 10, [['authorization', 'Basic YWxpY2U6aHVudGVyMg==']]),
        call('/orders', 20),
        call(`/search?q=a;b&access_token=${TOKEN}`, 30, []),
      ],
      {
        source: 'run',
        startedAt: START,
        names: [{ origin: '127.0.0.1:3000', label: 'Orders <API> #1; "v2"' }],
      },
    );
    const text = renderMermaid(trace);
    assert.match(text, /^sequenceDiagram\n/);
    assert.ok(
      text.includes('rect rgb(219, 234, 254)') &&
        text.includes('Note over client,svc1: credentials sent AGAIN'),
    );

    const context = await browser.newContext();
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/`);
    const svg = await page.evaluate(async (source: string) => {
      const m = (
        globalThis as unknown as {
          mermaid: {
            initialize(c: object): void;
            render(id: string, t: string): Promise<{ svg: string }>;
          };
        }
      ).mermaid;
      m.initialize({ startOnLoad: false, securityLevel: 'strict' });
      const { svg } = await m.render('trace-diagram', source);
      document.getElementById('out')!.innerHTML = svg;
      return svg;
    }, text);
    assert.deepEqual(errors, []);
    assert.match(svg, /^<svg/);
    assert.ok(!/Syntax error|Parse error/i.test(svg), 'mermaid rendered no error diagram');
    const shown = await page.locator('#out svg').textContent();
    for (const want of [
      'CLI',
      'Orders <API> #1; "v2"',
      '1 POST /login',
      'request carrying credentials',
      'credentials sent AGAIN',
      'authenticated with token #1',
      '✗ credentials-once',
    ]) {
      assert.ok(shown?.includes(want), `rendered diagram shows ${want}`);
    }
    await context.close();
    assert.ok(requests.length >= 2);
    for (const u of requests)
      assert.ok(
        u.startsWith(`${origin}/`) || u.startsWith('data:'),
        `request left 127.0.0.1: ${u}`,
      );
  },
);
