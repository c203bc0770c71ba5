/**
 * @tessera/inspect runs in the page as well as in the CLI: its compiled modules import only
 * @tessera/jose and each other — no `node:` module, no other package. A planted import fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = dirname(fileURLToPath(import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g;

/** Every module reachable from `entry` through relative imports, with its external imports. */
export function closure(entry: string, read = (f: string) => readFileSync(f, 'utf8')) {
  const seen = new Map<string, string[]>();
  const stack = [join(dist, entry)];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    const imports = [...read(f).matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
    seen.set(
      f,
      imports.filter((i) => !i.startsWith('.')),
    );
    for (const i of imports) if (i.startsWith('.')) stack.push(join(dirname(f), i));
  }
  return seen;
}

function offenders(mods: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [file, external] of mods)
    for (const e of external)
      if (e !== '@tessera/jose') out.push(`${relative(dist, file)} imports ${e}`);
  return out;
}

test('every module of @tessera/inspect imports only @tessera/jose and its own files', () => {
  const mods = closure('index.js');
  assert.ok(mods.size >= 12, `only ${mods.size} modules reached`);
  assert.deepEqual(offenders(mods), []);
});

test('the check fires on a planted node: import', () => {
  const planted = (f: string) =>
    f.endsWith('paste.js')
      ? `import { readFileSync } from 'node:fs';\n${readFileSync(f, 'utf8')}`
      : readFileSync(f, 'utf8');
  assert.deepEqual(offenders(closure('index.js', planted)), ['paste.js imports node:fs']);
});
