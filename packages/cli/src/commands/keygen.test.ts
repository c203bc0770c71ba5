import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  importJwk,
  importPem,
  signJwt,
  verifyJwt,
  type Jwk,
} from '@tessera/jose';
import { run } from './keygen.js';
import { memoryIo } from '../test-support/memory-io.js';
import { tempDir } from '../test-support/fixtures.js';

test('keygen default: an Ed25519 private JWK with kid = thumbprint, alg EdDSA, use sig', async () => {
  const io = memoryIo();
  assert.equal(await run([], io), 0);
  const jwk = JSON.parse(io.out()) as Jwk;
  assert.equal(jwk.kty, 'OKP');
  assert.equal(jwk.crv, 'Ed25519');
  assert.equal(jwk.alg, 'EdDSA');
  assert.equal(jwk.use, 'sig');
  assert.equal(typeof jwk.d, 'string');
  assert.equal(jwk.kid, calculateJwkThumbprint(jwk));
  const token = signJwt({ sub: 'a' }, importJwk(jwk, 'EdDSA'), { alg: 'EdDSA' });
  verifyJwt(token, { ...jwk, d: undefined } as unknown as Jwk, { algorithms: ['EdDSA'] });
});

test('keygen writes the private file with mode 0600 and the public JWKS beside it', async () => {
  const dir = tempDir();
  const io = memoryIo({ cwd: dir });
  assert.equal(
    await run(
      [
        '--kty',
        'EC',
        '--crv',
        'P-384',
        '--out-private',
        'k.jwk',
        '--out-public',
        'jwks.json',
        '--jwks',
      ],
      io,
    ),
    0,
  );
  assert.equal(statSync(join(dir, 'k.jwk')).mode & 0o777, 0o600);
  const priv = JSON.parse(readFileSync(join(dir, 'k.jwk'), 'utf8')) as Jwk;
  const jwks = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')) as { keys: Jwk[] };
  assert.equal(priv.alg, 'ES384');
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0]!.d, undefined, 'the JWKS holds no private member');
  assert.equal(jwks.keys[0]!.kid, priv.kid);
  assert.equal(io.out(), '');
  // An existing file is never overwritten silently; --force replaces it, still 0600.
  writeFileSync(join(dir, 'old.jwk'), 'x', { mode: 0o644 });
  assert.equal(await run(['--out-private', 'old.jwk'], memoryIo({ cwd: dir })), 3);
  assert.equal(await run(['--out-private', 'old.jwk', '--force'], memoryIo({ cwd: dir })), 0);
  assert.equal(statSync(join(dir, 'old.jwk')).mode & 0o777, 0o600);
});

test('keygen --format pem (RSA 2048) prints PKCS#8 and the public SPKI when written to files', async () => {
  const dir = tempDir();
  const io = memoryIo({ cwd: dir });
  assert.equal(await run(['--kty', 'RSA', '--format', 'pem', '--out-private', 'rsa.pem'], io), 0);
  const pem = readFileSync(join(dir, 'rsa.pem'), 'utf8');
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(statSync(join(dir, 'rsa.pem')).mode & 0o777, 0o600);
  assert.match(io.out(), /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(importPem(io.out(), 'RS256').asymmetricKeyDetails?.modulusLength, 2048);
});

test('keygen --alg picks the key type (PS256 → RSA, ES256K, HS512 → 64-byte oct)', async () => {
  const hs = memoryIo();
  assert.equal(await run(['--alg', 'HS512'], hs), 0);
  const oct = JSON.parse(hs.out()) as Jwk;
  assert.equal(oct.kty, 'oct');
  assert.equal(Buffer.from(oct.k!, 'base64url').length, 64);
  const k = memoryIo();
  assert.equal(await run(['--alg', 'ES256K', '--json'], k), 0);
  const r = JSON.parse(k.out());
  assert.equal(r.alg, 'ES256K');
  assert.equal(r.publicJwk.crv, 'secp256k1');
  assert.equal(r.publicJwk.d, undefined);
});

test('keygen usage errors exit 2 (bad kty, bad curve, small RSA, conflicts, oct + pem)', async () => {
  for (const args of [
    ['--kty', 'DSA'],
    ['--kty', 'EC', '--crv', 'P-192'],
    ['--kty', 'RSA', '--size', '1024'],
    ['--alg', 'ES256', '--kty', 'RSA'],
    ['--kty', 'oct', '--format', 'pem'],
    ['--kty', 'oct', '--jwks'],
    ['--format', 'der'],
    ['extra-positional'],
  ]) {
    assert.equal(await run(args, memoryIo()), 2, args.join(' '));
  }
});
