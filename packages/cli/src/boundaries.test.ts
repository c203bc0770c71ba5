import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = dirname(fileURLToPath(import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

/** Every module reachable from `entry` through relative imports, with its external imports. */
function closure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const stack = [join(dist, entry)];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    const imports = importsOf(f);
    seen.set(
      f,
      imports.filter((i) => !i.startsWith('.')),
    );
    for (const i of imports) if (i.startsWith('.')) stack.push(join(dirname(f), i));
  }
  return seen;
}

test('commands never import the delegated packages directly (wired only in commands/delegated)', () => {
  for (const [file, external] of closure('main.js')) {
    if (file.endsWith(join('commands', 'delegated.js'))) continue;
    for (const e of external)
      assert.doesNotMatch(e, /^@tessera\/(server|trace|web)/, relative(dist, file));
  }
});
