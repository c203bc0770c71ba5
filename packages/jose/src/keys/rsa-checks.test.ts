import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { encodeBase64url } from '../base/base64url.js';
import { generateKeyPair, importJwk, importPem, exportJwk } from './keys.js';
import { ROCA_PRIMES, hasRocaFingerprint, rocaParameters } from './rsa-numbers.js';
import {
  ROCA_FAKE_MODULI,
  ROCA_POSITIVE_MODULUS_HEX,
  ROCA_POSITIVE_PEM,
} from '../test-support/roca-vectors.js';
import { signCompact, verifyCompact } from '../jws/compact.js';
import * as W from '../webcrypto/index.js';

const invalid = (e: unknown) => e instanceof JoseError && e.code === 'ERR_KEY_INVALID';
const b64 = (n: bigint) => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return encodeBase64url(Buffer.from(hex, 'hex'));
};
const rsa = generateKeyPair('RS256');
const good = exportJwk(rsa.publicKey) as { kty: string; n: string; e: string };

test('an RSA key with e = 1 (signatures forgeable by anyone) is refused at import', () => {
  // With e = 1 the "signature" of a message is its own PKCS#1 v1.5 encoding: anyone can make it.
  assert.throws(() => importJwk({ ...good, e: 'AQ' }, 'RS256'), invalid);
  assert.throws(() => importJwk({ ...good, e: 'AQ' }), invalid, 'also without an alg');
});

test('an RSA key with a small or even exponent is refused at import', () => {
  for (const e of [3n, 17n, 257n, 65535n, 65536n, 65538n, 2n ** 20n]) {
    assert.throws(() => importJwk({ ...good, e: b64(e) }, 'RS256'), invalid, String(e));
    assert.throws(() => importJwk({ ...good, e: b64(e) }, 'RSA-OAEP-256'), invalid, `OAEP ${e}`);
  }
  // 65537 and larger odd exponents are fine.
  assert.ok(importJwk(good, 'RS256'));
  assert.ok(importJwk({ ...good, e: b64(65539n) }, 'RS256'));
});

test('ROCA: the fingerprinted keys of the detection tool are refused at import (PEM, JWK, KeyObject)', () => {
  assert.throws(() => importPem(ROCA_POSITIVE_PEM, 'RS256'), invalid);
  const jwk = createPublicKey(ROCA_POSITIVE_PEM).export({ format: 'jwk' }) as {
    n: string;
    e: string;
  };
  assert.throws(() => importJwk({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'PS256'), invalid);
  assert.throws(() => importJwk({ kty: 'RSA', n: jwk.n, e: jwk.e }), invalid);
  const keyObject = createPublicKey(ROCA_POSITIVE_PEM);
  assert.throws(
    () =>
      verifyCompact(`${encodeBase64url(Buffer.from('{"alg":"RS256"}'))}.e30.AAAA`, keyObject, {
        algorithms: ['RS256'],
      }),
    invalid,
    'a KeyObject passed directly is checked too',
  );
  assert.equal(hasRocaFingerprint(BigInt(`0x${ROCA_POSITIVE_MODULUS_HEX}`)), true);
  assert.throws(
    () => importJwk({ kty: 'RSA', n: b64(BigInt(`0x${ROCA_POSITIVE_MODULUS_HEX}`)), e: 'AQAB' }),
    invalid,
  );
});

test('ROCA: moduli that pass the per-prime residue test but are not powers of 65537 are not flagged', () => {
  for (const n of ROCA_FAKE_MODULI)
    assert.equal(hasRocaFingerprint(n), false, n.toString().slice(0, 12));
});

test('ROCA: a modulus built as the vulnerable generator builds it is flagged; random and generated keys are not', () => {
  // Paper §2.1: p = k·M + (65537^a mod M). Two such "primes" (primality does not matter to the
  // fingerprint) multiply to a power of 65537 modulo M.
  const { modulus: M } = rocaParameters();
  const pow = (a: bigint) => {
    let r = 1n;
    for (let i = 0n; i < a; i++) r = (r * 65537n) % M;
    return r;
  };
  const p = 12345n * M + pow(777n);
  const q = 67890n * M + pow(4321n);
  assert.equal(hasRocaFingerprint(p * q), true);
  assert.equal(hasRocaFingerprint(p * q + 2n), false);
  let flagged = 0;
  for (let i = 0; i < 2000; i++) {
    const n = BigInt(`0x${randomBytes(256).toString('hex')}`) | 1n;
    if (hasRocaFingerprint(n)) flagged++;
  }
  assert.equal(flagged, 0, 'random 2048-bit odd numbers');
  // A key from the project's generator verifies as before.
  const token = signCompact(new TextEncoder().encode('{}'), rsa.privateKey, { alg: 'RS256' });
  assert.ok(verifyCompact(token, rsa.publicKey, { algorithms: ['RS256'] }));
});

test('ROCA: the subgroup is small (false-positive odds below 2^-150)', () => {
  const { modulus, order, primePowers } = rocaParameters();
  assert.equal(ROCA_PRIMES.length, 38);
  // φ(M) for M a product of distinct primes is Π(p-1); a random unit is in <65537> with odds order/φ(M).
  const phi = ROCA_PRIMES.reduce((a, p) => a * BigInt(p - 1), 1n);
  const log2Odds = Math.log2(Number(order)) - Math.log2(Number(phi));
  assert.ok(log2Odds < -150, `odds 2^${log2Odds.toFixed(1)}`);
  assert.ok(
    primePowers.every((pp) => pp <= 128n),
    primePowers.join(','),
  );
  assert.equal(
    modulus,
    ROCA_PRIMES.reduce((a, p) => a * BigInt(p), 1n),
  );
});

test('the Web Crypto entry refuses the same RSA keys at import: e = 1, small or even e, ROCA (JWS and JWE)', async () => {
  const rocaJwk = createPublicKey(ROCA_POSITIVE_PEM).export({ format: 'jwk' }) as {
    n: string;
    e: string;
  };
  const bad: [string, Record<string, string>][] = [
    ['e = 1', { ...good, e: 'AQ' }],
    ['e = 3', { ...good, e: 'Aw' }],
    ['e = 65536 (even)', { ...good, e: b64(65536n) }],
    ['ROCA modulus', { kty: 'RSA', n: rocaJwk.n, e: rocaJwk.e }],
  ];
  for (const [what, jwk] of bad) {
    await assert.rejects(W.importJwk(jwk as never, 'RS256'), invalid, `JWS ${what}`);
    await assert.rejects(
      W.encryptCompact('x', jwk as never, { alg: 'RSA-OAEP-256', enc: 'A128GCM' }),
      invalid,
      `JWE ${what}`,
    );
  }
  // The same good key works on both entries.
  assert.ok(await W.importJwk(good as never, 'RS256'));
  assert.ok(await W.encryptCompact('x', good as never, { alg: 'RSA-OAEP-256', enc: 'A128GCM' }));
});
