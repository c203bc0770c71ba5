import { test } from 'node:test';
import assert from 'node:assert/strict';
import { algorithmsForKey } from './key-algorithms.js';
import { exportJwk, generateKeyPair, generateSecret } from './keys.js';

test("algorithmsForKey follows the registry rows: key type, curve, a JWK's own alg", () => {
  assert.deepEqual(algorithmsForKey(generateKeyPair('ES256').publicKey), ['ES256']);
  assert.deepEqual(algorithmsForKey(generateKeyPair('ES384').privateKey), ['ES384']);
  assert.deepEqual(algorithmsForKey(generateKeyPair('EdDSA').publicKey), ['EdDSA', 'Ed25519']);
  const rsa = generateKeyPair('RS256').publicKey;
  assert.deepEqual(algorithmsForKey(rsa), ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  const jwk = exportJwk(rsa);
  assert.deepEqual(algorithmsForKey({ ...jwk, alg: 'PS384' }), ['PS384']);
  assert.deepEqual(algorithmsForKey({ ...jwk, alg: 'ES256' }), []);
  assert.deepEqual(algorithmsForKey(generateSecret('HS256')), ['HS256', 'HS384', 'HS512']);
  assert.deepEqual(algorithmsForKey(new Uint8Array(32)), ['HS256', 'HS384', 'HS512']);
  assert.deepEqual(algorithmsForKey({ kty: 'EC', crv: 'P-999' }), []);
  assert.deepEqual(algorithmsForKey({ kty: 'OKP', crv: 'X25519' }), []);
  assert.deepEqual(algorithmsForKey({ kty: 'nope' }), []);
});
