/**
 * The one Chromium launcher of the repository's tests (jose is the package every other one may
 * import, and test-support never ships: the tarballs leave `dist/**\/test-*` out). Headless
 * Debian Chromium through playwright-core, never a downloaded browser. Without a browser at
 * {@link CHROMIUM_PATH} the browser tests skip with {@link CHROMIUM_SKIP} as the visible reason;
 * with one, a launch failure fails them. `.ci/run` installs Chromium, and runs the trace and web
 * tests once more with `TESSERA_CHROMIUM=/nonexistent` to prove the skip path.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** The Debian package's browser (never a downloaded one), or `TESSERA_CHROMIUM`. */
export const CHROMIUM_PATH = process.env['TESSERA_CHROMIUM'] || '/usr/bin/chromium';

/** False when the browser is there; otherwise the reason every browser test is skipped. */
export const CHROMIUM_SKIP: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no browser at ${CHROMIUM_PATH} (apt-get install chromium, or set TESSERA_CHROMIUM)`;

/** The project's flags (Playwright adds `--headless` itself for `headless: true`). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * One headless Chromium (Playwright gives each launch a fresh temporary profile); each test
 * takes its own context, so its own cookies.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 30_000,
  });
}

export interface ChromiumContext {
  readonly context: BrowserContext;
  /** Closes the browser and removes its user-data folder. */
  close(): Promise<void>;
}

/**
 * Headless Chromium as one persistent context with a fresh user-data folder (the persistent
 * context API rather than `--user-data-dir`), for tests that want one profile per file.
 */
export async function launchChromiumContext(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<ChromiumContext> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 30_000,
    ...(options.viewport !== undefined ? { viewport: options.viewport } : {}),
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
