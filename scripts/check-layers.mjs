#!/usr/bin/env node
// The one layering check of the repository (run by `npm test`): reads every package.json and
// every import under packages/*/src and enforces the arrows
//
//   jose ← inspect ← {cli, web}      jose ← {guard, server, trace}      cli → everything
//
// plus three rules that keep the arrows honest: @tessera/inspect imports no `node:` module at run
// time (it runs in the page); a relative import never leaves its package (tests may read the
// test-support of a package their arrows allow); and the CLI loads server, trace, web and guard
// only when a command runs (no static import reachable from main.ts). jose's internal layering
// is its own boundaries test. Usage: node scripts/check-layers.mjs  (exit 1 with the list).
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which of our packages each package may import. `*`: all of them. */
export const ARROWS = {
  '@tessera/jose': [],
  '@tessera/inspect': ['@tessera/jose'],
  '@tessera/guard': ['@tessera/jose'],
  '@tessera/server': ['@tessera/jose'],
  '@tessera/trace': ['@tessera/jose'],
  '@tessera/web': ['@tessera/jose', '@tessera/inspect'],
  '@tessera/cli': '*',
};

/** Packages the CLI must load lazily (a command's package is imported when the command runs). */
const LAZY = ['@tessera/server', '@tessera/trace', '@tessera/web', '@tessera/guard'];

const STATIC =
  /(?:^|\n)[ \t]*(import|export)[ \t]+(type[ \t]+)?(?:[^'";]*?[ \t\n]from[ \t]*)?'([^'\n]+)'/g;
const DYNAMIC = /import\(\s*'([^'\n]+)'\s*\)/g;

/** Every import of a TypeScript source: `{ spec, type, dynamic }`. */
export function importsOf(text) {
  const out = [];
  for (const m of text.matchAll(STATIC))
    out.push({ spec: m[3], type: m[2] !== undefined, dynamic: false });
  for (const m of text.matchAll(DYNAMIC)) out.push({ spec: m[1], type: false, dynamic: true });
  return out;
}

const ours = (spec) => /^@tessera\/[a-z-]+/.exec(spec)?.[0];
const isTest = (rel) => /\.test\.ts$/.test(rel) || rel.split('/').includes('test-support');

function walk(dir, fs) {
  return fs.list(dir).flatMap((name) => {
    const p = join(dir, name);
    if (fs.isDir(p)) return name === 'node_modules' || name === 'dist' ? [] : walk(p, fs);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const realFs = {
  list: (d) => readdirSync(d).sort(),
  isDir: (p) => statSync(p).isDirectory(),
  read: (p) => readFileSync(p, 'utf8'),
  exists: (p) => existsSync(p),
};

/**
 * Check the tree under `root`; returns the violations (empty when the arrows hold). `fs` can be
 * replaced (the test plants wrong imports in a copy held in memory).
 */
export function checkLayers(root, fs = realFs) {
  const problems = [];
  const packagesDir = join(root, 'packages');
  const pkgs = fs
    .list(packagesDir)
    .filter((d) => fs.exists(join(packagesDir, d, 'package.json')))
    .map((d) => {
      const dir = join(packagesDir, d);
      return { dir, json: JSON.parse(fs.read(join(dir, 'package.json'))) };
    });
  const byDir = new Map(pkgs.map((p) => [p.dir, p.json.name]));
  for (const { dir, json } of pkgs) {
    const name = json.name;
    const allowed = ARROWS[name];
    if (allowed === undefined) {
      problems.push(`${name}: not in the arrows of scripts/check-layers.mjs (add it)`);
      continue;
    }
    const may = (target) => target === name || allowed === '*' || allowed.includes(target);
    for (const field of [
      'dependencies',
      'peerDependencies',
      'optionalDependencies',
      'devDependencies',
    ])
      for (const dep of Object.keys(json[field] ?? {}))
        if (ours(dep) !== undefined && !may(ours(dep)))
          problems.push(`${name}: package.json ${field} has ${dep}, which ${name} may not import`);
    const src = join(dir, 'src');
    if (!fs.exists(src)) continue;
    for (const file of walk(src, fs)) {
      const rel = relative(root, file).split(sep).join('/');
      const inPkg = relative(dir, file).split(sep).join('/');
      for (const i of importsOf(fs.read(file))) {
        const target = ours(i.spec);
        if (target !== undefined && !may(target))
          problems.push(`${rel}: imports ${i.spec}, and ${name} may not import ${target}`);
        if (name === '@tessera/inspect' && i.spec.startsWith('node:') && !i.type && !isTest(inPkg))
          problems.push(
            `${rel}: imports ${i.spec} at run time; @tessera/inspect must stay browser-safe`,
          );
        if (i.spec.startsWith('.')) {
          const resolved = normalize(join(dirname(file), i.spec));
          if (!resolved.startsWith(dir + sep)) {
            const other = [...byDir].find(([d]) => resolved.startsWith(d + sep));
            const ok =
              isTest(inPkg) &&
              other !== undefined &&
              may(other[1]) &&
              resolved.split(sep).includes('test-support');
            if (!ok) problems.push(`${rel}: relative import ${i.spec} leaves ${name}`);
          }
        }
      }
    }
    if (name === '@tessera/cli' && fs.exists(join(src, 'main.ts')))
      problems.push(...lazyLoading(root, src, fs));
  }
  return problems;
}

// Follow static, non-type relative imports from main.ts: none may statically import a LAZY package.
function lazyLoading(root, src, fs) {
  const out = [];
  const seen = new Set();
  const stack = [join(src, 'main.ts')];
  while (stack.length > 0) {
    const f = stack.pop();
    if (seen.has(f) || !fs.exists(f)) continue;
    seen.add(f);
    for (const i of importsOf(fs.read(f))) {
      if (i.dynamic || i.type) continue;
      if (LAZY.includes(ours(i.spec) ?? ''))
        out.push(
          `${relative(root, f).split(sep).join('/')}: static import of ${i.spec} (load it when its command runs)`,
        );
      if (i.spec.startsWith('.'))
        stack.push(normalize(join(dirname(f), i.spec.replace(/\.js$/, '.ts'))));
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkLayers(root);
  if (problems.length > 0) {
    console.error(
      `check-layers: ${problems.length} wrong arrow${problems.length === 1 ? '' : 's'}`,
    );
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log('check-layers: every import follows the arrows');
}
