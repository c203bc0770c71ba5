import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64url, encodeBase64url, isStrictBase64url } from './base64url.js';
import { JoseError } from './errors.js';

test('B3: canonical base64url only', () => {
  assert.equal(encodeBase64url('hi'), 'aGk');
  assert.deepEqual([...decodeBase64url('aGk')], [104, 105]);
  for (const bad of ['aGk=', 'a+k', 'a/k', 'aG k', 'aG\nk', 'a!k', 'aGl', 'a', 'abcde']) {
    assert.equal(isStrictBase64url(bad), false, bad);
    assert.throws(() => decodeBase64url(bad), (e: unknown) => e instanceof JoseError && e.code === 'ERR_BASE64URL_INVALID');
  }
});
