import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConcurrentSchemaDrop } from './kysely-store.js';

const pgError = (message: string, code = '3F000') => Object.assign(new Error(message), { code });

test('migrate retries only a failure caused by a schema dropped meanwhile', () => {
  assert.equal(isConcurrentSchemaDrop(pgError('schema "tessera_t_1_ab" does not exist')), true);
  assert.equal(isConcurrentSchemaDrop(pgError('relation "x.y" does not exist', '42P01')), true);
  assert.equal(
    isConcurrentSchemaDrop(pgError('cache lookup failed for relation 1234', 'XX000')),
    true,
  );
  assert.equal(
    isConcurrentSchemaDrop(pgError('could not open relation with OID 16384', 'XX000')),
    true,
  );
  assert.equal(isConcurrentSchemaDrop(pgError('cache lookup failed for type 5678', 'XX000')), true);
  // Our own migration failing, or an error without a PostgreSQL code, is not retried.
  assert.equal(
    isConcurrentSchemaDrop(pgError('column "x" of relation "y" already exists', '42701')),
    false,
  );
  assert.equal(isConcurrentSchemaDrop(new Error('schema "s" does not exist')), false);
  assert.equal(isConcurrentSchemaDrop('schema "s" does not exist'), false);
});
