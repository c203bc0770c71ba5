// The layering check passes on the tree and fails on each kind of wrong arrow, planted in an
// in-memory overlay of the real files (nothing on disk changes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayers, importsOf } from './check-layers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The real tree, with `planted` files (path relative to root → text) laid over it. */
function overlay(planted) {
  const abs = new Map(Object.entries(planted).map(([p, t]) => [join(root, p), t]));
  return {
    list: (d) => {
      const names = existsSync(d) ? readdirSync(d) : [];
      for (const p of abs.keys()) if (dirname(p) === d) names.push(p.slice(d.length + 1));
      return [...new Set(names)].sort();
    },
    isDir: (p) => !abs.has(p) && statSync(p).isDirectory(),
    read: (p) => abs.get(p) ?? readFileSync(p, 'utf8'),
    exists: (p) => abs.has(p) || existsSync(p),
  };
}

const append = (path, line) => ({ [path]: `${readFileSync(join(root, path), 'utf8')}\n${line}\n` });

test('the tree follows the arrows', () => {
  assert.deepEqual(checkLayers(root), []);
});

test('a planted wrong import fails the check, naming the file and the arrow', () => {
  const cases = [
    [
      'packages/server/src/index.ts',
      "import { createGuard } from '@tessera/guard';",
      /server\/src\/index\.ts: imports @tessera\/guard/,
    ],
    [
      'packages/jose/src/index.ts',
      "export { decodeToken } from '@tessera/inspect';",
      /jose may not import @tessera\/inspect/,
    ],
    [
      'packages/inspect/src/index.ts',
      "import { readFileSync } from 'node:fs';",
      /must stay browser-safe/,
    ],
    [
      'packages/web/src/index.ts',
      "import { main } from '@tessera/cli';",
      /web may not import @tessera\/cli/,
    ],
    [
      'packages/guard/src/index.ts',
      "import x from '../../server/src/index.js';",
      /leaves @tessera\/guard/,
    ],
    [
      'packages/cli/src/main.ts',
      "import { startServer } from '@tessera/server';",
      /static import of @tessera\/server/,
    ],
  ];
  for (const [file, line, expected] of cases) {
    const problems = checkLayers(root, overlay(append(file, line)));
    assert.equal(problems.length, 1, `${file}: ${problems.join('; ')}`);
    assert.match(problems[0], expected);
  }
});

test('a wrong package.json dependency fails too; type-only and dynamic imports are told apart', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'packages/trace/package.json'), 'utf8'));
  pkg.dependencies['@tessera/server'] = '0.1.0';
  const problems = checkLayers(
    root,
    overlay({ 'packages/trace/package.json': JSON.stringify(pkg) }),
  );
  assert.deepEqual(problems, [
    '@tessera/trace: package.json dependencies has @tessera/server, which @tessera/trace may not import',
  ]);
  assert.deepEqual(
    importsOf(
      "import type { KeyObject } from 'node:crypto';\nconst m = await import('@tessera/web');\nimport {\n  a,\n} from './a.js';",
    ),
    [
      { spec: 'node:crypto', type: true, dynamic: false },
      { spec: './a.js', type: false, dynamic: false },
      { spec: '@tessera/web', type: false, dynamic: true },
    ],
  );
  // A type-only node: import keeps @tessera/inspect browser-safe (it is erased).
  assert.deepEqual(
    checkLayers(
      root,
      overlay(
        append('packages/inspect/src/index.ts', "import type { KeyObject } from 'node:crypto';"),
      ),
    ),
    [],
  );
});
