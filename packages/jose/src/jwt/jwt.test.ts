import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { decodeJwt, decodeProtectedHeader, exportJwk, signJwt } from '../index.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES } from '../test-support/entries.js';
import { NOW, NOW_S, pair, SECRET } from '../test-support/tokens.js';

/** A test key pair as JWKs, which both entries take. */
const jwkPair = (name: string) => {
  const p = pair(name);
  return { privateKey: exportJwk(p.privateKey), publicKey: exportJwk(p.publicKey) };
};

for (const E of ENTRIES) {
  test(`${E.name} signJwt sets iat, typ JWT, and the registered claims from options`, async () => {
    const t = await E.signJwt({ scope: 'a b' }, SECRET, {
      alg: 'HS256',
      kid: 'k',
      issuer: 'https://i',
      subject: 'u',
      audience: ['a', 'b'],
      expiresIn: '1h',
      notBefore: 10,
      jwtId: 'j',
      currentDate: NOW,
    });
    assert.deepEqual(decodeJwt(t), {
      scope: 'a b',
      iss: 'https://i',
      sub: 'u',
      aud: ['a', 'b'],
      iat: NOW_S,
      exp: NOW_S + 3600,
      nbf: NOW_S + 10,
      jti: 'j',
    });
    assert.deepEqual(decodeProtectedHeader(t), { alg: 'HS256', typ: 'JWT', kid: 'k' });
    const plain = await E.signJwt({}, SECRET, { alg: 'HS256', issuedAt: false, typ: false });
    assert.deepEqual(decodeJwt(plain), {});
    assert.deepEqual(decodeProtectedHeader(plain), { alg: 'HS256' });
    assert.match(
      decodeJwt(await E.signJwt({}, SECRET, { alg: 'HS256', jwtId: true })).jti!,
      /^[0-9a-f-]{36}$/,
    );
    // An explicit header typ is kept (the JWT default fills only an absent one); typ option wins over both.
    assert.equal(
      decodeProtectedHeader(
        await E.signJwt({}, SECRET, { alg: 'HS256', header: { typ: 'at+jwt' } }),
      ).typ,
      'at+jwt',
    );
    assert.equal(
      decodeProtectedHeader(
        await E.signJwt({}, SECRET, { alg: 'HS256', typ: 'dpop+jwt', header: { typ: 'at+jwt' } }),
      ).typ,
      'dpop+jwt',
    );
    // exp relative to a given iat.
    assert.equal(
      decodeJwt(await E.signJwt({ iat: 100 }, SECRET, { alg: 'HS256', expiresIn: 50 })).exp,
      150,
    );
  });

  test(`${E.name} signJwt refuses conflicting or mistyped claims and options`, async () => {
    const bad: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ iss: 'x' }, { issuer: 'y' }],
      [{ exp: 1 }, { expiresIn: 5 }],
      [{ jti: 'a' }, { jwtId: true }],
      [{ sub: 'a' }, { subject: 'b' }],
      [{ exp: '1' }, {}],
      [{ iat: Infinity }, {}],
      [{ iss: 1 }, {}],
      [{ aud: [1] }, {}],
      [{ aud: {} }, {}],
      [{}, { issuer: '' }],
      [{}, { audience: [] }],
      [{}, { audience: [''] }],
      [{}, { jwtId: '' }],
      [{}, { typ: '' }],
      [{}, { currentDate: new Date(NaN) }],
      [{}, { header: { b64: false, crit: ['b64'] } }],
      [{ big: 1n }, {}],
    ];
    for (const [claims, o] of bad) {
      await assertJoseErrorAsync(
        () => E.signJwt(claims, SECRET, { alg: 'HS256', ...o }),
        'ERR_OPTIONS_INVALID',
      );
    }
    for (const claims of [null, [], 'x', 1])
      await assertJoseErrorAsync(
        () => E.signJwt(claims as never, SECRET, { alg: 'HS256' }),
        'ERR_OPTIONS_INVALID',
      );
  });

  test(`${E.name} verifyJwt: signature before claims (an expired forgery reports the signature)`, async () => {
    const t = await E.signJwt({ exp: 1 }, SECRET, { alg: 'HS256' });
    await assertJoseErrorAsync(
      () => E.verifyJwt(t, SECRET, { algorithms: ['HS256'] }),
      'ERR_JWT_EXPIRED',
    );
    const other = new Uint8Array(64).fill(9);
    await assertJoseErrorAsync(
      () => E.verifyJwt(t, other, { algorithms: ['HS256'] }),
      'ERR_SIGNATURE_INVALID',
    );
    await assertJoseErrorAsync(() => E.verifyJwt(t, SECRET, {} as never), 'ERR_OPTIONS_INVALID');
    await assertJoseErrorAsync(
      () => E.verifyJwt(t, SECRET, undefined as never),
      'ERR_OPTIONS_INVALID',
    );
  });

  test(`${E.name} createSigner / createVerifier: configured once, verify many; a wrong key is refused`, async () => {
    const { privateKey, publicKey } = jwkPair('ed25519');
    const sign = E.createSigner({
      key: privateKey,
      alg: 'EdDSA',
      issuer: 'https://i',
      audience: 'api',
      expiresIn: 60,
    });
    const verify = E.createVerifier({
      key: publicKey,
      algorithms: ['EdDSA'],
      issuer: 'https://i',
      audience: 'api',
    });
    for (let i = 0; i < 20; i++) assert.equal((await verify(await sign({ n: i }))).payload['n'], i);
    assert.ok((await verify(await sign({}))).key);
    // The Node.js core refuses a key that fits no allowed algorithm when the verifier or signer
    // is made; Web Crypto imports keys asynchronously and refuses every call with the same code.
    const token = await sign({});
    await assertJoseErrorAsync(
      async () =>
        E.createVerifier({ key: jwkPair('p256').publicKey, algorithms: ['EdDSA'] })(token),
      'ERR_KEY_INVALID',
    );
    assertJoseError(
      () => E.createVerifier({ key: undefined as never, algorithms: ['EdDSA'] }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      async () => E.createSigner({ key: publicKey, alg: 'EdDSA' })({}),
      'ERR_KEY_INVALID',
    );
    const set = E.createLocalKeySet({ keys: [{ ...publicKey, kid: 'k' }] });
    const viaSet = E.createVerifier({ key: set, algorithms: ['EdDSA'] });
    assert.ok(await viaSet(await E.signJwt({}, privateKey, { alg: 'EdDSA', kid: 'k' })));
    await assertJoseErrorAsync(
      async () => viaSet(await E.signJwt({}, privateKey, { alg: 'EdDSA', kid: 'other' })),
      'ERR_KEY_NOT_FOUND',
    );
  });

  test(`${E.name} createVerifier: a header seen in a verified token never vouches for a forged one; results are copies`, async () => {
    const { privateKey, publicKey } = jwkPair('p256');
    const verify = E.createVerifier({ key: publicKey, algorithms: ['ES256'] });
    const good = await E.signJwt({ sub: 'a' }, privateKey, { alg: 'ES256', kid: 'k' });
    const first = await verify(good);
    const [h] = good.split('.');
    const forged = `${h}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.${good.split('.')[2]}`;
    await assertJoseErrorAsync(() => verify(forged), 'ERR_SIGNATURE_INVALID');
    await assertJoseErrorAsync(
      () => verify(`${h}.${good.split('.')[1]}.${'A'.repeat(86)}`),
      'ERR_SIGNATURE_INVALID',
    );
    first.protectedHeader.alg = 'none';
    (first.payload as Record<string, unknown>)['sub'] = 'changed';
    const again = await verify(good);
    assert.equal(again.protectedHeader.alg, 'ES256');
    assert.equal(again.payload.sub, 'a');
    // Claims are checked at every call, also for a header already seen.
    const expired = await E.signJwt({ exp: 1 }, privateKey, { alg: 'ES256', kid: 'k' });
    await assertJoseErrorAsync(() => verify(expired), 'ERR_JWT_EXPIRED');
  });
}

test('decodeJwt / decodeProtectedHeader read without verifying, within the size cap', () => {
  const t = signJwt({ a: 1 }, SECRET, { alg: 'HS256', currentDate: NOW });
  assert.deepEqual(decodeJwt(t), { a: 1, iat: NOW_S });
  assert.equal(decodeProtectedHeader(`${t.split('.')[0]}.a.b.c.d`).alg, 'HS256');
  assertJoseError(() => decodeJwt('a.b'), 'ERR_JWS_MALFORMED');
  assertJoseError(() => decodeProtectedHeader('a.b.c.d'), 'ERR_JWS_MALFORMED');
  assertJoseError(() => decodeJwt(t, { maxTokenLength: 10 }), 'ERR_TOKEN_TOO_LARGE');
  assertJoseError(() => decodeProtectedHeader(1 as never), 'ERR_JWS_MALFORMED');
});
