/**
 * The shared fixture set (@tessera/inspect's test support) through the debugger page in real
 * headless Chromium: every token is pasted into the Decode pane, the key and checks typed into
 * the Verify pane, and the status card must show the verdict and the failure list that
 * `tessera verify --json` shows (cli's verify-fixtures.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startUi, type RunningUi } from './start-ui.js';
import {
  CHROMIUM_PATH,
  launchChromiumContext,
  type ChromiumContext,
} from '../../jose/dist/test-support/chromium.js';
import {
  failureId,
  makeFixtures,
  type FixtureCase,
  type Verdict,
} from '../../inspect/dist/test-support/fixtures.js';

const SKIP = existsSync(CHROMIUM_PATH)
  ? false
  : `no browser at ${CHROMIUM_PATH} (apt-get install chromium)`;

let browser: ChromiumContext;
let ui: RunningUi;
let page: Page;

before(async () => {
  if (SKIP) return;
  ui = await startUi();
  browser = await launchChromiumContext({ viewport: { width: 1280, height: 900 } });
  browser.context.setDefaultTimeout(10_000);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(ui.url);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  await ui?.close();
});

const VERDICT_BY_STATUS: Readonly<Record<string, Verdict>> = {
  verified: 'verified',
  warning: 'verified',
  invalid: 'invalid',
  none: 'not_verified',
};

/** Type the fixture into the page the way a person would, and read the status card. */
async function pageVerdict(p: Page, c: FixtureCase) {
  await p.click('#tab-decode');
  await p.fill('#token-input', c.token);
  // The decode answer is rendered once the badge names the format.
  await p.waitForFunction(() => document.getElementById('format-badge')?.textContent !== '');
  await p.click('#tab-verify');
  await p.check(c.key.kind === 'secret' ? '#key-kind-secret' : '#key-kind-public');
  // Only the field of the chosen kind is visible (and sent).
  if (c.key.kind === 'secret') {
    await p.fill('#verify-secret', c.key.text);
    await p.selectOption('#verify-encoding', 'utf8');
  } else await p.fill('#verify-public', c.key.text);
  const o = c.options;
  await p.fill('#verify-algs', o.alg);
  await p.fill('#verify-iss', o.iss ?? '');
  await p.fill('#verify-aud', o.aud ?? '');
  await p.fill('#verify-sub', o.sub ?? '');
  await p.fill('#verify-typ', o.typ ?? '');
  await p.fill('#verify-require', (o.require ?? []).join(','));
  await p.fill(
    '#verify-clock-tolerance',
    o.clockTolerance === undefined ? '' : String(o.clockTolerance),
  );
  // Let the debounced verification of the typing finish, then verify explicitly.
  await p.waitForTimeout(300);
  await p.waitForSelector('#verify-checks[data-done="yes"]');
  await p.click('#verify-run');
  await p.waitForSelector('#verify-checks[data-done="yes"]');
  return p.evaluate(() => {
    const status = document.getElementById('verify-status')?.dataset['status'] ?? '';
    const fails = Array.from(document.querySelectorAll<HTMLElement>('#verify-checks li.fail')).map(
      (li) => ({
        check: li.dataset['check'],
        code: li.dataset['code'],
        claim: li.dataset['claim'],
      }),
    );
    const warnings = Array.from(
      document.querySelectorAll<HTMLElement>('#verify-hints li[data-code]'),
    ).map((li) => li.dataset['code']!);
    return { status, fails, warnings };
  });
}

test(
  'the page reaches the shared verdict and failure list on every fixture token (Chromium)',
  { skip: SKIP },
  async () => {
    const cases = makeFixtures(new Date());
    assert.ok(cases.length >= 30);
    for (const c of cases) {
      const r = await pageVerdict(page, c);
      const verdict = r.fails.some((f) => f.check === 'key')
        ? 'key-refused'
        : VERDICT_BY_STATUS[r.status];
      assert.equal(verdict, c.verdict, `${c.name}: status ${r.status}`);
      assert.deepEqual(
        r.fails.map((f) => failureId(f.code!, f.claim)),
        c.failures,
        c.name,
      );
      assert.deepEqual(r.warnings, c.warnings ?? [], c.name);
    }
  },
);
