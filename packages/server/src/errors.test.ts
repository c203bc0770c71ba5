/** The issuer's code table is complete (every code the source uses is in it, or is a core code) and docs/errors.md lists it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  assertCodeTableComplete,
  assertReadmeListsCodes,
} from '../../jose/dist/test-support/error-codes.js';
import { JOSE_ERROR_CODES } from '@tessera/jose';
import { SERVER_ERROR_CODES, ServerError } from './errors.js';
import { ConfigError, resolveConfig } from './config.js';
import { InputError } from './users.js';
import { KekError } from './keys/kek.js';
import { StoreError } from './stores/kysely-store.js';
import { OAuthError } from './oauth-error.js';
import { AuthorizeError } from './authorization-request.js';

test('every code the source uses is in SERVER_ERROR_CODES (or is a core code), each with its meaning', () => {
  assertCodeTableComplete(new URL('../src/', import.meta.url), SERVER_ERROR_CODES, [
    JOSE_ERROR_CODES,
  ]);
});

test('docs/errors.md lists every code of SERVER_ERROR_CODES with its meaning, and no other', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assertReadmeListsCodes(doc, '## @tessera/server', SERVER_ERROR_CODES);
});

test('each kind of failure is a ServerError with its code, its message and name unchanged', () => {
  const cases: [ServerError, string, string][] = [
    [new ConfigError('bad'), 'ERR_CONFIG', 'ConfigError'],
    [new InputError('bad'), 'ERR_INPUT', 'InputError'],
    [new KekError('bad'), 'ERR_KEK', 'KekError'],
    [new StoreError('bad'), 'ERR_STORE', 'StoreError'],
    [new OAuthError(400, 'invalid_grant', 'bad'), 'ERR_OAUTH', 'OAuthError'],
    [new AuthorizeError('invalid_scope', 'bad'), 'ERR_AUTHORIZE', 'AuthorizeError'],
  ];
  for (const [e, code, name] of cases) {
    assert.ok(e instanceof ServerError);
    assert.deepEqual([e.code, e.name, e.message], [code, name, 'bad']);
  }
  assert.throws(
    () => resolveConfig({ issuer: 'not a url' }),
    (e: unknown) => e instanceof ConfigError && e.code === 'ERR_CONFIG',
  );
});
