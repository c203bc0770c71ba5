import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  createLocalKeySet,
  exportJwk,
  signCompact,
  signFlattened,
  verifyCompact,
  verifyFlattened,
  verifyGeneral,
  decodeProtectedHeader,
  type JwsAlg,
} from '../index.js';
import { splitCompact } from './compact.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import { pair, PAIR_FOR, SECRET } from '../test-support/tokens.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

test('signCompact / verifyCompact round-trip for every algorithm, returning the key that verified', () => {
  for (const alg of Object.keys(PAIR_FOR).concat('HS256', 'HS384', 'HS512') as JwsAlg[]) {
    const { privateKey, publicKey } = alg.startsWith('HS')
      ? { privateKey: SECRET, publicKey: SECRET }
      : pair(PAIR_FOR[alg]!);
    const jws = signCompact('payload ✓', privateKey, { alg, kid: 'k', header: { 'x-a': 1 } });
    const r = verifyCompact(jws, publicKey, { algorithms: [alg] });
    assert.equal(text(r.payload), 'payload ✓');
    assert.deepEqual(r.protectedHeader, { alg, 'x-a': 1, kid: 'k' });
    assert.ok(r.key);
  }
});

test('signCompact: alg comes from the options only; header and payload types are checked', () => {
  const jws = signCompact('x', SECRET, { alg: 'HS256', header: { alg: 'none' } });
  assert.equal(decodeProtectedHeader(jws).alg, 'HS256');
  assertJoseError(() => signCompact('x', SECRET, { alg: 'none' as JwsAlg }), 'ERR_ALG_UNSUPPORTED');
  assertJoseError(() => signCompact('x', SECRET, { alg: 'HS256', kid: '' }), 'ERR_OPTIONS_INVALID');
  assertJoseError(
    () => signCompact('x', SECRET, { alg: 'HS256', header: { kid: 5 } }),
    'ERR_HEADER_INVALID',
  );
  assertJoseError(
    () => signCompact('x', SECRET, { alg: 'HS256', header: [] as never }),
    'ERR_OPTIONS_INVALID',
  );
  assertJoseError(() => signCompact(5 as never, SECRET, { alg: 'HS256' }), 'ERR_OPTIONS_INVALID');
  // A header object carrying an own __proto__ (from JSON.parse) is refused, never merged.
  const parsed = JSON.parse('{"__proto__":{"kid":1},"x-ok":1}');
  assertJoseError(
    () => signCompact('x', SECRET, { alg: 'HS256', header: parsed }),
    'ERR_OPTIONS_INVALID',
  );
});

test('b64:false compact: attached text without ".", UTF-8 only; detached anything', () => {
  const att = signCompact('hello world', SECRET, { alg: 'HS256', b64: false });
  assert.equal(att.split('.')[1], 'hello world');
  assert.equal(text(verifyCompact(att, SECRET, { algorithms: ['HS256'] }).payload), 'hello world');
  assertJoseError(
    () => signCompact('a.b', SECRET, { alg: 'HS256', b64: false }),
    'ERR_OPTIONS_INVALID',
  );
  assertJoseError(
    () => signCompact(new Uint8Array([0xff]), SECRET, { alg: 'HS256', b64: false }),
    'ERR_OPTIONS_INVALID',
  );
  const det = signCompact(new Uint8Array([0xff, 0x2e]), SECRET, {
    alg: 'HS256',
    b64: false,
    detached: true,
  });
  assert.deepEqual(
    [
      ...verifyCompact(det, SECRET, {
        algorithms: ['HS256'],
        detachedPayload: new Uint8Array([0xff, 0x2e]),
      }).payload,
    ],
    [0xff, 0x2e],
  );
  assert.equal(decodeProtectedHeader(det).crit?.[0], 'b64');
});

test('detached content with b64:true (RFC 7515 Appendix F)', () => {
  const det = signCompact('content', SECRET, { alg: 'HS256', detached: true });
  assert.equal(det.split('.')[1], '');
  assert.equal(
    text(verifyCompact(det, SECRET, { algorithms: ['HS256'], detachedPayload: 'content' }).payload),
    'content',
  );
  assertJoseError(
    () => verifyCompact(det, SECRET, { algorithms: ['HS256'], detachedPayload: 'other' }),
    'ERR_SIGNATURE_INVALID',
  );
  // Without the detached payload it is a JWS of the empty payload, whose signature does not match.
  assertJoseError(
    () => verifyCompact(det, SECRET, { algorithms: ['HS256'] }),
    'ERR_SIGNATURE_INVALID',
  );
});

test('verifyCompact with a key set: kid selects, no kid tries the candidates, too many is ambiguous', () => {
  const a = pair('p256');
  const b = pair('p256b');
  const set = createLocalKeySet({
    keys: [
      { ...exportJwk(a.publicKey), kid: 'a' },
      { ...exportJwk(b.publicKey), kid: 'b' },
    ],
  });
  assert.ok(
    verifyCompact(signCompact('x', b.privateKey, { alg: 'ES256', kid: 'b' }), set, {
      algorithms: ['ES256'],
    }),
  );
  assert.ok(
    verifyCompact(signCompact('x', b.privateKey, { alg: 'ES256' }), set, { algorithms: ['ES256'] }),
  );
  assertJoseError(
    () =>
      verifyCompact(signCompact('x', b.privateKey, { alg: 'ES256', kid: 'a' }), set, {
        algorithms: ['ES256'],
      }),
    'ERR_SIGNATURE_INVALID',
  );
  const many = createLocalKeySet({ keys: Array.from({ length: 9 }, () => exportJwk(a.publicKey)) });
  assertJoseError(
    () =>
      verifyCompact(signCompact('x', a.privateKey, { alg: 'ES256' }), many, {
        algorithms: ['ES256'],
      }),
    'ERR_KEY_AMBIGUOUS',
  );
  assertJoseError(() => createLocalKeySet({ keys: 'x' } as never), 'ERR_JWKS_INVALID');
  assertJoseError(() => createLocalKeySet(null as never), 'ERR_JWKS_INVALID');
});

test('splitCompact: the cap first, then exactly three segments; a JWE is named', () => {
  assert.deepEqual(splitCompact('a.b.c', 10), ['a', 'b', 'c']);
  assert.deepEqual(splitCompact('..', 10), ['', '', '']);
  assertJoseError(() => splitCompact('a.b.c', 4), 'ERR_TOKEN_TOO_LARGE');
  assertJoseError(() => splitCompact(5, 10), 'ERR_JWS_MALFORMED');
  assert.match(
    assertJoseError(() => splitCompact('a.b.c.d.e', 20), 'ERR_JWS_MALFORMED').message,
    /JWE/,
  );
});

test('detached content given, attached payload present: refused, never verified as the other content', () => {
  const attached = signCompact('other content', SECRET, { alg: 'HS256' });
  assertJoseError(
    () => verifyCompact(attached, SECRET, { algorithms: ['HS256'], detachedPayload: 'document X' }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(
    () =>
      verifyCompact(attached, SECRET, { algorithms: ['HS256'], detachedPayload: 'other content' }),
    'ERR_JWS_MALFORMED',
  );
  const flat = signFlattened('other content', SECRET, { alg: 'HS256' });
  assertJoseError(
    () => verifyFlattened(flat, SECRET, { algorithms: ['HS256'], detachedPayload: 'document X' }),
    'ERR_JWS_MALFORMED',
  );
  assertJoseError(
    () =>
      verifyGeneral(
        {
          payload: flat.payload,
          signatures: [{ protected: flat.protected!, signature: flat.signature }],
        },
        SECRET,
        { algorithms: ['HS256'], detachedPayload: 'document X' },
      ),
    'ERR_JWS_MALFORMED',
  );
});
