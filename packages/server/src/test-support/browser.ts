import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Debian package's browser (or TESSERA_CHROMIUM); never a downloaded one. */
export const CHROMIUM_PATH = process.env['TESSERA_CHROMIUM'] ?? '/usr/bin/chromium';
/** A reason to skip browser tests visibly, or false. */
export const CHROMIUM_SKIP = existsSync(CHROMIUM_PATH)
  ? false
  : `Chromium not found at ${CHROMIUM_PATH} (set TESSERA_CHROMIUM)`;

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * One headless Chromium per test file (Playwright gives each launch a fresh temporary profile);
 * each test takes its own context, so its own cookies.
 */
export async function launchTestBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    timeout: 30_000,
  });
}
