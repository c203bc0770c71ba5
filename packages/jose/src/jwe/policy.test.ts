/**
 * JWE policy: allowlists, keys (docs/security.md#keys applied to JWE, #key-confusion for key sets), header rules (docs/security.md#crit for
 * JWE), serialization structure, size caps (docs/security.md#token-size, #cost-limits) and docs/security.md#nested (JWS vs JWE).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { encodeBase64url } from '../base/base64url.js';
import { exportJwk, generateKeyPair, generateSecret, importPem, exportPem } from '../keys/keys.js';
import { createLocalKeySet } from '../jwks/local.js';
import { signJwt, verifyJwt } from '../jwt/jwt.js';
import { signCompact } from '../jws/compact.js';
import { decryptCompact, encryptCompact } from './compact.js';
import { encryptFlattened, encryptGeneral } from './json.js';
import type { DecryptOptions } from './header.js';
import type { JweContentEncryptionAlg, JweKeyManagementAlg } from '../base/algorithms.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES, outcome } from '../test-support/entries.js';
import { craftDirJwe, keyPairs, withHeader, withSegment } from '../test-support/jwe-fixtures.js';

const opts = (
  alg: JweKeyManagementAlg,
  enc: JweContentEncryptionAlg,
  extra: Partial<DecryptOptions> = {},
): DecryptOptions => ({
  keyManagementAlgorithms: [alg],
  contentEncryptionAlgorithms: [enc],
  ...extra,
});
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const jwk = (k: KeyObject) => exportJwk(k);

test('allowlists are required and validated at call time; RSA1_5 cannot be listed', () => {
  const key = randomBytes(32);
  const jwe = encryptCompact('x', key, { alg: 'dir', enc: 'A256GCM' });
  for (const bad of [
    {},
    { keyManagementAlgorithms: ['dir'] },
    { contentEncryptionAlgorithms: ['A256GCM'] },
    { keyManagementAlgorithms: [], contentEncryptionAlgorithms: ['A256GCM'] },
    { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['a256gcm'] },
    { keyManagementAlgorithms: ['RSA1_5'], contentEncryptionAlgorithms: ['A256GCM'] },
    {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxPbes2Count: 0,
    },
    {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxDecompressedLength: -1,
    },
    {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxTokenLength: 1.5,
    },
  ]) {
    assertJoseError(() => decryptCompact(jwe, key, bad as DecryptOptions), 'ERR_OPTIONS_INVALID');
  }
  assertJoseError(() => decryptCompact(jwe, key, undefined as never), 'ERR_OPTIONS_INVALID');
});

test('alg and enc outside the allowlists are refused before any key is used', () => {
  const key = randomBytes(32);
  const jwe = encryptCompact('x', key, { alg: 'dir', enc: 'A256GCM' });
  assertJoseError(() => decryptCompact(jwe, key, opts('A256KW', 'A256GCM')), 'ERR_ALG_NOT_ALLOWED');
  assertJoseError(() => decryptCompact(jwe, key, opts('dir', 'A128GCM')), 'ERR_ALG_NOT_ALLOWED');
  for (const alg of ['none', 'DIR', 'dir ', 'RSA1_5', 'HS256', 1, null]) {
    assertJoseError(
      () =>
        decryptCompact(
          withHeader(jwe, (h) => (h.alg = alg)),
          key,
          opts('dir', 'A256GCM'),
        ),
      ['ERR_ALG_NOT_ALLOWED', 'ERR_JWE_MALFORMED'],
    );
  }
  assertJoseError(
    () =>
      decryptCompact(
        withHeader(jwe, (h) => delete h.enc),
        key,
        opts('dir', 'A256GCM'),
      ),
    'ERR_JWE_MALFORMED',
  );
  assertJoseError(
    () =>
      decryptCompact(
        withHeader(jwe, (h) => delete h.alg),
        key,
        opts('dir', 'A256GCM'),
      ),
    'ERR_JWE_MALFORMED',
  );
});

test('keys: typed only; sizes exact; RSA >= 2048; private keys to decrypt; JWK use/alg honoured', () => {
  const { rsa, ec, okp } = keyPairs();
  assertJoseError(
    () =>
      encryptCompact('x', 'a-string-password-is-never-a-key' as never, {
        alg: 'dir',
        enc: 'A256GCM',
      }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => encryptCompact('x', randomBytes(16), { alg: 'dir', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => encryptCompact('x', randomBytes(32), { alg: 'A128KW', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => encryptCompact('x', randomBytes(256), { alg: 'RSA-OAEP', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => encryptCompact('x', rsa.publicKey, { alg: 'A256KW', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => encryptCompact('x', ec['P-256'].publicKey, { alg: 'RSA-OAEP', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () =>
      encryptCompact('x', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, {
        alg: 'ECDH-ES',
        enc: 'A256GCM',
      }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () =>
      encryptCompact('x', generateKeyPairSync('ed25519').publicKey, {
        alg: 'ECDH-ES',
        enc: 'A256GCM',
      }),
    'ERR_KEY_INVALID',
  );
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assertJoseError(
    () => encryptCompact('x', weak.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }),
    'ERR_KEY_TOO_WEAK',
  );
  const jwe = encryptCompact('x', okp.X25519.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' });
  assertJoseError(
    () => decryptCompact(jwe, okp.X25519.publicKey, opts('ECDH-ES', 'A256GCM')),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => decryptCompact(jwe, okp.X448.privateKey, opts('ECDH-ES', 'A256GCM')),
    'ERR_JWE_DECRYPTION_FAILED',
  );
  // JWK members: use must be "enc", alg must match (for dir, the enc also fits).
  const k = randomBytes(32);
  const jwk = { kty: 'oct', k: encodeBase64url(k) };
  assertJoseError(
    () => encryptCompact('x', { ...jwk, use: 'sig' }, { alg: 'dir', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => encryptCompact('x', { ...jwk, alg: 'A256KW' }, { alg: 'dir', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => encryptCompact('x', { ...jwk, key_ops: ['sign'] }, { alg: 'A256KW', enc: 'A256GCM' }),
    'ERR_KEY_INVALID',
  );
  const ok = encryptCompact(
    'x',
    { ...jwk, alg: 'A256GCM', use: 'enc' },
    { alg: 'dir', enc: 'A256GCM' },
  );
  assert.equal(text(decryptCompact(ok, createSecretKey(k), opts('dir', 'A256GCM')).plaintext), 'x');
});

test('a key changed in place after a first use is never served stale from the cache', () => {
  const o = opts('dir', 'A256GCM');
  const bytes = randomBytes(32);
  const first = encryptCompact('x', bytes, { alg: 'dir', enc: 'A256GCM' });
  assert.equal(text(decryptCompact(first, bytes, o).plaintext), 'x');
  bytes.set(randomBytes(32)); // the same buffer now holds another secret
  assertJoseError(() => decryptCompact(first, bytes, o), 'ERR_JWE_DECRYPTION_FAILED');
  const second = encryptCompact('y', bytes, { alg: 'dir', enc: 'A256GCM' });
  assert.equal(text(decryptCompact(second, createSecretKey(Buffer.from(bytes)), o).plaintext), 'y');
  const jwk = { kty: 'oct', k: encodeBase64url(randomBytes(32)) };
  const third = encryptCompact('z', jwk, { alg: 'dir', enc: 'A256GCM' });
  jwk.k = encodeBase64url(randomBytes(32));
  assertJoseError(() => decryptCompact(third, jwk, o), 'ERR_JWE_DECRYPTION_FAILED');
});

test('A2: a public key set (createLocalKeySet) never yields a secret, even holding an oct key', () => {
  const k = randomBytes(32);
  const jwe = encryptCompact('x', k, { alg: 'dir', enc: 'A256GCM', kid: 'k1' });
  const set = createLocalKeySet({ keys: [{ kty: 'oct', kid: 'k1', k: encodeBase64url(k) }] });
  assertJoseError(
    () => decryptCompact(jwe, set as never, opts('dir', 'A256GCM')),
    'ERR_KEY_INVALID',
  );
});

test('private JWKS: selection by kid, kty and crv; public-only entries skipped; ambiguity capped', () => {
  const { ec, rsa } = keyPairs();
  const priv = { ...exportJwk(ec['P-384'].privateKey), kid: 'ec' };
  const pubOnly = { ...exportJwk(ec['P-384'].publicKey), kid: 'pub' };
  const rsaJwk = { ...exportJwk(rsa.privateKey), kid: 'rsa' };
  const jwe = encryptCompact('hello', ec['P-384'].publicKey, {
    alg: 'ECDH-ES+A256KW',
    enc: 'A256GCM',
    kid: 'ec',
  });
  const o = opts('ECDH-ES+A256KW', 'A256GCM');
  assert.equal(text(decryptCompact(jwe, { keys: [rsaJwk, pubOnly, priv] }, o).plaintext), 'hello');
  assertJoseError(() => decryptCompact(jwe, { keys: [rsaJwk] }, o), 'ERR_KEY_NOT_FOUND');
  assertJoseError(
    () => decryptCompact(jwe, { keys: [{ ...priv, kid: 'other' }] }, o),
    'ERR_KEY_NOT_FOUND',
  );
  const noKid = encryptCompact('hello', ec['P-384'].publicKey, {
    alg: 'ECDH-ES+A256KW',
    enc: 'A256GCM',
  });
  assert.equal(
    text(decryptCompact(noKid, { keys: [pubOnly, { ...priv, kid: undefined }] }, o).plaintext),
    'hello',
  );
  const many = Array.from({ length: 9 }, () => ({
    kty: 'oct',
    k: encodeBase64url(randomBytes(32)),
  }));
  const dirJwe = encryptCompact('x', randomBytes(32), { alg: 'dir', enc: 'A256GCM' });
  assertJoseError(
    () => decryptCompact(dirJwe, { keys: many }, opts('dir', 'A256GCM')),
    'ERR_KEY_AMBIGUOUS',
  );
  // A resolver sees alg, enc and kid only; "nothing found" is its own error.
  let seen: unknown;
  assertJoseError(
    () => decryptCompact(jwe, (l) => ((seen = l), undefined), o),
    'ERR_KEY_NOT_FOUND',
  );
  assert.deepEqual(seen, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'ec' });
  assert.equal(text(decryptCompact(jwe, () => ec['P-384'].privateKey, o).plaintext), 'hello');
});

test('keys.ts uses the registry for JWE algorithms: generateKeyPair, generateSecret, importPem', () => {
  assert.equal(generateKeyPair('RSA-OAEP-256').publicKey.asymmetricKeyType, 'rsa');
  assert.equal(
    generateKeyPair('ECDH-ES+A128KW', { crv: 'X448' }).publicKey.asymmetricKeyType,
    'x448',
  );
  assert.equal(generateKeyPair('ECDH-ES').publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assertJoseError(() => generateKeyPair('ECDH-ES', { crv: 'Ed25519' }), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => generateKeyPair('A128KW'), 'ERR_OPTIONS_INVALID');
  assertJoseError(() => generateKeyPair('RSA1_5'), 'ERR_ALG_UNSUPPORTED');
  assert.equal(generateSecret('A192KW').symmetricKeySize, 24);
  assert.equal(generateSecret('A256GCMKW').symmetricKeySize, 32);
  assert.equal(generateSecret('A192CBC-HS384').symmetricKeySize, 48);
  assertJoseError(() => generateSecret('dir'), 'ERR_ALG_UNSUPPORTED');
  const pair = generateKeyPair('ECDH-ES+A256KW', { crv: 'P-521' });
  const imported = importPem(exportPem(pair.privateKey), 'ECDH-ES+A256KW');
  const jwe = encryptCompact('pem', pair.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
  assert.equal(
    text(decryptCompact(jwe, imported, opts('ECDH-ES+A256KW', 'A256GCM')).plaintext),
    'pem',
  );
  assertJoseError(
    () => importPem(exportPem(pair.publicKey), 'A256KW'),
    ['ERR_ALG_UNSUPPORTED', 'ERR_KEY_INVALID'],
  );
});

test('D3 c/d: verifyJwt refuses a JWE, decryption refuses a JWS', () => {
  const { rsa } = keyPairs();
  const jwe = encryptCompact('{"sub":"admin"}', rsa.publicKey, {
    alg: 'RSA-OAEP-256',
    enc: 'A256GCM',
  });
  assertJoseError(
    () => verifyJwt(jwe, rsa.publicKey, { algorithms: ['RS256'] }),
    'ERR_JWS_MALFORMED',
  );
  const jws = signJwt({ sub: 'admin' }, rsa.privateKey, { alg: 'RS256' });
  const e = assertJoseError(
    () => decryptCompact(jws, rsa.privateKey, opts('RSA-OAEP-256', 'A256GCM')),
    'ERR_JWE_MALFORMED',
  );
  assert.match(e.message, /JWS/);
  assertJoseError(
    () =>
      decryptCompact(
        signCompact('x', randomBytes(32), { alg: 'HS256' }),
        randomBytes(32),
        opts('dir', 'A256GCM'),
      ),
    'ERR_JWE_MALFORMED',
  );
});

// The JWE rules, one table on both entries (X25519 stands in for X448, which Web Crypto lacks).
for (const E of ENTRIES) {
  test(`${E.name} D1 for JWE: crit unknown, in an unprotected header, or malformed; headers not disjoint`, async () => {
    const key = randomBytes(32);
    const o = opts('dir', 'A256GCM');
    const make = (h: Record<string, unknown>) =>
      craftDirJwe({ alg: 'dir', enc: 'A256GCM', ...h }, Buffer.from('x'), key);
    await assertJoseErrorAsync(
      () => E.decryptCompact(make({ crit: ['x-policy'], 'x-policy': 1 }), key, o),
      'ERR_CRIT_UNSUPPORTED',
    );
    for (const [crit, extra] of [
      [[], { x: 1 }],
      ['x', { x: 1 }],
      [['alg'], {}],
      [['x', 'x'], { x: 1 }],
      [['x'], {}],
      [[1], {}],
    ] as const) {
      await assertJoseErrorAsync(
        () => E.decryptCompact(make({ crit, ...extra }), key, { ...o, crit: ['x'] }),
        'ERR_CRIT_UNSUPPORTED',
      );
    }
    assert.equal(
      text(
        (await E.decryptCompact(make({ crit: ['x'], x: 1 }), key, { ...o, crit: ['x'] })).plaintext,
      ),
      'x',
    );
    const flat = await E.encryptFlattened('x', key, { alg: 'dir', enc: 'A256GCM' });
    await assertJoseErrorAsync(
      () =>
        E.decryptFlattened({ ...flat, unprotected: { crit: ['x'], x: 1 } }, key, {
          ...o,
          crit: ['x'],
        }),
      'ERR_CRIT_UNSUPPORTED',
    );
    await assertJoseErrorAsync(
      () =>
        E.decryptFlattened({ ...flat, header: { crit: ['x'], x: 1 } }, key, { ...o, crit: ['x'] }),
      'ERR_CRIT_UNSUPPORTED',
    );
    await assertJoseErrorAsync(
      () => E.decryptFlattened({ ...flat, unprotected: { enc: 'A256GCM' } }, key, o),
      'ERR_HEADER_INVALID',
    );
    await assertJoseErrorAsync(
      () =>
        E.decryptFlattened({ ...flat, unprotected: { kid: 'a' }, header: { kid: 'b' } }, key, o),
      'ERR_HEADER_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.decryptCompact(make({ kid: 'k'.repeat(257) }), key, o),
      'ERR_HEADER_INVALID',
    );
  });

  test(`${E.name} structure: five segments, strict base64url, strict JSON, empty encrypted key with dir`, async () => {
    const key = randomBytes(32);
    const o = opts('dir', 'A256GCM');
    const jwe = await E.encryptCompact('x', key, { alg: 'dir', enc: 'A256GCM' });
    await assertJoseErrorAsync(
      () => E.decryptCompact(jwe.split('.').slice(0, 4).join('.'), key, o),
      'ERR_JWE_MALFORMED',
    );
    await assertJoseErrorAsync(() => E.decryptCompact(`${jwe}.`, key, o), 'ERR_JWE_MALFORMED');
    await assertJoseErrorAsync(() => E.decryptCompact(42 as never, key, o), 'ERR_JWE_MALFORMED');
    await assertJoseErrorAsync(
      () => E.decryptCompact(withSegment(jwe, 3, 'ab+/'), key, o),
      'ERR_BASE64URL_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.decryptCompact(withSegment(jwe, 0, ''), key, o),
      'ERR_JWE_MALFORMED',
    );
    await assertJoseErrorAsync(
      () =>
        E.decryptCompact(
          withSegment(jwe, 0, Buffer.from('{"alg":"dir","alg":"dir","enc":"A256GCM"}')),
          key,
          o,
        ),
      'ERR_JSON_DUPLICATE_MEMBER',
    );
    await assertJoseErrorAsync(
      () => E.decryptCompact(withSegment(jwe, 0, Buffer.from('["dir"]')), key, o),
      'ERR_JSON_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.decryptCompact(withSegment(jwe, 1, randomBytes(40)), key, o),
      'ERR_JWE_MALFORMED',
    );
    const flat = await E.encryptFlattened('x', key, { alg: 'dir', enc: 'A256GCM' });
    await assertJoseErrorAsync(
      () => E.decryptFlattened({ ...flat, iv: 1 } as never, key, o),
      'ERR_JWE_MALFORMED',
    );
    await assertJoseErrorAsync(
      () => E.decryptFlattened({ ...flat, recipients: [] } as never, key, o),
      'ERR_JWE_MALFORMED',
    );
    await assertJoseErrorAsync(() => E.decryptGeneral(flat as never, key, o), 'ERR_JWE_MALFORMED');
  });

  test(`${E.name} G1/G2: length cap before parsing, recipient cap, key-candidate cap`, async () => {
    const key = randomBytes(32);
    const o = opts('dir', 'A256GCM');
    const big = await E.encryptCompact('a'.repeat(20_000), key, { alg: 'dir', enc: 'A256GCM' });
    await assertJoseErrorAsync(() => E.decryptCompact(big, key, o), 'ERR_TOKEN_TOO_LARGE');
    await assertJoseErrorAsync(
      () => E.decryptCompact('.'.repeat(100_000), key, o),
      'ERR_TOKEN_TOO_LARGE',
    );
    assert.equal(
      (await E.decryptCompact(big, key, { ...o, maxTokenLength: 30_000 })).plaintext.length,
      20_000,
    );
    const kek = randomBytes(16);
    const general = await E.encryptGeneral('x', [{ key: kek, alg: 'A128KW' }], { enc: 'A128GCM' });
    const r0 = general.recipients[0]!;
    await assertJoseErrorAsync(
      () =>
        E.decryptGeneral(
          { ...general, recipients: Array(17).fill(r0) },
          kek,
          opts('A128KW', 'A128GCM'),
        ),
      'ERR_JWE_MALFORMED',
    );
    assert.equal(
      text(
        (
          await E.decryptGeneral(
            { ...general, recipients: Array(16).fill(r0) },
            kek,
            opts('A128KW', 'A128GCM'),
          )
        ).plaintext,
      ),
      'x',
    );
  });

  test(`${E.name} G2: one general JWE costs at most 16 key attempts across its recipients and candidate keys`, async () => {
    const keys = Array.from({ length: 8 }, () => randomBytes(16));
    const jwks = { keys: keys.map((k) => ({ kty: 'oct', k: encodeBase64url(k) })) };
    const real = keys[7]!;
    const o = opts('A128KW', 'A128GCM');
    const recipients = (order: Uint8Array[]) =>
      E.encryptGeneral(
        'x',
        order.map((key) => ({ key, alg: 'A128KW' as const })),
        { enc: 'A128GCM' },
      );
    // The right recipient first: 8 attempts at most, it decrypts.
    assert.equal(
      text(
        (
          await E.decryptGeneral(
            await recipients([real, randomBytes(16), randomBytes(16)]),
            jwks,
            o,
          )
        ).plaintext,
      ),
      'x',
    );
    // Two decoys of 8 attempts each use up the budget before the right recipient is reached.
    await assertJoseErrorAsync(
      async () =>
        E.decryptGeneral(await recipients([randomBytes(16), randomBytes(16), real]), jwks, o),
      'ERR_JWE_DECRYPTION_FAILED',
    );
    // With one key the same layout is cheap, and decrypts.
    assert.equal(
      text(
        (
          await E.decryptGeneral(
            await recipients([randomBytes(16), randomBytes(16), real]),
            real,
            o,
          )
        ).plaintext,
      ),
      'x',
    );
  });

  test(`${E.name} general JWE: several recipients with shared and per-recipient headers and aad; direct modes alone`, async () => {
    const { rsa, ec, okp } = keyPairs();
    const kek = randomBytes(32);
    const pw = new TextEncoder().encode('a password');
    const jwe = await E.encryptGeneral(
      'to many',
      [
        {
          key: jwk(rsa.publicKey),
          alg: 'RSA-OAEP-384',
          kid: 'r',
          unprotectedHeader: { 'x-note': 'rsa' },
        },
        {
          key: jwk(ec['P-521'].publicKey),
          alg: 'ECDH-ES+A192KW',
          kid: 'e',
          apu: Buffer.from('Alice'),
          apv: Buffer.from('Bob'),
        },
        { key: jwk(okp.X25519.publicKey), alg: 'ECDH-ES+A128KW', kid: 'x' },
        { key: kek, alg: 'A256GCMKW', kid: 'g' },
        { key: pw, alg: 'PBES2-HS384+A192KW', kid: 'p', p2c: 50 },
      ],
      {
        enc: 'A192CBC-HS384',
        sharedUnprotectedHeader: { jku: 'https://example.invalid/unused' },
        aad: 'context',
        header: { typ: 'secret+json' },
      },
    );
    assert.equal(jwe.recipients.length, 5);
    const all: DecryptOptions = {
      keyManagementAlgorithms: [
        'RSA-OAEP-384',
        'ECDH-ES+A192KW',
        'ECDH-ES+A128KW',
        'A256GCMKW',
        'PBES2-HS384+A192KW',
      ],
      contentEncryptionAlgorithms: ['A192CBC-HS384'],
    };
    for (const [key, kid] of [
      [jwk(rsa.privateKey), 'r'],
      [jwk(ec['P-521'].privateKey), 'e'],
      [jwk(okp.X25519.privateKey), 'x'],
      [kek, 'g'],
      [pw, 'p'],
    ] as const) {
      const r = await E.decryptGeneral(jwe, key, all);
      assert.equal(text(r.plaintext), 'to many');
      assert.equal(r.unprotectedHeader?.kid, kid);
      assert.equal(r.protectedHeader?.typ, 'secret+json');
      assert.equal(r.sharedUnprotectedHeader?.jku, 'https://example.invalid/unused');
      assert.equal(text(r.additionalAuthenticatedData!), 'context');
    }
    await assertJoseErrorAsync(
      () =>
        E.decryptGeneral(jwe, randomBytes(32), { ...all, keyManagementAlgorithms: ['A256GCMKW'] }),
      'ERR_JWE_DECRYPTION_FAILED',
    );
    await assertJoseErrorAsync(
      () => E.decryptGeneral({ ...jwe, aad: encodeBase64url('other') }, kek, all),
      'ERR_JWE_DECRYPTION_FAILED',
    );
    await assertJoseErrorAsync(
      () =>
        E.encryptGeneral(
          'x',
          [
            { key: randomBytes(32), alg: 'dir' },
            { key: kek, alg: 'A256KW' },
          ],
          { enc: 'A256GCM' },
        ),
      'ERR_OPTIONS_INVALID',
    );
    const direct = await E.encryptGeneral(
      'one',
      [{ key: jwk(ec['P-256'].publicKey), alg: 'ECDH-ES' }],
      {
        enc: 'A128GCM',
      },
    );
    assert.equal(
      text(
        (await E.decryptGeneral(direct, jwk(ec['P-256'].privateKey), opts('ECDH-ES', 'A128GCM')))
          .plaintext,
      ),
      'one',
    );
    await assertJoseErrorAsync(
      () =>
        E.encryptGeneral('x', [{ key: kek, alg: 'A256KW', unprotectedHeader: { p2c: 1 } }], {
          enc: 'A256GCM',
        }),
      'ERR_OPTIONS_INVALID',
    );
  });
}

test('JWE JSON: a table of hostile objects gets the same refusal (class and code) from both entries', async () => {
  const kek = randomBytes(16);
  const o = opts('A128KW', 'A128GCM');
  const f = encryptFlattened('x', kek, { alg: 'A128KW', enc: 'A128GCM', aad: 'a' });
  const g = encryptGeneral('x', [{ key: kek, alg: 'A128KW', kid: 'k' }], { enc: 'A128GCM' });
  const prot = (h: unknown) => encodeBase64url(Buffer.from(JSON.stringify(h)));
  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  const flat: [string, unknown, Partial<DecryptOptions>?][] = [
    ['not an object', 'x'],
    ['with recipients', { ...f, recipients: [] }],
    ['iv missing', { ...f, iv: undefined }],
    ['iv not base64url', { ...f, iv: '+' }],
    ['aad not base64url', { ...f, aad: '=' }],
    ['tag flipped', { ...f, tag: flip(f.tag) }],
    ['aad changed', { ...f, aad: 'Yg' }],
    ['ciphertext flipped', { ...f, ciphertext: flip(f.ciphertext) }],
    ['encrypted key flipped', { ...f, encrypted_key: flip(f.encrypted_key!) }],
    ['header not an object', { ...f, header: 1 }],
    ['alg unprotected and protected', { ...f, header: { alg: 'A128KW' } }],
    ['zip unprotected', { ...f, unprotected: { zip: 'DEF' } }],
    ['crit unprotected', { ...f, unprotected: { crit: ['x'] } }],
    ['enc not allowed', { ...f, protected: prot({ alg: 'A128KW', enc: 'A256GCM' }) }],
    ['alg not allowed', { ...f, protected: prot({ alg: 'A256KW', enc: 'A128GCM' }) }],
    ['PBES2 unlisted', { ...f, protected: prot({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM' }) }],
    ['RSA1_5', { ...f, protected: prot({ alg: 'RSA1_5', enc: 'A128GCM' }) }],
    ['too large', f, { maxTokenLength: 40 }],
  ];
  const general: [string, unknown][] = [
    ['no recipients', { ...g, recipients: [] }],
    ['recipient not an object', { ...g, recipients: [1] }],
    ['17 recipients', { ...g, recipients: Array(17).fill(g.recipients[0]) }],
    ['a flattened object', f],
    ['one bad, one wrong key', { ...g, recipients: [{ header: { alg: 'A128KW', kid: 'z' } }] }],
    [
      'encrypted key flipped',
      {
        ...g,
        recipients: [{ ...g.recipients[0], encrypted_key: flip(g.recipients[0]!.encrypted_key!) }],
      },
    ],
  ];
  const seen = new Set<string>();
  const compare = async (what: string, run: (E: (typeof ENTRIES)[number]) => Promise<unknown>) => {
    const [n, w] = await Promise.all(ENTRIES.map((E) => outcome(() => run(E))));
    assert.equal(w, n, what);
    assert.doesNotMatch(n!, /^ok /, `${what} is refused`);
    seen.add(n!);
  };
  for (const [what, jwe, extra] of flat)
    await compare(what, (E) => E.decryptFlattened(jwe as never, kek, { ...o, ...extra }));
  for (const [what, jwe] of general)
    await compare(`general: ${what}`, (E) => E.decryptGeneral(jwe as never, kek, o));
  const bad: [string, (E: (typeof ENTRIES)[number]) => Promise<unknown>][] = [
    [
      'shared header repeats alg',
      (E) =>
        E.encryptFlattened('x', kek, {
          alg: 'A128KW',
          enc: 'A128GCM',
          sharedUnprotectedHeader: { alg: 'A128KW' },
        }),
    ],
    [
      'zip unprotected',
      (E) =>
        E.encryptFlattened('x', kek, {
          alg: 'A128KW',
          enc: 'A128GCM',
          unprotectedHeader: { zip: 'DEF' },
        }),
    ],
    [
      'aad a number',
      (E) => E.encryptFlattened('x', kek, { alg: 'A128KW', enc: 'A128GCM', aad: 1 as never }),
    ],
    [
      'wrong key size',
      (E) => E.encryptFlattened('x', randomBytes(24), { alg: 'A128KW', enc: 'A128GCM' }),
    ],
    ['no recipients', (E) => E.encryptGeneral('x', [], { enc: 'A128GCM' })],
    [
      'enc per recipient',
      (E) =>
        E.encryptGeneral(
          'x',
          [{ key: kek, alg: 'A128KW', unprotectedHeader: { enc: 'A128GCM' } }],
          { enc: 'A128GCM' },
        ),
    ],
    [
      'two recipients, one dir',
      (E) =>
        E.encryptGeneral(
          'x',
          [
            { key: randomBytes(16), alg: 'dir' },
            { key: kek, alg: 'A128KW' },
          ],
          { enc: 'A128GCM' },
        ),
    ],
  ];
  for (const [what, run] of bad) await compare(`encrypt: ${what}`, run);
  assert.ok(seen.size >= 8, [...seen].join(', '));
});
