import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { verifyToken } from './verify-token.js';
import {
  EC_PUBLIC_JWK,
  EC_PUBLIC_PEM,
  JWT_IO_TOKEN,
  OTHER_PUBLIC_JWK,
  OTHER_PUBLIC_PEM,
  SECRET,
  esToken,
  hsToken,
  rawToken,
} from './test-support/fixtures.js';

const secret = (value: string, encoding?: 'utf8' | 'base64' | 'base64url' | 'hex') => ({
  kind: 'secret' as const,
  value,
  ...(encoding ? { encoding } : {}),
});

test('the right secret verifies; a wrong one is INVALID with the signature check failing', () => {
  const token = hsToken();
  const good = verifyToken({ token, key: secret(SECRET) });
  assert.equal(good.status, 'verified');
  assert.equal(good.alg, 'HS256');
  assert.equal(good.keySource, 'secret');
  assert.ok(good.checks.some((c) => c.check === 'signature' && c.ok));
  const bad = verifyToken({ token, key: secret(`${SECRET}x`) });
  assert.equal(bad.status, 'invalid');
  assert.deepEqual(
    bad.errors.map((e) => e.code),
    ['ERR_SIGNATURE_INVALID'],
  );
});

test('every failing claim check is listed at once (exp, iss, aud, sub)', () => {
  const token = hsToken({}, 1);
  const r = verifyToken(
    { token, key: secret(SECRET), issuer: 'https://other.test', audience: 'web', subject: 'u2' },
    Date.now() + 120_000,
  );
  assert.equal(r.status, 'invalid');
  const failed = r.errors.map((e) => e.check).sort();
  assert.deepEqual(failed, ['aud', 'exp', 'iss', 'sub']);
  const exp = r.errors.find((e) => e.check === 'exp');
  assert.equal(exp?.code, 'ERR_JWT_EXPIRED');
  assert.ok((exp?.expiredSecondsAgo ?? 0) >= 100);
  const lenient = verifyToken(
    {
      token,
      key: secret(SECRET),
      clockTolerance: '5m',
      issuer: 'https://issuer.test',
      audience: 'api',
    },
    Date.now() + 120_000,
  );
  assert.equal(lenient.status, 'verified');
});

test('A1: alg none is never accepted, even when listed', () => {
  const none = rawToken('{"alg":"none"}', '{"sub":"x"}', '');
  const r = verifyToken({ token: none, key: secret(SECRET), algorithms: ['none', 'HS256'] });
  assert.equal(r.status, 'invalid');
  assert.equal(r.errors[0]?.code, 'ERR_ALG_NOT_ALLOWED');
});

test('the allow-list defaults to the header alg and refuses an alg outside an explicit list', () => {
  const r = verifyToken({ token: hsToken(), key: secret(SECRET), algorithms: ['ES256'] });
  assert.equal(r.status, 'invalid');
  assert.equal(r.errors[0]?.code, 'ERR_ALG_NOT_ALLOWED');
});

test('A2: an HMAC token is never verified with a public key, nor an ES256 one with a secret', () => {
  const r = verifyToken({ token: hsToken(), key: { kind: 'public', value: EC_PUBLIC_PEM } });
  assert.equal(r.status, 'invalid');
  assert.equal(r.errors[0]?.code, 'ERR_KEY_INVALID');
  const r2 = verifyToken({ token: esToken(), key: secret(SECRET) });
  assert.equal(r2.status, 'invalid');
});

test('public keys as PEM, JWK and JWKS (with kid selection) verify; the wrong key is INVALID', () => {
  const token = esToken();
  assert.equal(
    verifyToken({ token, key: { kind: 'public', value: EC_PUBLIC_PEM } }).status,
    'verified',
  );
  assert.equal(
    verifyToken({ token, key: { kind: 'public', value: JSON.stringify(EC_PUBLIC_JWK) } }).keySource,
    'jwk',
  );
  const jwks = JSON.stringify({ keys: [OTHER_PUBLIC_JWK, EC_PUBLIC_JWK] });
  const bySet = verifyToken({ token, key: { kind: 'public', value: jwks } });
  assert.equal(bySet.status, 'verified');
  assert.equal(bySet.keySource, 'jwks');
  const picked = verifyToken({ token, key: { kind: 'public', value: jwks, kid: 'ec-2' } });
  assert.equal(picked.status, 'invalid');
  assert.equal(picked.errors[0]?.code, 'ERR_SIGNATURE_INVALID');
  const missing = verifyToken({ token, key: { kind: 'public', value: jwks, kid: 'nope' } });
  assert.equal(missing.errors[0]?.code, 'ERR_KEY_NOT_FOUND');
  assert.equal(
    verifyToken({ token, key: { kind: 'public', value: OTHER_PUBLIC_PEM } }).status,
    'invalid',
  );
  const oct = verifyToken({ token, key: { kind: 'public', value: '{"kty":"oct","k":"AAAA"}' } });
  assert.equal(oct.errors[0]?.code, 'ERR_KEY_INVALID');
});

test('secret encodings: hex and base64 secrets verify, and a hint names the encoding that would match', () => {
  const token = hsToken();
  const hex = Buffer.from(SECRET).toString('hex');
  assert.equal(verifyToken({ token, key: secret(hex, 'hex') }).status, 'verified');
  assert.equal(
    verifyToken({ token, key: secret(Buffer.from(SECRET).toString('base64'), 'base64') }).status,
    'verified',
  );
  const wrongEncoding = verifyToken({ token, key: secret(hex, 'utf8') });
  assert.equal(wrongEncoding.status, 'invalid');
  assert.ok(wrongEncoding.hints.some((h) => h.includes('hex')));
  assert.equal(verifyToken({ token, key: secret('zz', 'hex') }).status, 'not_verified');
});

test('a weak secret still verifies, as WARNING with the reason (jwt.io example token)', () => {
  const r = verifyToken({ token: JWT_IO_TOKEN, key: secret('your-256-bit-secret') });
  assert.equal(r.status, 'warning');
  assert.ok(r.warnings.some((w) => w.code === 'WEAK_SECRET'));
});

test('no key means NOT VERIFIED, and a JWE is not verified as a JWS', () => {
  assert.equal(verifyToken({ token: hsToken(), key: secret('') }).status, 'not_verified');
  const h = Buffer.from('{"alg":"dir","enc":"A256GCM"}').toString('base64url');
  assert.equal(
    verifyToken({ token: `${h}..aXY.Y2lwaGVy.dGFn`, key: secret(SECRET) }).status,
    'not_verified',
  );
});

test('failure messages never contain the token or the secret', () => {
  const token = hsToken({ marker: 'SENSITIVE-CLAIM' });
  const r = verifyToken({ token, key: secret('SENSITIVE-SECRET-SENSITIVE-SECRET-1'), issuer: 'x' });
  const text = JSON.stringify(r);
  assert.ok(!text.includes('SENSITIVE'));
  assert.ok(!text.includes(token.split('.')[2]!));
});

test('an RSA public key in PKCS#1 PEM ("RSA PUBLIC KEY") verifies RS256', async () => {
  const { generateKeyPair, signJwt } = await import('@tessera/jose');
  const { privateKey, publicKey } = generateKeyPair('RS256');
  const token = signJwt({ sub: 'r' }, privateKey, { alg: 'RS256', expiresIn: '5m' });
  const pkcs1 = publicKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
  const r = verifyToken({ token, key: { kind: 'public', value: pkcs1 } });
  assert.equal(r.status, 'verified');
  assert.equal(r.keySource, 'pem');
});
