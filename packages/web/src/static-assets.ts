import { readFileSync } from 'node:fs';

/**
 * The page's files, shipped in the package's `assets/` folder (no CDN, no web fonts, no build
 * step) and read once into memory when a handler is created.
 */
export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const JS = 'text/javascript; charset=utf-8';

/** The page's ES modules: the entry (app.js), the shared parts (page.js) and one per pane. */
export const SCRIPT_MODULES = [
  'app.js',
  'page.js',
  'decode.js',
  'verify.js',
  'sign.js',
  'audit.js',
  'trace.js',
] as const;

/** URL path under the UI's prefix → file name in `assets/`. */
const FILES: Readonly<Record<string, [file: string, contentType: string]>> = {
  ...Object.fromEntries(SCRIPT_MODULES.map((m) => [m, [m, JS] as [string, string]])),
  'app.css': ['app.css', 'text/css; charset=utf-8'],
  'favicon.svg': ['favicon.svg', 'image/svg+xml'],
};

/** The folder holding the assets: `<package>/assets/`, next to `dist/`. */
export const ASSETS_DIR = new URL('../assets/', import.meta.url);

export interface LoadedAssets {
  readonly page: Buffer;
  readonly files: ReadonlyMap<string, StaticAsset>;
}

/** Read the page and its assets (throws when the package is incomplete). */
export function loadAssets(dir: URL = ASSETS_DIR): LoadedAssets {
  const files = new Map<string, StaticAsset>();
  for (const [path, [file, contentType]] of Object.entries(FILES)) {
    files.set(path, { body: readFileSync(new URL(file, dir)), contentType });
  }
  return { page: readFileSync(new URL('index.html', dir)), files };
}
