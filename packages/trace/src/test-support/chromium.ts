/**
 * Headless Debian Chromium through playwright-core. Without a browser at CHROMIUM_PATH the
 * browser tests skip with `CHROMIUM_SKIP` as the visible reason; with one, a launch failure
 * fails them. `.ci/run` installs Chromium, and runs the browser tests once more with
 * `TESSERA_CHROMIUM=/nonexistent` to prove the skip path.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** The Debian package's browser (never a downloaded one), or `TESSERA_CHROMIUM`. */
export const CHROMIUM_PATH = process.env['TESSERA_CHROMIUM'] || '/usr/bin/chromium';

/** False when the browser is there; otherwise the reason every browser test is skipped. */
export const CHROMIUM_SKIP: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no browser at ${CHROMIUM_PATH} (apt-get install chromium, or set TESSERA_CHROMIUM)`;

// The flags from the project brief; Playwright creates a fresh temporary user data dir per launch.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 30_000,
  });
}
