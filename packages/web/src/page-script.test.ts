// The package arrows are checked once for the whole tree (scripts/check-layers.mjs); this file
// checks what the page script itself may do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));

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
