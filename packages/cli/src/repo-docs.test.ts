import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository's own docs/ are what code comments and READMEs cite: every
// `docs/NAME.md#anchor` must exist, and nothing may point outside the repository.
const root = fileURLToPath(new URL('../../../', import.meta.url));

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs|md)$/.test(name)) out.push(p);
  }
  return out;
}

const files = [
  ...walk(join(root, 'packages')).filter(
    (f) => (!f.includes('/vectors/') || f.endsWith('.md')) && !f.endsWith('repo-docs.test.ts'),
  ),
  ...walk(join(root, 'docs')),
  ...walk(join(root, 'scripts')),
  ...walk(join(root, 'bench')),
  join(root, 'README.md'),
];

function anchorsOf(doc: string): Set<string> {
  const text = readFileSync(join(root, 'docs', doc), 'utf8');
  const ids = new Set([...text.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]!));
  for (const m of text.matchAll(/^#+ (.+)$/gm)) {
    ids.add(
      m[1]!
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .trim()
        .replace(/\s+/g, '-'),
    );
  }
  return ids;
}

test('docs: every docs/FILE.md#anchor cited in code and READMEs exists', () => {
  const missing: string[] = [];
  const cache = new Map<string, Set<string>>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // `docs/security.md#a, #b` cites several anchors of one file.
    for (const m of text.matchAll(/docs\/([a-z-]+\.md)((?:#[a-z0-9-]+(?:,? #[a-z0-9-]+)*)?)/g)) {
      const doc = m[1]!;
      let ids = cache.get(doc);
      if (ids === undefined) {
        try {
          ids = anchorsOf(doc);
        } catch {
          missing.push(`${relative(root, file)}: docs/${doc} does not exist`);
          continue;
        }
        cache.set(doc, ids);
      }
      for (const a of m[2]!.matchAll(/#([a-z0-9-]+)/g)) {
        if (!ids.has(a[1]!)) missing.push(`${relative(root, file)}: docs/${doc}#${a[1]}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('docs: the product never points at documents outside the repository', () => {
  // Spelled in pieces so that this file does not match itself in a `git grep`.
  const outside = new RegExp(
    [['SECURITY', 'CASES'].join('-'), 'UX', 'DESIGN', 'SERVER']
      .map((n, i) => (i === 0 ? n : `${n}\\.md`))
      .concat(['\\.\\./' + 'shared'])
      .join('|'),
  );
  const hits = files
    .filter((f) => !f.endsWith('repo-docs.test.ts'))
    .filter((f) => outside.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f));
  assert.deepEqual(hits, []);
});

test("README's CLI examples write into examples/out/, and git ignores what they write there", async () => {
  const { execFileSync } = await import('node:child_process');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const written = [
    ...readme.matchAll(/(?:--out-private|--out-public|--out|>)\s+(\S+\.(?:jwk|txt|json))/g),
  ].map((m) => m[1]!);
  assert.ok(written.length >= 3, `the README's examples write files: ${written.join(', ')}`);
  for (const path of written) assert.match(path, /^examples\/out\//, path);
  for (const path of [...written, 'examples/out/trace.json', 'examples/out/any.jwk']) {
    // check-ignore exits 0 when the path is ignored, 1 when not (execFileSync throws then).
    execFileSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: root });
  }
  assert.throws(() =>
    execFileSync('git', ['check-ignore', '-q', '--no-index', 'examples/out/.gitkeep'], {
      cwd: root,
    }),
  );
});
