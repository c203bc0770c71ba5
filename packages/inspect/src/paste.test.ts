import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cleanToken } from './paste.js';
import { decodeToken } from './decode.js';
import { decodeSecret } from './key-text.js';
import { duplicateMembers } from './json-members.js';
import { looksLikeCardNumber, luhnValid } from './audit/sensitive-data.js';
import { formatDate, relative, span, parseDateMode, looksLikeMilliseconds } from './dates.js';
import { InspectError } from './errors.js';

test('cleanToken strips Authorization/Bearer/field names/quotes/JSON wrappers and whitespace', () => {
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
    `jwt=${t}`,
    `value: ${t}`,
    `\uFEFF${t}`,
    `\`${t}\``,
    `{"jwt":"${t}"}`,
    `{"value":"Bearer ${t}"}`,
    `{"id_token":"${t}"}`,
  ]) {
    assert.equal(cleanToken(s).token, t, JSON.stringify(s));
  }
  assert.deepEqual(cleanToken(`Authorization: Bearer "${t}"`).removed, [
    '"Authorization:" header name',
    'Bearer prefix',
    'quotes',
  ]);
  assert.deepEqual(cleanToken(t).removed, []);
});

test('cleanToken refuses empty, binary, invalid UTF-8 and oversized input with a typed error', () => {
  const cases: [string | Uint8Array, string][] = [
    ['', 'ERR_INPUT_EMPTY'],
    ['   ', 'ERR_INPUT_EMPTY'],
    ['a\u0000b', 'ERR_INPUT_BINARY'],
    [new Uint8Array([0xc3, 0x28]), 'ERR_INPUT_BINARY'],
    ['x'.repeat(70_000), 'ERR_INPUT_TOO_LARGE'],
  ];
  for (const [s, code] of cases) {
    assert.throws(
      () => cleanToken(s),
      (e: unknown) => e instanceof InspectError && e.code === code,
    );
  }
});

test('decodeToken never throws, whatever the string; garbage is "not a JWT" (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const d = decodeToken(s);
      return d.format !== 'invalid' || d.problems.length > 0;
    }),
    { numRuns: 300 },
  );
  for (const garbage of ['hello world', 'a.b.c', '!!!', '{}', 'eyJ.eyJ.x', 'aGVsbG8.d29ybGQ.eA']) {
    assert.equal(decodeToken(garbage).format, 'invalid', garbage);
  }
});

test('decodeSecret: utf8 default, b64:/b64url:/hex: prefixes, explicit encoding wins', () => {
  assert.deepEqual([...decodeSecret('abc')!], [97, 98, 99]);
  assert.deepEqual([...decodeSecret('hex:616263')!], [97, 98, 99]);
  assert.deepEqual([...decodeSecret('b64:YWJj')!], [97, 98, 99]);
  assert.deepEqual([...decodeSecret('b64url:YWJj')!], [97, 98, 99]);
  assert.deepEqual(
    [...decodeSecret('hex:616263', 'utf8')!],
    [...new TextEncoder().encode('hex:616263')],
  );
  assert.equal(decodeSecret('hex:6162z3'), undefined);
  assert.equal(decodeSecret('b64:YW*j'), undefined);
  // base64url follows the core's strict alphabet: no padding, no non-zero trailing bits.
  assert.equal(decodeSecret('YWJjZA==', 'base64url'), undefined);
  assert.equal(decodeSecret('YWJjZB', 'base64url'), undefined);
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

test('one milliseconds heuristic: 1e11 up to 1e14', () => {
  assert.ok(!looksLikeMilliseconds(1_767_225_600));
  assert.ok(looksLikeMilliseconds(1_767_225_600_000));
  assert.ok(!looksLikeMilliseconds(1e15));
});
