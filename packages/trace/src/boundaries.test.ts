/**
 * Layering, checked rather than described: model ← redact ← classify/correlate/participants ←
 * build-trace/assertions ← capture/* ; render/* reads the model only; nothing imports index. The
 * `tessera trace` command (flags, help, exit codes) lives in the CLI.
 * Which of our packages it may import is checked for the whole tree by scripts/check-layers.mjs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory())
      return n === 'test-support' || n === '__snapshots__' ? [] : sources(p);
    return n.endsWith('.ts') && !n.endsWith('.test.ts') ? [p] : [];
  });
}

const files = sources(SRC).map((p) => {
  const rel = relative(SRC, p).split('\\').join('/');
  const imports = [
    ...readFileSync(p, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm),
  ].map((m) => {
    const spec = m[1]!;
    return spec.startsWith('.')
      ? posix.normalize(posix.join(posix.dirname(rel), spec)).replace(/\.js$/, '.ts')
      : spec;
  });
  return { rel, imports };
});

test('the source tree was found', () => {
  assert.ok(files.length >= 15, `found ${files.length} files under ${SRC}`);
  assert.ok(files.some((f) => f.rel === 'capture/proxy.ts'));
});

test('no test helpers, browser drivers or diagram tools in library code', () => {
  for (const f of files) {
    for (const i of f.imports) {
      assert.ok(!i.includes('test-support'), `${f.rel} imports ${i}`);
      assert.ok(!i.startsWith('playwright') && !i.startsWith('mermaid'), `${f.rel} imports ${i}`);
    }
  }
});

const RULES: [RegExp, RegExp, string][] = [
  [/^model\.ts$/, /^(?!node:)/, 'model.ts imports nothing'],
  [/^redact\.ts$/, /^(?!node:)/, 'redact.ts imports only node:'],
  [
    /^render\//,
    /^(capture\/|build-trace\.ts|classify\.ts|correlate\.ts|trace-file\.ts|node:)/,
    'renderers read the model only',
  ],
  [/^capture\//, /^(render\/|index\.ts)/, 'capture does not draw'],
  [/./, /^index\.ts$/, 'nothing imports index.ts'],
];

test('layering: each rule holds for every file', () => {
  for (const f of files) {
    for (const [who, forbidden, why] of RULES) {
      if (!who.test(f.rel)) continue;
      for (const i of f.imports) {
        assert.ok(!forbidden.test(i), `${why}: ${f.rel} imports ${i}`);
      }
    }
  }
});
