import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { jwkToKeyObject, keyObjectToJwk, thumbprintOfJwk } from './jwk.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import { pair } from '../test-support/tokens.js';

const b = (n: number, fill = 1) => Buffer.alloc(n, fill).toString('base64url');

test('jwkToKeyObject round-trips every key type', () => {
  for (const name of ['rsa2048', 'p256', 'p384', 'p521', 'k256', 'ed25519', 'ed448']) {
    const { privateKey, publicKey } = pair(name);
    for (const k of [privateKey, publicKey]) {
      const jwk = keyObjectToJwk(k);
      const back = jwkToKeyObject(jwk);
      assert.equal(back.type, k.type, name);
      assert.deepEqual(keyObjectToJwk(back), jwk, name);
    }
  }
  const oct = jwkToKeyObject({ kty: 'oct', k: b(32) });
  assert.deepEqual(keyObjectToJwk(oct), { kty: 'oct', k: b(32) });
});

test('jwkToKeyObject refuses malformed members', () => {
  const ec = keyObjectToJwk(pair('p256').publicKey);
  const rsa = keyObjectToJwk(pair('rsa2048').privateKey);
  const bad: unknown[] = [
    null,
    [],
    'x',
    {},
    { kty: 'oct' },
    { kty: 'oct', k: '' },
    { kty: 'oct', k: 'AA==' },
    { kty: 'oct', k: 'A+B' },
    { kty: 'oct', k: 1 },
    { kty: 'EC', crv: 'P-256', x: ec['x'] },
    { ...ec, crv: 'P-384' },
    { ...ec, crv: 'Ed25519' },
    { ...ec, x: b(31) },
    { ...ec, y: `${ec['y']}A` },
    { ...ec, y: b(32, 0) }, // not on the curve
    { ...ec, d: b(31) },
    { kty: 'OKP', crv: 'P-256', x: b(32) },
    { kty: 'OKP', crv: 'Ed25519', x: b(31) },
    { kty: 'OKP', crv: 'Ed448', x: b(57, 0) },
    { kty: 'RSA', n: rsa['n'] },
    { ...rsa, d: undefined },
    { ...rsa, oth: [] },
    { ...rsa, qi: 'A A' },
    { ...ec, kid: 1 },
    { ...ec, alg: {} },
    { ...ec, use: null },
    { ...ec, key_ops: 'verify' },
    { ...ec, key_ops: ['verify', 'verify'] },
    { ...ec, key_ops: [1] },
    { ...ec, ext: 'true' },
    { kty: 'rsa', n: rsa['n'], e: 'AQAB' },
    { kty: 'dsa' },
  ];
  for (const jwk of bad)
    assertJoseError(() => jwkToKeyObject(jwk), 'ERR_JWK_INVALID', [JSON.stringify(jwk ?? null)]);
});

test('a private JWK must match its public members (EC x/y, OKP x, RSA n = p·q)', () => {
  for (const [a, c] of [
    ['p256', 'p256b'],
    ['ed25519', 'ed25519b'],
    ['rsa2048', 'rsa2048b'],
  ]) {
    const mine = keyObjectToJwk(pair(a!).privateKey);
    const other = keyObjectToJwk(pair(c!).publicKey);
    const swapped: Record<string, unknown> = {
      ...mine,
      x: other['x'],
      y: other['y'],
      n: other['n'],
    };
    for (const k of Object.keys(swapped)) if (swapped[k] === undefined) delete swapped[k];
    assertJoseError(() => jwkToKeyObject(swapped), 'ERR_JWK_INVALID');
  }
});

test('unknown members, __proto__ included, never reach node:crypto', () => {
  const ec = keyObjectToJwk(pair('p256').publicKey);
  const withJunk = JSON.parse(
    `{"__proto__":{"d":"${b(32)}"},"extra":1,${JSON.stringify(ec).slice(1)}`,
  );
  assert.equal(jwkToKeyObject(withJunk).type, 'public');
});

test('thumbprintOfJwk uses only the required members, in order', () => {
  const ec = keyObjectToJwk(pair('p256').publicKey);
  const t = thumbprintOfJwk(ec);
  assert.equal(thumbprintOfJwk({ ...ec, kid: 'x', use: 'sig', alg: 'ES256' }), t);
  assert.equal(thumbprintOfJwk({ y: ec['y'], x: ec['x'], kty: 'EC', crv: 'P-256' }), t);
  assertJoseError(() => thumbprintOfJwk({ ...ec, x: '' }), 'ERR_JWK_INVALID');
  assertJoseError(() => thumbprintOfJwk(ec, 'sha1' as never), 'ERR_OPTIONS_INVALID');
});
