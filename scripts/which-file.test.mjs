// docs/which-file.md stays true: every file it names exists, and it answers the questions a
// newcomer asks first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = readFileSync(join(root, 'docs/which-file.md'), 'utf8');

test('every file named by docs/which-file.md exists', () => {
  const paths = [...doc.matchAll(/`(packages\/[^`*<]+)`/g)].map((m) => m[1]);
  assert.ok(paths.length >= 25, String(paths.length));
  for (const p of paths) assert.ok(existsSync(join(root, p)), p);
  for (const dir of [...doc.matchAll(/`(packages\/[^`<]+)\/(?:\*|<[a-z-]+>\.ts)`/g)].map(
    (m) => m[1],
  ))
    assert.ok(existsSync(join(root, dir)), dir);
});

test('it names the file for each change the layering issue asked about', () => {
  for (const change of [
    'new claim check',
    'new paste-cleaning rule',
    'new audit rule',
    'new CLI flag',
    'new grant',
    'new store query',
    'new guard adapter',
  ])
    assert.match(doc, new RegExp(`\\*\\*${change}\\*\\*`), change);
});
