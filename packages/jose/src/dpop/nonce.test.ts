/** Stateless DPoP nonces (RFC 9449 §8, §9): same secret same nonces, old slots and other secrets refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDpopNonces, normalizeHtu } from '../index.js';
import { assertJoseError } from '../test-support/assert-jose.js';

const secret = new Uint8Array(32).fill(1);
const T = new Date('2026-12-03T12:00:00Z');
const at = (s: number) => new Date(T.getTime() + s * 1000);

test('two nodes with one secret issue and accept the same nonces', () => {
  const a = createDpopNonces({ secret, period: 300 });
  const b = createDpopNonces({ secret: Uint8Array.from(secret), period: '5m' });
  assert.equal(a.current(T), b.current(T));
  assert.ok(b.check(a.current(T), T));
  assert.match(a.current(T), /^[A-Za-z0-9_-]{43}$/);
});

test('a nonce stays good for the next slot, then is refused (expired)', () => {
  const n = createDpopNonces({ secret, period: 300 });
  const slotStart = new Date(Math.floor(T.getTime() / 300_000) * 300_000);
  const nonce = n.current(slotStart);
  assert.ok(n.check(nonce, new Date(slotStart.getTime() + 599_000)));
  assert.equal(n.check(nonce, new Date(slotStart.getTime() + 600_000)), false);
  assert.notEqual(n.current(at(300)), n.current(T));
  // A node whose clock is a little behind still accepts a nonce from the next slot.
  assert.ok(n.check(n.current(at(300)), T));
  assert.equal(n.check(n.current(at(900)), T), false);
});

test('a nonce from another secret or another purpose is refused; junk is refused', () => {
  const n = createDpopNonces({ secret });
  const other = createDpopNonces({ secret: new Uint8Array(32).fill(2) });
  assert.equal(n.check(other.current(T), T), false);
  assert.equal(n.check(createDpopNonces({ secret, purpose: 'resource' }).current(T), T), false);
  for (const junk of ['', 'abc', 'A'.repeat(43), `${n.current(T)}=`, 3 as never])
    assert.equal(n.check(junk, T), false);
});

test('options are checked', () => {
  assertJoseError(() => createDpopNonces({ secret: new Uint8Array(16) }), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => createDpopNonces({ secret, period: '1 month' }), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => createDpopNonces({ secret, period: 0 }), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => createDpopNonces({ secret, purpose: 'a:b' }), 'ERR_OPTIONS_INVALID');
});

test('normalizeHtu: RFC 3986 §6.2.2-6.2.3 normalisation without query and fragment', () => {
  assert.equal(
    normalizeHtu('HTTPS://Api.Example.com:443/a/./b/../c%7e%2f?x=1#f'),
    'https://api.example.com/a/c~%2F',
  );
  assert.equal(normalizeHtu('http://h:80'), 'http://h/');
  assert.equal(normalizeHtu('http://h:8080/x'), 'http://h:8080/x');
  for (const bad of ['', '/relative', 'ftp://h/x', 'not a url', 'javascript:alert(1)'])
    assertJoseError(() => normalizeHtu(bad), 'ERR_OPTIONS_INVALID');
});
