// The package arrows are checked once for the whole tree (scripts/check-layers.mjs); this file
// checks what the page script itself may do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCRIPT_MODULES } from './static-assets.js';

const ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));

test('every script module in assets/ is served, and they import only each other', () => {
  const onDisk = readdirSync(ASSETS).filter((f) => f.endsWith('.js'));
  assert.deepEqual([...onDisk].sort(), [...SCRIPT_MODULES].sort());
  for (const f of onDisk) {
    const js = readFileSync(`${ASSETS}${f}`, 'utf8');
    for (const m of js.matchAll(/^import\s[^;]*?'([^']+)'/gm))
      assert.ok(
        (SCRIPT_MODULES as readonly string[]).includes(m[1]!.replace(/^\.\//, '')) &&
          m[1]!.startsWith('./'),
        `${f} imports ${m[1]}: only the page's own modules, relative to this origin`,
      );
  }
});

test('the page script talks only to this origin: no absolute URL in fetch, no storage, no eval', () => {
  const js = SCRIPT_MODULES.map((f) => readFileSync(`${ASSETS}${f}`, 'utf8')).join('\n');
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
