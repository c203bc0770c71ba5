import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import {
  createLocalKeySet,
  encodeBase64url,
  exportJwk,
  isKeySet,
  signJwt,
  verifyJwt,
  type Jwk,
  type JwsAlg,
} from '../index.js';
import { JWS_ALGORITHMS } from '../base/algorithms.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES } from '../test-support/entries.js';
import { pair } from '../test-support/tokens.js';

const rsa = pair('rsa2048');
const ec = pair('p256');
const pub = (k: typeof rsa, extra: Partial<Jwk>): Jwk => ({ ...exportJwk(k.publicKey), ...extra });

test('createLocalKeySet selects by kid, kty, crv, alg, use and key_ops', () => {
  const set = createLocalKeySet({
    keys: [
      pub(rsa, { kid: 'rs-only', alg: 'RS256' }),
      pub(rsa, { kid: 'enc', use: 'enc' }),
      pub(rsa, { kid: 'no-verify', key_ops: ['encrypt'] }),
      pub(ec, { kid: 'ec', use: 'sig', key_ops: ['verify'] }),
      'junk' as never,
      { kty: 'EC', kid: 'broken', crv: 'P-256', x: 'AA', y: 'AA' },
    ],
  });
  assert.ok(isKeySet(set));
  const ok = (alg: JwsAlg, kid: string, k = rsa) =>
    verifyJwt(signJwt({}, k.privateKey, { alg, kid }), set, { algorithms: [alg] });
  assert.ok(ok('RS256', 'rs-only'));
  assert.ok(ok('ES256', 'ec', ec));
  assertJoseError(() => ok('PS256', 'rs-only'), 'ERR_KEY_NOT_FOUND'); // its alg says RS256
  assertJoseError(() => ok('RS256', 'enc'), 'ERR_KEY_NOT_FOUND'); // use: enc
  assertJoseError(() => ok('RS256', 'no-verify'), 'ERR_KEY_NOT_FOUND'); // key_ops without verify
  assertJoseError(() => ok('ES384', 'ec', pair('p384')), 'ERR_KEY_NOT_FOUND'); // crv P-256 only
  assertJoseError(() => ok('ES256', 'broken', ec), 'ERR_JWK_INVALID'); // the only match is unusable: say why
  // The set is frozen and its candidates are public keys checked for the alg.
  assert.ok(Object.isFrozen(set));
  const keys = set.select(JWS_ALGORITHMS.RS256, 'rs-only');
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!.type, 'public');
});

test('a key set built from private JWKs only ever hands out the public halves', () => {
  const set = createLocalKeySet({ keys: [{ ...exportJwk(ec.privateKey), kid: 'p' }] });
  const [k] = set.select(JWS_ALGORITHMS.ES256, 'p');
  assert.equal(k!.type, 'public');
});

for (const E of ENTRIES)
  test(`${E.name} createLocalKeySet never yields an oct key unless the caller opts in with { secrets: true }`, async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const jwks = {
      keys: [
        { kty: 'oct', kid: 'hs-2026-11', k: encodeBase64url(k1) },
        { kty: 'oct', kid: 'hs-2026-12', k: encodeBase64url(k2), alg: 'HS256' },
        pub(rsa, { kid: 'rsa-1' }),
      ] as Jwk[],
    };
    const old = await E.signJwt({ sub: 'a' }, k1, { alg: 'HS256', kid: 'hs-2026-11' });
    const current = await E.signJwt({ sub: 'b' }, k2, { alg: 'HS256', kid: 'hs-2026-12' });
    // Default (and every fetched set): the secrets are invisible.
    await assertJoseErrorAsync(
      () => E.verifyJwt(current, E.createLocalKeySet(jwks), { algorithms: ['HS256'] }),
      'ERR_KEY_NOT_FOUND',
    );
    // Opted in: HMAC secret rotation by kid works.
    const secrets = E.createLocalKeySet(jwks, { secrets: true });
    assert.equal((await E.verifyJwt(old, secrets, { algorithms: ['HS256'] })).payload.sub, 'a');
    assert.equal((await E.verifyJwt(current, secrets, { algorithms: ['HS256'] })).payload.sub, 'b');
    await assertJoseErrorAsync(
      async () =>
        E.verifyJwt(await E.signJwt({}, k2, { alg: 'HS256', kid: 'hs-2026-11' }), secrets, {
          algorithms: ['HS256'],
        }),
      'ERR_SIGNATURE_INVALID',
    );
    // Still never an oct key for an asymmetric alg, nor an RSA key as an HMAC secret.
    const asym = await E.signJwt({}, exportJwk(rsa.privateKey), {
      alg: 'RS256',
      kid: 'hs-2026-12',
    });
    await assertJoseErrorAsync(
      () => E.verifyJwt(asym, secrets, { algorithms: ['RS256'] }),
      'ERR_KEY_NOT_FOUND',
    );
    const confused = await E.signJwt(
      {},
      Buffer.from(rsa.publicKey.export({ format: 'der', type: 'spki' })) as Uint8Array,
      {
        alg: 'HS256',
        kid: 'rsa-1',
      },
    );
    await assertJoseErrorAsync(
      () => E.verifyJwt(confused, secrets, { algorithms: ['HS256'] }),
      'ERR_KEY_NOT_FOUND',
    );
    assertJoseError(() => E.createLocalKeySet(jwks, null as never), 'ERR_OPTIONS_INVALID');
  });
