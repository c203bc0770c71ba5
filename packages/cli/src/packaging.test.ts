/**
 * What `npm publish` would ship, checked from `npm pack --dry-run --json`: the licence, no tests,
 * no test support, no build info, source maps that resolve inside the tarball, the fields a
 * registry page needs, and `engines` that are true for the package's own dependencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['jose', 'inspect', 'guard', 'server', 'trace', 'web', 'cli'] as const;
/** Node 20 is the oldest Node CI runs the whole suite on. */
const OLDEST_TESTED = '20.0.0';

interface Manifest {
  name: string;
  main?: string;
  types?: string;
  license?: string;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  publishConfig?: { access?: string };
  dependencies?: Record<string, string>;
}
interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  dependencies?: Record<string, string>;
  link?: boolean;
  resolved?: string;
}

const manifest = (pkg: string): Manifest =>
  JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as Manifest;

function packedFiles(pkg: string): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(root, 'packages', pkg),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const [info] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
  return info.files.map((f) => f.path).sort();
}

for (const pkg of PACKAGES) {
  test(`tarball of ${pkg}: LICENSE, no tests, no test support, no build info, maps resolve`, () => {
    const files = packedFiles(pkg);
    const set = new Set(files);
    assert.ok(set.has('LICENSE'), 'LICENSE is in the tarball');
    assert.equal(
      readFileSync(join(root, 'packages', pkg, 'LICENSE'), 'utf8'),
      readFileSync(join(root, 'LICENSE'), 'utf8'),
      'the package LICENSE is the root one',
    );
    assert.deepEqual(
      files.filter((f) => /\.test\.|test-support|tsbuildinfo|__snapshots__/.test(f)),
      [],
    );
    assert.ok(set.has('dist/index.js') && set.has('dist/index.d.ts'));
    // Every shipped map must point at sources that ship too.
    const dangling: string[] = [];
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(root, 'packages', pkg, map), 'utf8')) as {
        sources: string[];
      };
      for (const s of sources) {
        const target = posix.normalize(posix.join(posix.dirname(map), s));
        if (!set.has(target)) dangling.push(`${map} -> ${target}`);
      }
    }
    assert.deepEqual(dangling, []);
  });
}

test('manifests: scoped names, public access, repository, MIT, top-level main and types', () => {
  for (const pkg of PACKAGES) {
    const m = manifest(pkg);
    assert.match(m.name, /^@tessera\//, pkg);
    assert.equal(m.license, 'MIT', pkg);
    assert.equal(m.publishConfig?.access, 'public', pkg);
    assert.equal(m.repository?.type, 'git', pkg);
    assert.equal(m.repository?.directory, `packages/${pkg}`, pkg);
    assert.equal(m.main, './dist/index.js', pkg);
    assert.equal(m.types, './dist/index.d.ts', pkg);
  }
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
  assert.notEqual(rootManifest.name, 'tessera', 'no package of ours takes the registry name');
});

/** The lockfile entry a package at `from` gets for `name`, resolved as Node does. */
function resolveInLock(
  lock: Record<string, LockEntry>,
  from: string,
  name: string,
): [string, LockEntry] | undefined {
  let dir = from;
  for (;;) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    const entry = lock[key];
    if (entry !== undefined) {
      return entry.link === true && entry.resolved !== undefined
        ? [entry.resolved, lock[entry.resolved]!]
        : [key, entry];
    }
    if (dir === '') return undefined;
    const up = dirname(dir);
    dir = up === '.' ? '' : up.replace(/\/node_modules$/, '');
  }
}

test('engines: each package declares the oldest Node that it and all its dependencies allow', () => {
  const lock = (
    JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    }
  ).packages;
  for (const pkg of PACKAGES) {
    const declared = manifest(pkg).engines?.node;
    assert.ok(declared !== undefined, `${pkg} declares engines.node`);
    // Walk the production dependency tree; remember every engines.node range on the way.
    const needs: [string, string][] = [];
    const seen = new Set<string>();
    const queue: string[] = [`packages/${pkg}`];
    while (queue.length > 0) {
      const at = queue.shift()!;
      if (seen.has(at)) continue;
      seen.add(at);
      const entry = lock[at]!;
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (range !== undefined && at !== `packages/${pkg}`) needs.push([at, range]);
      for (const dep of Object.keys(entry.dependencies ?? {})) {
        const found = resolveInLock(lock, at, dep);
        if (found !== undefined) queue.push(found[0]);
      }
    }
    // Lower bounds only: upper bounds (better-sqlite3 lists majors up to the newest it knows)
    // are the dependency's to lift.
    const floor = semver.minVersion(declared)!.version;
    const untrue = needs.filter(([, range]) => !semver.satisfies(floor, range));
    assert.deepEqual(untrue, [], `${pkg} declares ${declared}, but these dependencies need more`);
    const oldest = [OLDEST_TESTED, ...needs.map(([, r]) => semver.minVersion(r)!.version)].reduce(
      (a, b) => (semver.gt(a, b) ? a : b),
    );
    assert.equal(
      floor,
      oldest,
      `${pkg} should declare >=${semver.major(oldest)}: nothing it ships needs more`,
    );
  }
});
