import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Debian package's browser (never a downloaded one), or `TESSERA_CHROMIUM`. */
export const CHROMIUM_PATH = process.env['TESSERA_CHROMIUM'] || '/usr/bin/chromium';
/** False when the browser is there; otherwise the reason the browser tests are skipped. */
export const CHROMIUM_SKIP: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no browser at ${CHROMIUM_PATH} (apt-get install chromium, or set TESSERA_CHROMIUM)`;

/** Headless Chromium with the project's flags; each launch gets a fresh temporary profile. */
export function launchTestBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
