/**
 * Launchers of the runtime matrix: each runs test-support/runtime-cases.js in one runtime and
 * returns its report, or a reason to skip when the runtime is not installed. Bun and Deno come
 * from their npm registry packages, workerd from miniflare, Chromium from Debian.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MatrixInput, MatrixReport } from './runtime-cases.js';
import { CHROMIUM_SKIP, launchChromiumContext } from '../../../jose/dist/test-support/chromium.js';

export type Outcome = { report: MatrixReport } | { skipped: string };

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (packages/guard/dist/test-support → ../../../..). */
export const ROOT = resolve(here, '../../../..');
const DRIVER = join(here, 'runtime-driver.js');
const LIMIT_MS = 120_000;

function parseReport(stdout: string): MatrixReport {
  const line = stdout.split('\n').find((l) => l.startsWith('MATRIX '));
  if (line === undefined) throw new Error(`no report in the output:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as MatrixReport;
}

function run(cmd: string, args: string[], input: MatrixInput): Promise<MatrixReport> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, MATRIX_INPUT: JSON.stringify(input), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolvePromise(parseReport(out));
      } catch (e) {
        reject(new Error(`${cmd} exited ${code}: ${(e as Error).message}\n${err.slice(-2000)}`));
      }
    });
  });
}

/** Node.js with the `worker` condition: the guard resolves `@tessera/jose` to Web Crypto. */
export async function runNodeWorker(input: MatrixInput): Promise<Outcome> {
  return { report: await run(process.execPath, ['--conditions=worker', DRIVER], input) };
}

export const BUN = join(ROOT, 'node_modules/@oven/bun-linux-x64/bin/bun');
export const DENO = join(ROOT, 'node_modules/@deno/linux-x64-glibc/deno');

export async function runBun(input: MatrixInput): Promise<Outcome> {
  if (!existsSync(BUN)) return { skipped: `no Bun binary at ${relative(ROOT, BUN)} (npm ci)` };
  return { report: await run(BUN, ['run', DRIVER], input) };
}

export async function runDeno(input: MatrixInput): Promise<Outcome> {
  if (!existsSync(DENO)) return { skipped: `no Deno binary at ${relative(ROOT, DENO)} (npm ci)` };
  return {
    report: await run(
      DENO,
      [
        'run',
        '--quiet',
        '--allow-net=127.0.0.1',
        '--allow-read',
        '--allow-env=MATRIX_INPUT',
        DRIVER,
      ],
      input,
    ),
  };
}

/** Every .js file under `dir` (tests excluded). */
function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsFiles(p));
    else if (name.endsWith('.js') && !name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

/**
 * The module graph workerd gets: our built packages, panva/jose's web build and `extra` files
 * (the bench's), with the bare specifiers rewritten to paths (what a bundler would do; wrangler
 * bundles with esbuild). The first module is `entry`.
 */
export function workerModules(
  entry: string,
  extra: readonly string[] = [],
): { type: 'ESModule'; path: string; contents: string }[] {
  const targets: Record<string, string> = {
    '@tessera/jose/webcrypto': join(ROOT, 'packages/jose/dist/webcrypto/index.js'),
    '@tessera/jose/internal': join(ROOT, 'packages/jose/dist/internal.js'),
    // The `workerd` export condition of @tessera/jose.
    '@tessera/jose': join(ROOT, 'packages/jose/dist/webcrypto/index.js'),
    '@tessera/guard': join(ROOT, 'packages/guard/dist/index.js'),
    jose: join(ROOT, 'node_modules/jose/dist/webapi/index.js'),
  };
  const files = [
    ...jsFiles(join(ROOT, 'packages/jose/dist')),
    ...jsFiles(join(ROOT, 'packages/guard/dist')),
    ...jsFiles(join(ROOT, 'node_modules/jose/dist/webapi')),
    ...extra,
  ];
  const modules = files.map((path) => {
    let contents = readFileSync(path, 'utf8');
    contents = contents.replace(
      /(from\s*|import\s*\(?\s*)(['"])(@tessera\/jose\/webcrypto|@tessera\/jose\/internal|@tessera\/jose|@tessera\/guard|jose)\2/g,
      (_m, pre: string, q: string, spec: string) => {
        let rel = relative(dirname(path), targets[spec]!);
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return `${pre}${q}${rel}${q}`;
      },
    );
    return { type: 'ESModule' as const, path, contents };
  });
  const main = modules.findIndex((m) => m.path === entry);
  if (main === -1) throw new Error(`${entry} is not among the modules`);
  modules.unshift(...modules.splice(main, 1));
  return modules;
}

/** workerd through miniflare, with or without `nodejs_compat`. */
export async function runWorkerd(input: MatrixInput, nodejsCompat: boolean): Promise<Outcome> {
  let Miniflare: typeof import('miniflare').Miniflare;
  try {
    ({ Miniflare } = await import('miniflare'));
  } catch (e) {
    return { skipped: `miniflare is not installed (${(e as Error).message.slice(0, 80)})` };
  }
  const modules = workerModules(join(here, 'runtime-worker.js'));
  const mf = new Miniflare({
    modules,
    modulesRoot: ROOT,
    compatibilityDate: '2025-09-01',
    compatibilityFlags: nodejsCompat ? ['nodejs_compat'] : [],
  });
  try {
    const res = await mf.dispatchFetch('http://matrix.test/', {
      method: 'POST',
      body: JSON.stringify(input),
    });
    const text = await res.text();
    if (res.status !== 200)
      throw new Error(`workerd answered ${res.status}: ${text.slice(0, 2000)}`);
    return { report: JSON.parse(text) as MatrixReport };
  } finally {
    await mf.dispose();
  }
}

/** Serve the repository's built files on 127.0.0.1 with an import map page. */
function startStatic(input: MatrixInput): Promise<Server> {
  const importMap = {
    imports: {
      '@tessera/jose/webcrypto': '/packages/jose/dist/webcrypto/index.js',
      '@tessera/jose/internal': '/packages/jose/dist/internal.js',
      '@tessera/jose': '/packages/jose/dist/webcrypto/index.js',
      '@tessera/guard': '/packages/guard/dist/index.js',
      jose: '/node_modules/jose/dist/webapi/index.js',
    },
  };
  const page = `<!doctype html><meta charset="utf-8"><title>matrix</title>
<script type="importmap">${JSON.stringify(importMap)}</script>
<script type="module">
import { runMatrix } from '/packages/guard/dist/test-support/runtime-cases.js';
window.__matrix = runMatrix(${JSON.stringify(input)});
</script>`;
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      return;
    }
    const file = resolve(ROOT, `.${path}`);
    const allowed = [
      'packages/jose/dist/',
      'packages/guard/dist/',
      'node_modules/jose/dist/webapi/',
    ];
    if (!allowed.some((a) => file.startsWith(join(ROOT, a))) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** Headless Chromium (Debian's) loading the built modules from a 127.0.0.1 page. */
export async function runChromium(input: MatrixInput): Promise<Outcome> {
  if (CHROMIUM_SKIP !== false) return { skipped: CHROMIUM_SKIP };
  const server = await startStatic(input);
  const browser = await launchChromiumContext();
  const context = browser.context;
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(
      () => (window as { __matrix?: unknown }).__matrix !== undefined,
      undefined,
      {
        timeout: 30_000,
      },
    );
    const report = (await page.evaluate(
      () => (window as unknown as { __matrix: Promise<unknown> }).__matrix,
    )) as MatrixReport;
    if (errors.length > 0 && report === undefined) throw new Error(errors.join('\n'));
    return { report };
  } finally {
    await browser.close();
    server.close();
  }
}
