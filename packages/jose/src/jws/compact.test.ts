import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { exportJwk, decodeProtectedHeader, type JwsAlg } from '../index.js';
import { splitCompact } from './compact.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES, WEB } from '../test-support/entries.js';
import { WEBCRYPTO_JWS_ALGORITHMS } from '../webcrypto/index.js';
import { pair, PAIR_FOR, SECRET } from '../test-support/tokens.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** A test key pair as JWKs, which both entries take. */
const jwkPairOf = (name: string) => {
  const p = pair(name);
  return { privateKey: exportJwk(p.privateKey), publicKey: exportJwk(p.publicKey) };
};

for (const E of ENTRIES) {
  test(`${E.name} signCompact / verifyCompact round-trip for every algorithm, returning the key that verified`, async () => {
    for (const alg of Object.keys(PAIR_FOR).concat('HS256', 'HS384', 'HS512') as JwsAlg[]) {
      const { privateKey, publicKey } = alg.startsWith('HS')
        ? { privateKey: SECRET, publicKey: SECRET }
        : jwkPairOf(PAIR_FOR[alg]!);
      const o = { alg, kid: 'k', header: { 'x-a': 1 } };
      if (E === WEB && !WEBCRYPTO_JWS_ALGORITHMS.includes(alg)) {
        // ES256K: no Web Crypto implements secp256k1; refused by name.
        await assertJoseErrorAsync(() => E.signCompact('x', privateKey, o), 'ERR_ALG_UNSUPPORTED');
        continue;
      }
      const jws = await E.signCompact('payload ✓', privateKey, o);
      const r = await E.verifyCompact(jws, publicKey, { algorithms: [alg] });
      assert.equal(text(r.payload), 'payload ✓');
      assert.deepEqual(r.protectedHeader, { alg, 'x-a': 1, kid: 'k' });
      assert.ok(r.key);
    }
  });

  test(`${E.name} signCompact: alg comes from the options only; header and payload types are checked`, async () => {
    const jws = await E.signCompact('x', SECRET, { alg: 'HS256', header: { alg: 'none' } });
    assert.equal(decodeProtectedHeader(jws).alg, 'HS256');
    await assertJoseErrorAsync(
      () => E.signCompact('x', SECRET, { alg: 'none' as JwsAlg }),
      'ERR_ALG_UNSUPPORTED',
    );
    await assertJoseErrorAsync(
      () => E.signCompact('x', SECRET, { alg: 'HS256', kid: '' }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.signCompact('x', SECRET, { alg: 'HS256', header: { kid: 5 } }),
      'ERR_HEADER_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.signCompact('x', SECRET, { alg: 'HS256', header: [] as never }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.signCompact(5 as never, SECRET, { alg: 'HS256' }),
      'ERR_OPTIONS_INVALID',
    );
    // A header object carrying an own __proto__ (from JSON.parse) is refused, never merged.
    const parsed = JSON.parse('{"__proto__":{"kid":1},"x-ok":1}');
    await assertJoseErrorAsync(
      () => E.signCompact('x', SECRET, { alg: 'HS256', header: parsed }),
      'ERR_OPTIONS_INVALID',
    );
  });

  test(`${E.name} b64:false compact: attached text without ".", UTF-8 only; detached anything`, async () => {
    const att = await E.signCompact('hello world', SECRET, { alg: 'HS256', b64: false });
    assert.equal(att.split('.')[1], 'hello world');
    assert.equal(
      text((await E.verifyCompact(att, SECRET, { algorithms: ['HS256'] })).payload),
      'hello world',
    );
    await assertJoseErrorAsync(
      () => E.signCompact('a.b', SECRET, { alg: 'HS256', b64: false }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.signCompact(new Uint8Array([0xff]), SECRET, { alg: 'HS256', b64: false }),
      'ERR_OPTIONS_INVALID',
    );
    const det = await E.signCompact(new Uint8Array([0xff, 0x2e]), SECRET, {
      alg: 'HS256',
      b64: false,
      detached: true,
    });
    assert.deepEqual(
      [
        ...(
          await E.verifyCompact(det, SECRET, {
            algorithms: ['HS256'],
            detachedPayload: new Uint8Array([0xff, 0x2e]),
          })
        ).payload,
      ],
      [0xff, 0x2e],
    );
    assert.equal(decodeProtectedHeader(det).crit?.[0], 'b64');
  });

  test(`${E.name} detached content with b64:true (RFC 7515 Appendix F)`, async () => {
    const det = await E.signCompact('content', SECRET, { alg: 'HS256', detached: true });
    assert.equal(det.split('.')[1], '');
    assert.equal(
      text(
        (await E.verifyCompact(det, SECRET, { algorithms: ['HS256'], detachedPayload: 'content' }))
          .payload,
      ),
      'content',
    );
    await assertJoseErrorAsync(
      () => E.verifyCompact(det, SECRET, { algorithms: ['HS256'], detachedPayload: 'other' }),
      'ERR_SIGNATURE_INVALID',
    );
    // Without the detached payload it is a JWS of the empty payload, whose signature does not match.
    await assertJoseErrorAsync(
      () => E.verifyCompact(det, SECRET, { algorithms: ['HS256'] }),
      'ERR_SIGNATURE_INVALID',
    );
  });

  test(`${E.name} verifyCompact with a key set: kid selects, no kid tries the candidates, too many is ambiguous`, async () => {
    const a = jwkPairOf('p256');
    const b = jwkPairOf('p256b');
    const set = E.createLocalKeySet({
      keys: [
        { ...a.publicKey, kid: 'a' },
        { ...b.publicKey, kid: 'b' },
      ],
    });
    assert.ok(
      await E.verifyCompact(
        await E.signCompact('x', b.privateKey, { alg: 'ES256', kid: 'b' }),
        set,
        {
          algorithms: ['ES256'],
        },
      ),
    );
    assert.ok(
      await E.verifyCompact(await E.signCompact('x', b.privateKey, { alg: 'ES256' }), set, {
        algorithms: ['ES256'],
      }),
    );
    await assertJoseErrorAsync(
      async () =>
        E.verifyCompact(await E.signCompact('x', b.privateKey, { alg: 'ES256', kid: 'a' }), set, {
          algorithms: ['ES256'],
        }),
      'ERR_SIGNATURE_INVALID',
    );
    const many = E.createLocalKeySet({ keys: Array.from({ length: 9 }, () => a.publicKey) });
    await assertJoseErrorAsync(
      async () =>
        E.verifyCompact(await E.signCompact('x', a.privateKey, { alg: 'ES256' }), many, {
          algorithms: ['ES256'],
        }),
      'ERR_KEY_AMBIGUOUS',
    );
    assertJoseError(() => E.createLocalKeySet({ keys: 'x' } as never), 'ERR_JWKS_INVALID');
    assertJoseError(() => E.createLocalKeySet(null as never), 'ERR_JWKS_INVALID');
  });

  test(`${E.name} detached content given, attached payload present: refused, never verified as the other content`, async () => {
    const attached = await E.signCompact('other content', SECRET, { alg: 'HS256' });
    await assertJoseErrorAsync(
      () =>
        E.verifyCompact(attached, SECRET, { algorithms: ['HS256'], detachedPayload: 'document X' }),
      'ERR_JWS_MALFORMED',
    );
    await assertJoseErrorAsync(
      () =>
        E.verifyCompact(attached, SECRET, {
          algorithms: ['HS256'],
          detachedPayload: 'other content',
        }),
      'ERR_JWS_MALFORMED',
    );
    const flat = await E.signFlattened('other content', SECRET, { alg: 'HS256' });
    await assertJoseErrorAsync(
      () =>
        E.verifyFlattened(flat, SECRET, { algorithms: ['HS256'], detachedPayload: 'document X' }),
      'ERR_JWS_MALFORMED',
    );
    await assertJoseErrorAsync(
      () =>
        E.verifyGeneral(
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
}

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
