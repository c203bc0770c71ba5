import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));

function imports(text: string): string[] {
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map(
    (m) => m[1]!,
  );
}

test('layering (docs/architecture.md#packages): the library imports only @tessera/jose, @tessera/inspect, node: built-ins and its own files', () => {
  assert.deepEqual(
    imports("import {\n  a,\n} from '@tessera/trace';\nexport { b } from './b.js';"),
    ['@tessera/trace', './b.js'],
  );
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.ok(files.length > 5);
  for (const f of files) {
    for (const spec of imports(readFileSync(SRC + f, 'utf8'))) {
      assert.ok(
        spec === '@tessera/jose' ||
          spec === '@tessera/inspect' ||
          spec.startsWith('node:') ||
          spec.startsWith('./'),
        `${f} imports ${spec}`,
      );
    }
  }
});

test('the page script talks only to this origin: no absolute URL in fetch, no storage, no eval', () => {
  const js = readFileSync(`${ASSETS}app.js`, 'utf8');
  assert.doesNotMatch(js, /fetch\(\s*['"`]https?:/);
  assert.doesNotMatch(js, /new WebSocket|EventSource|sendBeacon|importScripts/);
  assert.doesNotMatch(js, /localStorage\.|sessionStorage\.|indexedDB|document\.cookie/);
  assert.doesNotMatch(
    js,
    /\beval\(|new Function\(|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML/,
  );
  const html = readFileSync(`${ASSETS}index.html`, 'utf8');
  assert.doesNotMatch(html, /(src|href)="https?:/);
  const css = readFileSync(`${ASSETS}app.css`, 'utf8');
  assert.doesNotMatch(css, /url\(|@import|@font-face/);
});
