import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { decodeBase64url, encodeBase64url, isStrictBase64url } from './base64url.js';
import { JoseError } from './errors.js';

test('B3: canonical base64url only', () => {
  assert.equal(encodeBase64url('hi'), 'aGk');
  assert.deepEqual([...decodeBase64url('aGk')], [104, 105]);
  for (const bad of ['aGk=', 'a+k', 'a/k', 'aG k', 'aG\nk', 'a!k', 'aGl', 'a', 'abcde']) {
    assert.equal(isStrictBase64url(bad), false, bad);
    assert.throws(
      () => decodeBase64url(bad),
      (e: unknown) => e instanceof JoseError && e.code === 'ERR_BASE64URL_INVALID',
    );
  }
});

test('base64url: encode/decode every length, strings as UTF-8, Buffers without copying semantics', () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 53 + n) & 0xff);
    const s = encodeBase64url(bytes);
    assert.doesNotMatch(s, /[=+/]/);
    assert.notEqual(s.length % 4, 1);
    assert.deepEqual(new Uint8Array(decodeBase64url(s)), bytes);
    assert.ok(isStrictBase64url(s));
  }
  assert.equal(encodeBase64url('é✓'), Buffer.from('é✓', 'utf8').toString('base64url'));
  assert.equal(encodeBase64url(new Uint8Array([0xfb, 0xff])), '-_8');
  assert.equal(decodeBase64url('').length, 0);
});

test('B3: every non-zero pattern of unused trailing bits is refused', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // 2 chars (1 byte): the last char's low 4 bits are unused; 3 chars (2 bytes): low 2 bits.
  for (const [prefix, mask] of [
    ['Q', 0x0f],
    ['QU', 0x03],
  ] as const) {
    for (let v = 0; v < 64; v++) {
      const s = prefix + alphabet[v]!;
      if ((v & mask) === 0) assert.equal(encodeBase64url(decodeBase64url(s)), s);
      else assertThrowsB64(s);
    }
  }
});

test('decodeBase64url refuses non-strings and names the segment, never its content', () => {
  for (const v of [undefined, null, 1, {}, [], new Uint8Array(2)])
    assertThrowsB64(v as unknown as string);
  try {
    decodeBase64url('secret+stuff', 'signature');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof JoseError);
    assert.match(e.message, /^signature /);
    assert.doesNotMatch(e.message, /secret/);
  }
});

function assertThrowsB64(s: string): void {
  assert.throws(
    () => decodeBase64url(s),
    (e: unknown) => e instanceof JoseError && e.code === 'ERR_BASE64URL_INVALID',
    String(s),
  );
}

test('the portable codec (Deno, workers, browsers) equals Buffer: every length, random bytes', async () => {
  const { portableBase64url, isStrictBase64url: strict } = await import('./base64url.js');
  const fc = (await import('fast-check')).default;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = Buffer.from(bytes).toString('base64url');
      assert.equal(portableBase64url.encode(bytes), text);
      assert.ok(strict(text));
      assert.deepEqual([...portableBase64url.decode(text)], [...bytes]);
    }),
    { numRuns: 500 },
  );
  assert.equal(portableBase64url.encode('é€'), Buffer.from('é€').toString('base64url'));
});
