import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUnsecuredJwt, encodeUnsecuredJwt } from '../index.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import { b64, NOW, NOW_S } from '../test-support/tokens.js';

test('unsecured JWTs: encode, decode with claim checks, and nothing else', () => {
  const t = encodeUnsecuredJwt({ sub: 'u', exp: NOW_S + 10 });
  assert.equal(t.split('.')[0], b64({ alg: 'none' }));
  assert.deepEqual(decodeUnsecuredJwt(t, { currentDate: NOW, subject: 'u' }).payload, {
    sub: 'u',
    exp: NOW_S + 10,
  });
  assertJoseError(
    () => decodeUnsecuredJwt(t, { currentDate: new Date((NOW_S + 10) * 1000) }),
    'ERR_JWT_EXPIRED',
  );
  assertJoseError(
    () => decodeUnsecuredJwt(t, { currentDate: NOW, subject: 'v' }),
    'ERR_JWT_CLAIM_INVALID',
  );
  assertJoseError(
    () => decodeUnsecuredJwt(`${b64({ alg: 'none', crit: ['x'], x: 1 })}.${b64({})}.`),
    'ERR_CRIT_UNSUPPORTED',
  );
  assertJoseError(
    () => decodeUnsecuredJwt(`${b64({ alg: 'none' })}.${b64([1])}.`),
    'ERR_JSON_INVALID',
  );
  assertJoseError(
    () => decodeUnsecuredJwt(`${b64({ alg: 'none' })}.${b64({})}`),
    'ERR_UNSECURED_JWT_INVALID',
  );
  assertJoseError(() => decodeUnsecuredJwt(5 as never), 'ERR_UNSECURED_JWT_INVALID');
  assertJoseError(() => encodeUnsecuredJwt([] as never), 'ERR_OPTIONS_INVALID');
});
