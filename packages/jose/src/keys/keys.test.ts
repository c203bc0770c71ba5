import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createPublicKey, webcrypto } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  calculateJwkThumbprint,
  exportJwk,
  exportPem,
  generateKeyPair,
  generateSecret,
  importJwk,
  importPem,
  JWS_ALGORITHM_NAMES,
  signJwt,
  verifyJwt,
} from '../index.js';
import { prepareKey } from './keys.js';
import { JWS_ALGORITHMS } from '../base/algorithms.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import { pair, SECRET } from '../test-support/tokens.js';

test('generateKeyPair makes a fitting pair for every asymmetric algorithm; HS* asks for generateSecret', () => {
  for (const alg of JWS_ALGORITHM_NAMES) {
    if (alg.startsWith('HS')) {
      assertJoseError(() => generateKeyPair(alg), 'ERR_OPTIONS_INVALID');
      continue;
    }
    if (alg.startsWith('RS') || alg.startsWith('PS')) continue; // RSA generation is slow: once below
    const { privateKey, publicKey } = generateKeyPair(alg);
    assert.equal(privateKey.type, 'private');
    assert.ok(verifyJwt(signJwt({ a: 1 }, privateKey, { alg }), publicKey, { algorithms: [alg] }));
  }
  const rsa = generateKeyPair('PS256');
  assert.equal(rsa.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(generateKeyPair('EdDSA', { crv: 'Ed448' }).publicKey.asymmetricKeyType, 'ed448');
  assertJoseError(() => generateKeyPair('Ed25519', { crv: 'Ed448' }), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => generateKeyPair('EdDSA', { crv: 'P-256' }), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => generateKeyPair('RS256', { modulusLength: 2048.5 }), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => generateKeyPair('none'), 'ERR_ALG_UNSUPPORTED');
  assertJoseError(() => generateSecret('RS256'), 'ERR_ALG_UNSUPPORTED');
  assertJoseError(() => generateSecret('__proto__'), 'ERR_ALG_UNSUPPORTED');
});

test('importPem reads SPKI, PKCS#1, SEC1, PKCS#8 and refuses other text', () => {
  const rsa = pair('rsa2048');
  const ec = pair('p256');
  const ok: [string, string, 'public' | 'private'][] = [
    [exportPem(rsa.publicKey), 'RS256', 'public'],
    [rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'PS256', 'public'],
    [rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'RS256', 'private'],
    [exportPem(rsa.privateKey), 'RS512', 'private'],
    [ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string, 'ES256', 'private'],
    [exportPem(ec.publicKey), 'ES256', 'public'],
    [`\n  ${exportPem(ec.publicKey)}  \n`, 'ES256', 'public'],
    [exportPem(ec.publicKey).replace(/\n/g, '\r\n'), 'ES256', 'public'],
  ];
  for (const [pem, alg, type] of ok) assert.equal(importPem(pem, alg).type, type, alg);
  const spki = exportPem(ec.publicKey);
  for (const bad of [
    '',
    'hello',
    spki + spki,
    spki.replace('PUBLIC KEY-----\n', 'PUBLIC KEY-----\n!!'),
    spki.replace(/END PUBLIC/, 'END PRIVATE'),
    '-----BEGIN FOO-----\nAAAA\n-----END FOO-----',
  ]) {
    assertJoseError(() => importPem(bad, 'ES256'), 'ERR_PEM_INVALID');
  }
  assertJoseError(() => importPem(1 as unknown as string, 'ES256'), 'ERR_PEM_INVALID');
  assertJoseError(() => importPem(spki, 'ES384'), 'ERR_KEY_INVALID');
  assertJoseError(() => importPem(spki, 'nope'), 'ERR_ALG_UNSUPPORTED');
  assertJoseError(() => exportPem(generateSecret('HS256')), 'ERR_KEY_INVALID');
});

test("importJwk honours the JWK's own alg, use and key_ops", () => {
  const { privateKey, publicKey } = pair('p256');
  const pub = exportJwk(publicKey);
  const priv = exportJwk(privateKey);
  assert.equal(
    importJwk({ ...pub, alg: 'ES256', use: 'sig', key_ops: ['verify'] }, 'ES256').type,
    'public',
  );
  assertJoseError(() => importJwk({ ...pub, alg: 'ES384' }, 'ES256'), 'ERR_KEY_INVALID');
  assertJoseError(() => importJwk({ ...pub, use: 'enc' }, 'ES256'), 'ERR_KEY_INVALID');
  assertJoseError(() => importJwk({ ...pub, key_ops: ['sign'] }, 'ES256'), 'ERR_KEY_INVALID');
  assertJoseError(() => importJwk({ ...priv, key_ops: ['verify'] }, 'ES256'), 'ERR_KEY_INVALID');
  assert.equal(importJwk({ ...priv, key_ops: ['sign'] }, 'ES256').type, 'private');
  // Through the verify path a private JWK yields its public half.
  assert.equal(prepareKey(priv, JWS_ALGORITHMS.ES256, 'verify').type, 'public');
  assertJoseError(() => prepareKey(pub, JWS_ALGORITHMS.ES256, 'sign'), 'ERR_KEY_INVALID');
});

test('prepareKey: KeyObject, JWK, bytes and CryptoKey inputs; results cached per object and purpose', async () => {
  const { privateKey } = pair('ed25519');
  const jwk = exportJwk(privateKey);
  const a = prepareKey(jwk, JWS_ALGORITHMS.EdDSA, 'verify');
  assert.equal(prepareKey(jwk, JWS_ALGORITHMS.EdDSA, 'verify'), a, 'cached');
  assert.notEqual(prepareKey(jwk, JWS_ALGORITHMS.EdDSA, 'sign'), a);
  assert.equal(prepareKey(SECRET, JWS_ALGORITHMS.HS256, 'verify').symmetricKeySize, 64);
  assertJoseError(() => prepareKey(SECRET, JWS_ALGORITHMS.ES256, 'verify'), 'ERR_KEY_INVALID');
  const importHmac = (extractable: boolean) =>
    webcrypto.subtle.importKey('raw', SECRET, { name: 'HMAC', hash: 'SHA-256' }, extractable, [
      'sign',
      'verify',
    ]);
  const token = signJwt({ a: 1 }, SECRET, { alg: 'HS256' });
  const ck = await importHmac(true);
  assert.equal(verifyJwt(token, ck as never, { algorithms: ['HS256'] }).payload['a'], 1);
  // Node DEP0204: a non-extractable CryptoKey is refused on every Node, never half-used.
  const sealed = await importHmac(false);
  assertJoseError(
    () => verifyJwt(token, sealed as never, { algorithms: ['HS256'] }),
    'ERR_KEY_INVALID',
  );
  for (const v of [undefined, null, 'k', 5, true])
    assertJoseError(() => prepareKey(v, JWS_ALGORITHMS.HS256, 'verify'), 'ERR_KEY_INVALID');
});

test('thumbprints: private and public keys agree; unsupported hash and kty are refused', () => {
  const { privateKey, publicKey } = pair('rsa2048');
  assert.equal(calculateJwkThumbprint(privateKey), calculateJwkThumbprint(publicKey));
  assert.equal(calculateJwkThumbprint(exportJwk(privateKey)), calculateJwkThumbprint(publicKey));
  assertJoseError(() => calculateJwkThumbprint(publicKey, 'md5' as never), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => calculateJwkThumbprint({ kty: 'XYZ' }), 'ERR_JWK_INVALID');
  assertJoseError(
    () => calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AA' }),
    'ERR_JWK_INVALID',
  );
  const x = generateKeyPair('ECDH-ES', { crv: 'X25519' }).publicKey;
  assert.equal(calculateJwkThumbprint(x), calculateJwkThumbprint(exportJwk(x)));
  assert.equal(calculateJwkThumbprint(createPublicKey(privateKey)).length, 43);
  assert.equal(Buffer.from(calculateJwkThumbprint(publicKey, 'sha384'), 'base64url').length, 48);
});

test('a reused secret buffer or a JWK changed in place is never served from a stale cache entry', () => {
  const buf = Buffer.alloc(32);
  buf.set(Buffer.alloc(32, 1));
  const tenantA = signJwt({ tenant: 'A' }, buf, { alg: 'HS256' });
  assert.ok(verifyJwt(tenantA, buf, { algorithms: ['HS256'] }));
  buf.set(Buffer.alloc(32, 2)); // the buffer now holds tenant B's secret
  assertJoseError(
    () => verifyJwt(tenantA, buf, { algorithms: ['HS256'] }),
    'ERR_SIGNATURE_INVALID',
  );
  const tenantB = signJwt({ tenant: 'B' }, buf, { alg: 'HS256' });
  assert.ok(verifyJwt(tenantB, Buffer.alloc(32, 2), { algorithms: ['HS256'] }));
  // The same for a JWK object whose members are replaced.
  const jwk = { ...exportJwk(pair('p256').publicKey) };
  const token = signJwt({}, pair('p256').privateKey, { alg: 'ES256' });
  assert.ok(verifyJwt(token, jwk, { algorithms: ['ES256'] }));
  Object.assign(jwk, exportJwk(pair('p256b').publicKey));
  assertJoseError(() => verifyJwt(token, jwk, { algorithms: ['ES256'] }), 'ERR_SIGNATURE_INVALID');
  jwk.use = 'enc';
  assertJoseError(() => verifyJwt(token, jwk, { algorithms: ['ES256'] }), 'ERR_KEY_INVALID');
});

test('generateKeyPair keys can be exported as JWK right away (Node 20 keygen/export deadlock avoided)', () => {
  // With KeyObjects straight from generateKeyPairSync, this loop hangs on Node 20 (a GC during
  // ExportJWKEcKey destroys the keygen job, which locks the key's mutex again). Run in a child
  // process so a regression fails by timeout instead of hanging the suite.
  const index = new URL('../index.js', import.meta.url).href;
  const code = `const { generateKeyPair, exportJwk } = await import(${JSON.stringify(index)});
    for (let i = 0; i < 2000; i++) { const k = generateKeyPair(i % 2 ? 'ES256' : 'EdDSA'); exportJwk(k.privateKey); exportJwk(k.publicKey); }
    process.stdout.write('done');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    timeout: 60_000,
    encoding: 'utf8',
  });
  assert.equal(r.signal, null, 'the child was killed by the timeout: a deadlock');
  assert.equal(r.stdout, 'done', r.stderr);
});
