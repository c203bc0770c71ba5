// Runs every compiled test file (packages/*/dist/**/*.test.js) with node's own test runner, one
// child process per file, and prints one line per file, every failure in full and a summary.
//
//   node scripts/test.mjs [PKG…] [--tap] [--concurrency N]
//
// `npm test -- jose cli` limits the run to those packages. `--tap` prints node's TAP output of the
// whole run instead (the old behaviour). A DeprecationWarning raised from our own code (a stack
// frame under packages/*/dist, not node_modules) fails the file: Node 22 and 24 deprecate APIs
// that still work on 20 (DEP0204), and CI must see it.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const tap = args.includes('--tap');
const concurrencyFlag = args.indexOf('--concurrency');
const concurrency =
  concurrencyFlag >= 0
    ? Math.max(1, Number(args[concurrencyFlag + 1]) || 1)
    : Math.max(1, availableParallelism() - 1);
const only = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '--concurrency');

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
for (const pkg of readdirSync(join(root, 'packages')).sort()) {
  if (only.length > 0 && !only.includes(pkg)) continue;
  const dist = join(root, 'packages', pkg, 'dist');
  if (existsSync(dist)) walk(dist);
}
// The repository's own scripts have their tests beside them (scripts/check-layers.test.mjs).
if (only.length === 0)
  for (const name of readdirSync(join(root, 'scripts')).sort())
    if (name.endsWith('.test.mjs')) files.push(join(root, 'scripts', name));
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}

const nodeArgs = ['--test', '--test-timeout=300000', '--trace-deprecation'];

if (tap) {
  const r = spawnSync(process.execPath, [...nodeArgs, '--test-reporter=tap', ...files], {
    stdio: 'inherit',
    cwd: root,
  });
  process.exit(r.status ?? 1);
}

/** Counts from the closing `# name N` lines of a TAP stream. */
function tapCounts(out) {
  const count = (name) => Number(out.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  return {
    tests: count('tests'),
    pass: count('pass'),
    fail: count('fail'),
    cancelled: count('cancelled'),
    skipped: count('skipped'),
    todo: count('todo'),
  };
}

/**
 * Skipped tests and suites (node counts a skipped suite in none of its totals) and the distinct
 * reasons their `# SKIP reason` directives give.
 */
function skips(out) {
  const reasons = new Set();
  let count = 0;
  for (const m of out.matchAll(/^\s*ok \d+ - .*# SKIP ?(.*)$/gm)) {
    count++;
    reasons.add(m[1].trim() || 'no reason given');
  }
  return { count, reasons: [...reasons] };
}

/** Every `not ok` test point with its YAML diagnostic block, as node printed it. */
function failureBlocks(out) {
  const lines = out.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(\s*)not ok \d+ - (.*)$/);
    if (!m) continue;
    const block = [lines[i]];
    const indent = m[1];
    if (lines[i + 1]?.startsWith(`${indent}  ---`)) {
      for (i++; i < lines.length; i++) {
        block.push(lines[i]);
        if (lines[i].startsWith(`${indent}  ...`)) break;
      }
    }
    blocks.push(block.join('\n'));
  }
  return blocks;
}

/**
 * DeprecationWarnings whose stack names a file of ours (packages/…/dist, not node_modules). The
 * file's stderr reaches us directly or, on some Node versions, as `# ` diagnostics in the TAP.
 */
function ourDeprecations(out, err) {
  const lines = [...err.split('\n'), ...out.split('\n').map((l) => l.replace(/^# /, ''))];
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\(node:\d+\) .*DeprecationWarning/.test(lines[i])) continue;
    const chunk = [lines[i]];
    while (i + 1 < lines.length && /^\s+at /.test(lines[i + 1])) chunk.push(lines[++i]);
    const ours = chunk.some((l) => /\/packages\/[^/]+\/dist\//.test(l) && !/node_modules/.test(l));
    if (ours) found.push(chunk.join('\n'));
  }
  return found;
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, '--test-reporter=tap', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      resolve({ file, code, signal, out, err, ms: performance.now() - started });
    });
  });
}

const totals = { files: 0, tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const failedFiles = [];
const started = performance.now();

function report(r) {
  const name = relative(root, r.file);
  const c = tapCounts(r.out);
  const deprecations = ourDeprecations(r.out, r.err);
  const crashed = r.code !== 0 && c.fail === 0 && c.cancelled === 0;
  const failed = r.code !== 0 || deprecations.length > 0;
  totals.files++;
  for (const k of ['tests', 'pass', 'fail', 'cancelled', 'todo']) totals[k] += c[k];
  if (deprecations.length > 0 && c.fail === 0) totals.fail++;
  if (crashed) totals.fail++;
  const skipped = skips(r.out);
  totals.skipped += skipped.count;
  const secs = (r.ms / 1000).toFixed(1);
  const skipText =
    skipped.count > 0 ? `, ${skipped.count} skipped (${skipped.reasons.join('; ')})` : '';
  if (!failed) {
    console.log(`✔ ${name}: ${c.pass} passed${skipText} (${secs}s)`);
    return;
  }
  failedFiles.push(name);
  const counts =
    r.code === 0
      ? `${c.pass} passed${skipText}, but a DeprecationWarning came from our code`
      : `${c.fail + c.cancelled} failed, ${c.pass} passed${skipText}`;
  console.log(`✖ ${name}: ${counts} (${secs}s)`);
  for (const block of failureBlocks(r.out)) console.log(block);
  for (const d of deprecations) console.log(d);
  if (crashed || r.signal) {
    console.log(`  exit code ${r.code}${r.signal ? `, signal ${r.signal}` : ''}; its output:`);
    console.log(r.out.trim());
  }
  if (r.err.trim()) console.log(`  stderr:\n${r.err.trim().replace(/^/gm, '  ')}`);
}

const queue = [...files];
const results = new Map();
let next = 0;
// Results print in file order as soon as every earlier file has finished.
const flush = () => {
  while (results.has(files[next])) {
    report(results.get(files[next]));
    next++;
  }
};
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    while (queue.length > 0) {
      const file = queue.shift();
      results.set(file, await runFile(file));
      flush();
    }
  }),
);

const ms = Math.round(performance.now() - started);
// node's own closing lines, then one plain line for readers that want just the totals.
console.log(`ℹ files ${totals.files}`);
console.log(`ℹ tests ${totals.tests}`);
console.log(`ℹ pass ${totals.pass}`);
console.log(`ℹ fail ${totals.fail}`);
console.log(`ℹ cancelled ${totals.cancelled}`);
console.log(`ℹ skipped ${totals.skipped}`);
console.log(`ℹ todo ${totals.todo}`);
console.log(`ℹ duration_ms ${ms}`);
if (failedFiles.length > 0) console.log(`failed files: ${failedFiles.join(', ')}`);
console.log(`${totals.pass} passed, ${totals.fail + totals.cancelled} failed`);
process.exit(failedFiles.length > 0 ? 1 : 0);
