/**
 * The guard's code table is complete (every code the source uses is in it or is a core code it
 * hands on) and the README lists it; discovery failures carry those codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JOSE_ERROR_CODES } from '@tessera/jose';
import {
  assertCodeTableComplete,
  assertReadmeListsCodes,
  errorCodesIn,
} from '../../jose/dist/test-support/error-codes.js';
import { GUARD_ERROR_CODES, optionsError } from './errors.js';
import { GuardError, guardErrorResponse } from './bearer.js';
import { discoverIssuer } from './discovery.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('every code the source uses is in GUARD_ERROR_CODES (or is a core code), each with its meaning', () => {
  assertCodeTableComplete(new URL('../src/', import.meta.url), GUARD_ERROR_CODES, [
    JOSE_ERROR_CODES,
  ]);
  // The check fires: without the table, the guard's own codes are unknown.
  assert.throws(
    () => assertCodeTableComplete(new URL('../src/', import.meta.url), {}, [JOSE_ERROR_CODES]),
    /ERR_FEED_INVALID/,
  );
  assert.ok(
    errorCodesIn(new URL('../src/', import.meta.url))
      .get('ERR_GUARD_OPTIONS_INVALID')
      ?.includes('errors.ts'),
  );
});

test('a configuration mistake that reaches a request is a bare 500: no challenge, no message', () => {
  const r = guardErrorResponse(optionsError('revocation.credentials.token must be printable'));
  assert.equal(r.status, 500);
  assert.equal(r.headers['www-authenticate'], undefined);
  assert.deepEqual(JSON.parse(r.body), { error: 'server_error' });
});

test('README lists every code of GUARD_ERROR_CODES with its meaning, and no other', () => {
  assertReadmeListsCodes(readme, '### Reason codes', GUARD_ERROR_CODES);
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
