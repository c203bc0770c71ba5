import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The Debian package's browser (never a downloaded one), or `TESSERA_CHROMIUM`. */
export const CHROMIUM_PATH = process.env['TESSERA_CHROMIUM'] || '/usr/bin/chromium';

/**
 * False when the browser is there; otherwise the reason the page tests are skipped. `.ci/run`
 * installs Chromium, and runs these tests once more with `TESSERA_CHROMIUM=/nonexistent`.
 */
export const CHROMIUM_SKIP: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no browser at ${CHROMIUM_PATH} (apt-get install chromium, or set TESSERA_CHROMIUM)`;

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launch headless Chromium with a fresh user-data dir (one per test file). Playwright adds
 * `--headless` itself for `headless: true`, and the user-data dir must go through the
 * persistent-context API rather than `--user-data-dir`.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-web-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
