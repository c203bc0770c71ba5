import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLocalKeySet,
  exportJwk,
  isKeySet,
  signJwt,
  verifyJwt,
  type Jwk,
  type JwsAlg,
} from '../index.js';
import { JWS_ALGORITHMS } from '../base/algorithms.js';
import { assertJoseError } from '../test-support/assert-jose.js';
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
