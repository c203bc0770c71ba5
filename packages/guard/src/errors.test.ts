/** The README's reason-code table stays equal to errors.ts; discovery failures carry those codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GUARD_ERROR_CODES } from './errors.js';
import { GuardError } from './bearer.js';
import { discoverIssuer } from './discovery.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('README lists every code of GUARD_ERROR_CODES with its meaning, and no other', () => {
  const section = readme.slice(readme.indexOf('### Reason codes'));
  const rows = [...section.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| (.+) \|$/gm)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
  assert.deepEqual(Object.fromEntries(rows), GUARD_ERROR_CODES);
  assert.equal(rows.length, Object.keys(GUARD_ERROR_CODES).length, 'each code once');
});

test('metadata that is not JSON, lacks jwks_uri, or names another issuer: each its own code, never ERR_JWKS_*', async () => {
  let doc = '';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(doc);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const discover = () => discoverIssuer(issuer, { allowHttpLoopback: true, timeoutMs: 2000 });
  const refusedWith = (code: string) => (e: unknown) =>
    e instanceof GuardError && e.status === 503 && e.reason === code && e.error === undefined;
  try {
    for (const [body, code] of [
      ['not json', 'ERR_METADATA_INVALID'],
      ['[1]', 'ERR_METADATA_INVALID'],
      [JSON.stringify({ issuer }), 'ERR_METADATA_INVALID'],
      [JSON.stringify({ issuer, jwks_uri: 'http://keys.example/jwks' }), 'ERR_METADATA_INVALID'],
      [
        JSON.stringify({ issuer: `${issuer}/`, jwks_uri: `${issuer}/jwks` }),
        'ERR_METADATA_ISSUER_MISMATCH',
      ],
    ] as const) {
      doc = body;
      await assert.rejects(discover(), refusedWith(code), body);
    }
    doc = JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` });
    assert.equal((await discover()).jwksUri, `${issuer}/jwks`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  // Nothing listens there any more: the fetch itself fails.
  await assert.rejects(discover(), refusedWith('ERR_METADATA_FETCH_FAILED'));
});
