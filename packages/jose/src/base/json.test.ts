import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { isJsonObject, parseJsonObject } from './json.js';
import { JoseError, type JoseErrorCode } from './errors.js';

const parse = (text: string | Uint8Array, allowDuplicateMembers = false) =>
  parseJsonObject(typeof text === 'string' ? Buffer.from(text) : text, 'test', {
    allowDuplicateMembers,
  });
function refuses(
  text: string | Uint8Array,
  code: JoseErrorCode,
  allowDuplicateMembers = false,
): void {
  assert.throws(
    () => parse(text, allowDuplicateMembers),
    (e: unknown) => e instanceof JoseError && e.code === code,
    String(text),
  );
}

test('parseJsonObject: objects only, in strict UTF-8', () => {
  assert.deepEqual(parse(' {"a" : 1 , "b":[true,null,"x"]} \n'), { a: 1, b: [true, null, 'x'] });
  for (const t of [
    '[]',
    '1',
    '"x"',
    'null',
    'true',
    '',
    '{',
    '{"a":1}}',
    '{"a":1,}',
    '{a:1}',
    '\u00a0{}',
  ])
    refuses(t, 'ERR_JSON_INVALID');
  refuses(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), 'ERR_JSON_INVALID'); // BOM + {}
  refuses(new Uint8Array([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d]), 'ERR_JSON_INVALID'); // truncated UTF-8
  assert.deepEqual(parse('{"é✓":"\\u00e9"}'), { 'é✓': 'é' });
});

test('parseJsonObject: duplicates at any depth, with any escape spelling, are counted exactly', () => {
  for (const t of [
    '{"a":1,"a":1}',
    '{"a":1,"\\u0061":2}',
    '{"x":{"a":1,"a":2}}',
    '{"x":[{"a":1},{"b":1,"b":2}]}',
    '{"":1,"":2}',
    '{"a\\"b":1,"a\\u0022b":2}',
  ]) {
    refuses(t, 'ERR_JSON_DUPLICATE_MEMBER');
    assert.ok(parse(t, true));
  }
  // Colons, quotes and backslashes inside strings are not members.
  for (const t of [
    '{"a":"b:c"}',
    '{"a:":":"}',
    '{"a":"\\\\","b":"\\\\\\":"}',
    '{"x":[":",":"],"y":{"z":":"}}',
    '{"a":{},"b":{}}',
  ]) {
    assert.deepEqual(parse(t), JSON.parse(t));
  }
});

test('parseJsonObject: lone surrogates refused; pairs and escaped backslashes kept', () => {
  for (const t of [
    '{"a":"\\ud800"}',
    '{"a":"\\uDFFF"}',
    '{"\\ud800x":1}',
    '{"a":["\\udbff\\u0041"]}',
  ])
    refuses(t, 'ERR_JSON_INVALID');
  assert.equal(parse('{"a":"\\ud83d\\ude00"}')['a'], '😀');
  assert.equal(parse('{"a":"\\\\ud800"}')['a'], '\\ud800');
});

test('parseJsonObject: __proto__ is an own data property and the prototype is untouched', () => {
  const o = parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.ok(Object.hasOwn(o, '__proto__'));
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
});

test('isJsonObject', () => {
  assert.equal(isJsonObject({}), true);
  assert.equal(isJsonObject(Object.create(null)), true);
  for (const v of [null, [], 'x', 1, undefined, true]) assert.equal(isJsonObject(v), false);
});
