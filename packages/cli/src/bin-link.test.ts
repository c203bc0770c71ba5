import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The committed bin/tessera.js is what npm links as node_modules/.bin/tessera during `npm ci`
// (before the build). .ci/run repeats the first test in a fresh clone right after `npm ci`.
const pkgDir = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = join(pkgDir, '..', '..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};

test('bin: @tessera/cli links `tessera` to the committed shim, and npx finds it without a download', () => {
  assert.equal(pkg.name, '@tessera/cli');
  assert.equal(pkg.bin['tessera'], './bin/tessera.js');
  const r = spawnSync('npx', ['--no-install', 'tessera', '--version'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('bin: without a build the shim says to run npm run build (exit 3), not a module stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bin-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(pkgDir, 'bin', 'tessera.js'), join(dir, 'bin', 'tessera.js'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'tessera.js'), '--version'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 3);
    assert.match(r.stderr, /not built yet.*run `npm run build`/);
    assert.doesNotMatch(r.stderr, /ERR_MODULE_NOT_FOUND|\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
