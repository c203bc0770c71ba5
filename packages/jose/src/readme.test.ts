/** The package README stays true: error codes, documented decisions, the first example runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JOSE_ERROR_CODES } from './base/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('README lists every error code of errors.ts, and no other', () => {
  const listed = [...readme.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
  const codes = Object.keys(JOSE_ERROR_CODES);
  assert.deepEqual([...listed].sort(), [...codes].sort());
  assert.equal(new Set(listed).size, listed.length, 'each code once');
});

test('README documents the security decisions and every explicit opt-in', () => {
  for (const word of [
    'allowWeakSecret',
    'allowInsecureKeySize',
    'allowDuplicateClaims',
    '`crit',
    'encodeUnsecuredJwt',
    'decodeUnsecuredJwt',
    'maxTokenLength',
  ]) {
    assert.ok(readme.includes(word), word);
  }
  // The cases docs/security.md marks as decided.
  assert.match(readme, /unused trailing bits must be zero/); // docs/security.md#base64url
  assert.match(readme, /token string is not a unique identity/); // docs/security.md#token-identity
  assert.match(readme, /lone UTF-16 surrogates/); // docs/security.md#json-objects, #time-claims
  assert.match(readme, /`iat` in the future beyond `clockTolerance` is refused/); // #time-claims
  assert.match(readme, /## Install/);
});

test('README: the first example runs as written', async () => {
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const index = new URL('./index.js', import.meta.url).href;
  const code = `${block.replace("'@tessera/jose'", JSON.stringify(index))}\nexport { payload };`;
  const mod = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as {
    payload: Record<string, unknown>;
  };
  assert.equal(mod.payload['scope'], 'read');
  assert.equal(mod.payload['sub'], 'u1');
  assert.deepEqual(mod.payload['aud'], 'api');
});
