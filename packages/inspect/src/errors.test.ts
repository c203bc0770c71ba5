/** The inspect package's code table is complete (every code the source uses is in it, or is a core code it passes on) and docs/errors.md lists it. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import {
  assertCodeTableComplete,
  assertReadmeListsCodes,
} from '../../jose/dist/test-support/error-codes.js';
import { JOSE_ERROR_CODES } from '@tessera/jose';
import { INSPECT_ERROR_CODES } from './errors.js';

test('every code the source uses is in INSPECT_ERROR_CODES (or is a core code), each with its meaning', () => {
  assertCodeTableComplete(new URL('../src/', import.meta.url), INSPECT_ERROR_CODES, [
    JOSE_ERROR_CODES,
  ]);
});

test('docs/errors.md lists every code of INSPECT_ERROR_CODES with its meaning, and no other', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assertReadmeListsCodes(doc, '## @tessera/inspect', INSPECT_ERROR_CODES);
});
