import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  signFlattened,
  signGeneral,
  verifyFlattened,
  verifyGeneral,
  type GeneralJws,
} from '../index.js';
import { MAX_SIGNATURES } from './json.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import { pair, SECRET } from '../test-support/tokens.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

test('flattened: protected and unprotected headers come back separately', () => {
  const f = signFlattened('hi', SECRET, {
    alg: 'HS384',
    kid: 'p',
    unprotectedHeader: { 'x-u': true },
  });
  const r = verifyFlattened(f, SECRET, { algorithms: ['HS384'] });
  assert.equal(text(r.payload), 'hi');
  assert.deepEqual(r.protectedHeader, { alg: 'HS384', kid: 'p' });
  assert.deepEqual(r.unprotectedHeader, { 'x-u': true });
  assertJoseError(
    () => verifyFlattened({ ...f, signatures: [] } as never, SECRET, { algorithms: ['HS384'] }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(
    () => verifyFlattened({ ...f, payload: 5 } as never, SECRET, { algorithms: ['HS384'] }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(
    () => verifyFlattened({ ...f, header: 'x' } as never, SECRET, { algorithms: ['HS384'] }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(
    () => verifyFlattened({ ...f, signature: 1 } as never, SECRET, { algorithms: ['HS384'] }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(
    () => verifyFlattened({ ...f, header: { kid: 1 } } as never, SECRET, { algorithms: ['HS384'] }),
    'ERR_HEADER_INVALID',
  );
  // An empty payload member is an empty payload (detached content omits the member instead).
  const empty = signFlattened('', SECRET, { alg: 'HS256' });
  assert.equal(empty.payload, '');
  assert.equal(verifyFlattened(empty, SECRET, { algorithms: ['HS256'] }).payload.length, 0);
});

test('general: any one verifying signature suffices; the count is bounded', () => {
  const ec = pair('p384');
  const g = signGeneral('multi', [
    { key: SECRET, alg: 'HS512', unprotectedHeader: { kid: 'mac' } },
    { key: ec.privateKey, alg: 'ES384', kid: 'ec' },
  ]);
  assert.equal(g.signatures.length, 2);
  assert.equal(verifyGeneral(g, ec.publicKey, { algorithms: ['ES384'] }).protectedHeader.kid, 'ec');
  assert.equal(verifyGeneral(g, SECRET, { algorithms: ['HS512'] }).unprotectedHeader?.kid, 'mac');
  assertJoseError(
    () => verifyGeneral(g, pair('p384').publicKey, { algorithms: ['HS256'] }),
    'ERR_ALG_NOT_ALLOWED',
  );
  const tooMany: GeneralJws = {
    payload: g.payload,
    signatures: Array.from({ length: MAX_SIGNATURES + 1 }, () => g.signatures[0]!),
  };
  assertJoseError(
    () => verifyGeneral(tooMany, SECRET, { algorithms: ['HS512'] }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(
    () => verifyGeneral({ payload: 'x', signatures: [] }, SECRET, { algorithms: ['HS512'] }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(() => signGeneral('x', []), 'ERR_OPTIONS_INVALID');
  assertJoseError(
    () => signFlattened('x', SECRET, { alg: 'HS256', kid: 'a', unprotectedHeader: { kid: 'b' } }),
    'ERR_HEADER_INVALID',
  );
});

test('b64:false in the JSON forms: the payload member is the text itself', () => {
  const f = signFlattened('$.02 ✓', SECRET, { alg: 'HS256', b64: false });
  assert.equal(f.payload, '$.02 ✓');
  assert.equal(text(verifyFlattened(f, SECRET, { algorithms: ['HS256'] }).payload), '$.02 ✓');
  const g = signGeneral('body', [{ key: SECRET, alg: 'HS256' }], { b64: false });
  assert.equal(text(verifyGeneral(g, SECRET, { algorithms: ['HS256'] }).payload), 'body');
  assertJoseError(
    () => verifyFlattened({ ...f, payload: 'other' }, SECRET, { algorithms: ['HS256'] }),
    'ERR_SIGNATURE_INVALID',
  );
});
