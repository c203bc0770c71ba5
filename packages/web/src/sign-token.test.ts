import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader, decodeJwt, importPem, verifyJwt, isJoseError } from '@tessera/jose';
import { WebError } from './errors.js';
import { generateKeyFor, signToken } from './sign-token.js';
import { verifyToken } from './verify-token.js';
import { EC_PRIVATE_PEM, EC_PUBLIC_PEM, SECRET, SECRET_BYTES } from './test-support/fixtures.js';

test('signs the edited header and payload with a secret; the token verifies', () => {
  const r = signToken({
    header: '{"alg":"HS256","typ":"JWT","kid":"k1"}',
    payload: '{"sub":"u1","exp":4102444800}',
    key: { kind: 'secret', value: SECRET },
  });
  assert.deepEqual(decodeProtectedHeader(r.token), { alg: 'HS256', typ: 'JWT', kid: 'k1' });
  assert.deepEqual(verifyJwt(r.token, SECRET_BYTES, { algorithms: ['HS256'] }).payload, {
    sub: 'u1',
    exp: 4102444800,
  });
  assert.deepEqual(r.warnings, []);
});

test('a weak secret is warned about but still signs (jwt.io #869), and missing exp is warned', () => {
  const r = signToken({
    header: { alg: 'HS256' },
    payload: { sub: 'u1' },
    key: { kind: 'secret', value: 'short' },
  });
  assert.ok(r.warnings.some((w) => w.code === 'WEAK_SECRET'));
  assert.ok(r.warnings.some((w) => w.code === 'NO_EXP'));
  assert.equal(decodeJwt(r.token)['sub'], 'u1');
  const past = signToken({
    header: { alg: 'HS256' },
    payload: { exp: 1 },
    key: { kind: 'secret', value: SECRET },
  });
  assert.ok(past.warnings.some((w) => w.code === 'EXP_PAST'));
});

test('signs with a private key (PEM and generated), verifiable with the public half', () => {
  const r = signToken({
    header: { alg: 'ES256' },
    payload: { sub: 'u1' },
    key: { kind: 'private', value: EC_PRIVATE_PEM },
  });
  assert.equal(
    verifyJwt(r.token, importPem(EC_PUBLIC_PEM, 'ES256'), { algorithms: ['ES256'] }).payload['sub'],
    'u1',
  );
  const gen = generateKeyFor('EdDSA');
  const t = signToken({
    header: { alg: 'EdDSA' },
    payload: { a: 1 },
    key: { kind: 'private', value: gen.privatePem! },
  });
  const v = verifyToken({
    token: t.token,
    key: { kind: 'public', value: JSON.stringify({ keys: [gen.publicJwk] }) },
  });
  assert.equal(v.status, 'verified');
});

test('refuses alg none, unknown algs, non-object payloads and a public key for signing', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return isJoseError(e) || e instanceof WebError ? e.code : 'other';
    }
    return 'none';
  };
  assert.equal(
    code(() =>
      signToken({ header: { alg: 'none' }, payload: {}, key: { kind: 'secret', value: SECRET } }),
    ),
    'ERR_ALG_NOT_ALLOWED',
  );
  assert.equal(
    code(() =>
      signToken({ header: { alg: 'HS999' }, payload: {}, key: { kind: 'secret', value: SECRET } }),
    ),
    'ERR_ALG_UNSUPPORTED',
  );
  assert.equal(
    code(() =>
      signToken({
        header: { alg: 'HS256' },
        payload: '[1]',
        key: { kind: 'secret', value: SECRET },
      }),
    ),
    'ERR_JSON_INVALID',
  );
  assert.equal(
    code(() =>
      signToken({
        header: { alg: 'ES256' },
        payload: {},
        key: { kind: 'private', value: EC_PUBLIC_PEM },
      }),
    ),
    'ERR_KEY_INVALID',
  );
});

test('key generation gives a full-length secret for HS256', () => {
  const g = generateKeyFor('HS256');
  assert.equal(Buffer.from(g.secret!, 'base64url').length, 32);
  const r = signToken({
    header: { alg: 'HS256' },
    payload: { exp: 4102444800 },
    key: { kind: 'secret', value: g.secret!, encoding: 'base64url' },
  });
  assert.deepEqual(r.warnings, []);
});
