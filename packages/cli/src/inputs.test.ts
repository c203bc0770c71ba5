import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cleanTokenInput } from './token-input.js';
import { decodeToken } from './token-parts.js';
import { decodeSecret } from './secrets.js';
import { duplicateMembers } from './json-members.js';
import { looksLikeCardNumber, luhnValid } from './audit/sensitive-data.js';
import { formatDate, relative, span, parseDateMode } from './dates.js';
import { CliError } from './exit-codes.js';

test('cleanTokenInput strips Authorization/Bearer/access_token/quotes/JSON wrappers and whitespace', () => {
  const t = 'aaa.bbb.ccc';
  for (const s of [
    t,
    ` ${t} `,
    `Bearer ${t}`,
    `bearer\t${t}`,
    `Authorization: Bearer ${t}`,
    `access_token: ${t}`,
    `access_token=${t}`,
    `"${t}"`,
    `'Bearer ${t}'`,
    `{"access_token":"${t}","token_type":"Bearer"}`,
    `aaa.\n  bbb.\r\n ccc`,
    `"${t}",`,
  ]) {
    assert.equal(cleanTokenInput(s), t, JSON.stringify(s));
  }
});

test('cleanTokenInput refuses empty, binary, invalid UTF-8 and oversized input with exit 3', () => {
  for (const s of ['', '   ', 'a\u0000b', Buffer.from([0xc3, 0x28]), 'x'.repeat(70_000)]) {
    assert.throws(
      () => cleanTokenInput(s as string),
      (e: unknown) => e instanceof CliError && e.exitCode === 3,
    );
  }
});

test('decodeToken never throws anything but an input CliError, whatever the string (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      try {
        decodeToken(s);
      } catch (e) {
        return e instanceof CliError && e.exitCode === 3;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

test('decodeSecret: utf8 default, b64:/b64url:/hex: prefixes, explicit encoding wins', () => {
  assert.deepEqual([...decodeSecret('abc')], [97, 98, 99]);
  assert.deepEqual([...decodeSecret('hex:616263')], [97, 98, 99]);
  assert.deepEqual([...decodeSecret('b64:YWJj')], [97, 98, 99]);
  assert.deepEqual([...decodeSecret('b64url:YWJj')], [97, 98, 99]);
  assert.deepEqual([...decodeSecret('hex:616263', 'utf8')], [...Buffer.from('hex:616263')]);
  assert.throws(() => decodeSecret('hex:6162z3'));
  assert.throws(() => decodeSecret('b64:YW*j'));
});

test('duplicateMembers finds repeated names per object, not across objects', () => {
  assert.deepEqual(duplicateMembers('{"a":1,"a":2}'), ['a']);
  assert.deepEqual(duplicateMembers('{"a":{"b":1},"c":{"b":2}}'), []);
  assert.deepEqual(duplicateMembers('{"x":[{"k":1,"k":2}],"s":"\\"a\\":"}'), ['k']);
  assert.deepEqual(duplicateMembers('{"\\u0061":1,"a":2}'), ['a']);
});

test('Luhn and card detection', () => {
  assert.ok(luhnValid('4111111111111111'));
  assert.ok(!luhnValid('4111111111111112'));
  assert.ok(looksLikeCardNumber('5555-5555-5555-4444'));
  assert.ok(looksLikeCardNumber(4111111111111111));
  assert.ok(!looksLikeCardNumber('1234567890'));
  assert.ok(!looksLikeCardNumber('0000000000000000'));
});

test('dates: relative phrases, spans, modes', () => {
  const now = new Date('2026-05-03T10:00:00Z');
  const t = now.getTime() / 1000;
  assert.equal(relative(t + 14 * 60, now), 'in 14m');
  assert.equal(relative(t - 3 * 3600 - 300, now), '3h 5m ago');
  assert.equal(relative(t, now), 'now');
  assert.equal(span(86400 * 2 + 3600), '2d 1h');
  assert.equal(
    formatDate(t + 840, now, 'full', 'Europe/Paris'),
    '2026-05-03T10:14:00Z (local 12:14 CEST, in 14m)',
  );
  assert.deepEqual(parseDateMode('-05:30'), { offsetMinutes: -330 });
  assert.equal(formatDate(t, now, { offsetMinutes: -330 }), '2026-05-03T04:30:00-05:30');
  assert.equal(parseDateMode('+25:00'), undefined);
});
