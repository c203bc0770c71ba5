import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuardError } from './bearer.js';
import { RevocationList } from './revocation-list.js';

const now = 1_800_000_000;
const invalid = (e: unknown) => e instanceof GuardError && e.reason === 'ERR_FEED_INVALID';

test('entries by jti and sid are refused until their exp, then forgotten', () => {
  const list = new RevocationList();
  assert.equal(
    list.apply(
      {
        iat: now,
        revoked: [
          { jti: 'a', exp: now + 10 },
          { sid: 's', exp: now + 20 },
        ],
      },
      now,
    ),
    true,
  );
  assert.equal(list.isRevoked({ jti: 'a' }), true);
  assert.equal(list.isRevoked({ jti: 'b', sid: 's' }), true);
  assert.equal(list.isRevoked({ jti: 'b', sid: 't' }), false);
  assert.equal(list.isRevoked({ jti: 'b' }), false);
  list.prune(now + 10);
  assert.equal(list.isRevoked({ jti: 'a' }), false);
  assert.equal(list.size, 1);
  list.prune(now + 20);
  assert.equal(list.size, 0);
});

test('a feed never un-revokes, and an older feed is ignored', () => {
  const list = new RevocationList();
  list.apply({ iat: now, revoked: [{ jti: 'a', exp: now + 100 }] }, now);
  list.apply({ iat: now + 5, revoked: [] }, now + 5);
  assert.equal(list.isRevoked({ jti: 'a' }), true);
  assert.equal(
    list.apply({ iat: now - 1, revoked: [{ jti: 'old', exp: now + 100 }] }, now + 6),
    false,
  );
  assert.equal(list.isRevoked({ jti: 'old' }), false);
  // Already-expired entries are not even stored.
  list.apply({ iat: now + 7, revoked: [{ jti: 'gone', exp: now }] }, now + 7);
  assert.equal(list.isRevoked({ jti: 'gone' }), false);
});

test('a malformed feed is refused whole', () => {
  const list = new RevocationList();
  const bad: unknown[] = [
    { jti: 'a' },
    { exp: now + 1 },
    { jti: '', exp: now + 1 },
    { jti: 1, exp: now + 1 },
    { sid: ['s'], exp: now + 1 },
    { jti: 'x'.repeat(257), exp: now + 1 },
    { jti: 'a', exp: '9999999999' },
    { jti: 'a', exp: Infinity },
    null,
    ['a'],
  ];
  for (const entry of bad) {
    assert.throws(
      () => list.apply({ iat: now, revoked: [{ jti: 'ok', exp: now + 100 }, entry] }, now),
      invalid,
      JSON.stringify(entry),
    );
  }
  assert.throws(() => list.apply({ iat: now, revoked: 'a' }, now), invalid);
  assert.throws(() => list.apply({ iat: now }, now), invalid);
  assert.equal(list.isRevoked({ jti: 'ok' }), false);
  assert.equal(list.updatedAt, undefined);
});
