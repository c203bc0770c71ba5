/** The trace's code table is complete (every code the source uses is in it) and docs/errors.md lists it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  assertCodeTableComplete,
  assertReadmeListsCodes,
} from '../../jose/dist/test-support/error-codes.js';
import { JOSE_ERROR_CODES } from '@tessera/jose';
import { TRACE_ERROR_CODES, TraceError, TraceInputError } from './errors.js';
import { startProxy } from './capture/proxy.js';

test('every code the source uses is in TRACE_ERROR_CODES (or is a core code), each with its meaning', () => {
  assertCodeTableComplete(new URL('../src/', import.meta.url), TRACE_ERROR_CODES, [
    JOSE_ERROR_CODES,
  ]);
});

test('docs/errors.md lists every code of TRACE_ERROR_CODES with its meaning, and no other', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assertReadmeListsCodes(doc, '## @tessera/trace', TRACE_ERROR_CODES);
});

test('every failure is a TraceError: an input error carries its path, a proxy target its code', async () => {
  const e = new TraceInputError('ERR_SCENARIO_INVALID', 'login.url', 'must be a URL or a path');
  assert.ok(e instanceof TraceError);
  assert.equal(e.message, 'login.url: must be a URL or a path');
  for (const target of ['https://127.0.0.1:1', 'not a url'])
    await assert.rejects(
      startProxy({ target }),
      (err: unknown) => err instanceof TraceError && err.code === 'ERR_PROXY_TARGET_INVALID',
    );
});
