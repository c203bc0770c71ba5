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

test('README: the table of what each entry offers lists every function of both entries, truly', async () => {
  const N = (await import('./index.js')) as Record<string, unknown>;
  const W = (await import('./webcrypto/index.js')) as Record<string, unknown>;
  const functions = (m: Record<string, unknown>) =>
    Object.keys(m).filter((k) => typeof m[k] === 'function' && /^[a-z]/.test(k));
  const start = readme.indexOf('<!-- entries -->');
  const end = readme.indexOf('<!-- /entries -->');
  assert.ok(start !== -1 && end > start, 'the README has the entries table');
  const listed = new Map<string, { node: string; web: string }>();
  for (const line of readme.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length !== 6 || cells[1] === 'area' || cells[1]!.startsWith('-')) continue;
    for (const [, name] of cells[2]!.matchAll(/`([a-zA-Z0-9]+)`/g)) {
      assert.ok(!listed.has(name!), `${name} is listed once`);
      listed.set(name!, { node: cells[3]!, web: cells[4]! });
    }
  }
  const all = new Set([...functions(N), ...functions(W)]);
  assert.deepEqual([...listed.keys()].sort(), [...all].sort());
  for (const [name, { node, web }] of listed) {
    assert.equal(node === '—', !(name in N), `${name}: Node.js core column`);
    assert.equal(web === '—', !(name in W), `${name}: Web Crypto column`);
  }
});
