/**
 * docs/security.md#ecdh-curve, #pbes2, #zip, #cbc-hmac, #gcm-tag and the no-oracle rule: every decryption failure is one code and one
 * message, whatever its cause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createCipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { encodeBase64url } from '../base/base64url.js';
import { uint64be } from '../base/bytes.js';
import { JoseError } from '../base/errors.js';
import { isOnCurve } from './ecdh.js';
import { DECRYPTION_FAILED_MESSAGE } from './failure.js';
import type { DecryptOptions } from './header.js';
import type { JweContentEncryptionAlg, JweKeyManagementAlg } from '../base/algorithms.js';
import { assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES, WEB } from '../test-support/entries.js';
import {
  craftDirJwe,
  jwkPairs,
  segment,
  withHeader,
  withSegment,
} from '../test-support/jwe-fixtures.js';

const opts = (
  alg: JweKeyManagementAlg,
  enc: JweContentEncryptionAlg,
  extra: Partial<DecryptOptions> = {},
): DecryptOptions => ({
  keyManagementAlgorithms: [alg],
  contentEncryptionAlgorithms: [enc],
  ...extra,
});

/** The opaque failure: one code, one message, no cause (nothing to tell causes apart). */
async function assertOpaque(fn: () => Promise<unknown>, label = ''): Promise<JoseError> {
  const e = await assertJoseErrorAsync(fn, 'ERR_JWE_DECRYPTION_FAILED');
  assert.equal(e.message, DECRYPTION_FAILED_MESSAGE, label);
  assert.equal(e.cause, undefined, label);
  return e;
}

const b64 = (b: Uint8Array) => encodeBase64url(b);

for (const E of ENTRIES) {
  // ---------------------------------------------------------------- E1

  test(`${E.name} E1: an epk off the curve, at x or y >= p, "at infinity", of another curve or kty is refused opaquely before ECDH`, async () => {
    const { ec } = jwkPairs();
    const recipient = ec['P-256'];
    const jwe = await E.encryptCompact('secret', recipient.publicKey, {
      alg: 'ECDH-ES+A128KW',
      enc: 'A128GCM',
    });
    const epk = JSON.parse(segment(jwe, 0).toString()).epk;
    const x = Buffer.from(epk.x, 'base64url');
    const y = Buffer.from(epk.y, 'base64url');
    assert.equal(isOnCurve('P-256', x, y), true);
    const yBad = Buffer.from(y);
    yBad[31] = yBad[31]! ^ 1;
    assert.equal(isOnCurve('P-256', x, yBad), false);
    const p = Buffer.from(
      'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff',
      'hex',
    );
    const other = JSON.parse(
      segment(
        await E.encryptCompact('x', ec['P-384'].publicKey, {
          alg: 'ECDH-ES+A128KW',
          enc: 'A128GCM',
        }),
        0,
      ).toString(),
    ).epk;
    const bad: Record<string, unknown>[] = [
      { ...epk, y: b64(yBad) }, // not on P-256 (same a, different b)
      { ...epk, x: b64(Buffer.alloc(32)), y: b64(Buffer.alloc(32)) }, // (0, 0): how "infinity" is often faked
      { ...epk, x: b64(p) }, // x = p
      { ...epk, y: b64(p) }, // y = p
      { ...epk, x: b64(Buffer.concat([Buffer.alloc(1), x])) }, // 33-byte coordinate
      other, // a P-384 epk against a P-256 key
      { ...epk, crv: 'P-384' },
      { ...epk, kty: 'OKP' },
      { kty: 'OKP', crv: 'X25519', x: b64(Buffer.alloc(32, 9)) },
      { ...epk, d: b64(Buffer.alloc(32, 1)) }, // a private epk is never accepted
      'not an object',
    ];
    for (const [i, value] of bad.entries()) {
      const forged = withHeader(jwe, (h) => (h.epk = value));
      await assertOpaque(
        () => E.decryptCompact(forged, recipient.privateKey, opts('ECDH-ES+A128KW', 'A128GCM')),
        `case ${i}`,
      );
    }
    await assertOpaque(() =>
      E.decryptCompact(
        withHeader(jwe, (h) => delete h.epk),
        recipient.privateKey,
        opts('ECDH-ES+A128KW', 'A128GCM'),
      ),
    );
  });

  test(`${E.name} E1: X25519 and X448 low-order epk values (all-zero shared secret) are refused opaquely`, async () => {
    const { okp } = jwkPairs();
    const lowOrder: Record<string, string[]> = {
      // RFC 7748 §6.1 and the well-known small-order u-coordinates.
      X25519: [
        '0000000000000000000000000000000000000000000000000000000000000000',
        '0100000000000000000000000000000000000000000000000000000000000000',
        'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
        '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
        'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      ],
      X448: ['00'.repeat(56), '01' + '00'.repeat(55)],
    };
    for (const crv of ['X25519', 'X448'] as const) {
      for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW'] as const) {
        if (E === WEB && crv === 'X448') {
          // No Web Crypto implements X448: refused by name, never a wrong error.
          await assertJoseErrorAsync(
            () => E.encryptCompact('secret', okp[crv].publicKey, { alg, enc: 'A128GCM' }),
            'ERR_ALG_UNSUPPORTED',
          );
          continue;
        }
        const jwe = await E.encryptCompact('secret', okp[crv].publicKey, { alg, enc: 'A128GCM' });
        for (const hex of lowOrder[crv]!) {
          const forged = withHeader(
            jwe,
            (h) => (h.epk = { kty: 'OKP', crv, x: b64(Buffer.from(hex, 'hex')) }),
          );
          await assertOpaque(
            () => E.decryptCompact(forged, okp[crv].privateKey, opts(alg, 'A128GCM')),
            `${crv} ${hex}`,
          );
        }
      }
    }
  });

  test(`${E.name} E1 (encrypting side): a low-order X25519/X448 recipient key is refused`, async () => {
    for (const [crv, size] of [
      ['X25519', 32],
      ['X448', 56],
    ] as const) {
      const weak = { kty: 'OKP', crv, x: b64(Buffer.alloc(size)) };
      await assertJoseErrorAsync(
        () => E.encryptCompact('x', weak, { alg: 'ECDH-ES', enc: 'A128GCM' }),
        E === WEB && crv === 'X448' ? 'ERR_ALG_UNSUPPORTED' : 'ERR_KEY_INVALID',
      );
    }
  });

  // ---------------------------------------------------------------- E2

  test(`${E.name} E2: PBES2 p2c out of bounds or malformed, and p2s under 8 bytes, are refused before any PBKDF2`, async () => {
    const password = new TextEncoder().encode('correct horse battery staple');
    const jwe = await E.encryptCompact('x', password, {
      alg: 'PBES2-HS256+A128KW',
      enc: 'A128GCM',
      p2c: 100,
    });
    const o = opts('PBES2-HS256+A128KW', 'A128GCM');
    assert.equal(Buffer.from((await E.decryptCompact(jwe, password, o)).plaintext).toString(), 'x');
    const started = process.hrtime.bigint();
    for (const p2c of [2000000000, 2 ** 31, 1e9, 10001, 0, -1, 1.5, '1000', null, [1000]]) {
      await assertJoseErrorAsync(
        () =>
          E.decryptCompact(
            withHeader(jwe, (h) => (h.p2c = p2c)),
            password,
            o,
          ),
        'ERR_JWE_PBES2_NOT_ALLOWED',
      );
    }
    // 1e400 is Infinity once parsed: written into the header text by hand.
    const h = segment(jwe, 0).toString().replace('"p2c":100', '"p2c":1e400');
    await assertJoseErrorAsync(
      () => E.decryptCompact(withSegment(jwe, 0, Buffer.from(h)), password, o),
      'ERR_JWE_PBES2_NOT_ALLOWED',
    );
    for (const p2s of [b64(randomBytes(7)), '', 'not+base64', 12345]) {
      await assertJoseErrorAsync(
        () =>
          E.decryptCompact(
            withHeader(jwe, (hh) => (hh.p2s = p2s)),
            password,
            o,
          ),
        'ERR_JWE_PBES2_NOT_ALLOWED',
      );
    }
    await assertJoseErrorAsync(
      () =>
        E.decryptCompact(
          withHeader(jwe, (hh) => delete hh.p2s),
          password,
          o,
        ),
      'ERR_JWE_PBES2_NOT_ALLOWED',
    );
    // Not one of these ran PBKDF2 with 2e9 iterations.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000);
    // A lower cap refuses what the default accepts; a higher one must be explicit.
    await assertJoseErrorAsync(
      () => E.decryptCompact(jwe, password, { ...o, maxPbes2Count: 99 }),
      'ERR_JWE_PBES2_NOT_ALLOWED',
    );
    const many = await E.encryptCompact('x', password, {
      alg: 'PBES2-HS256+A128KW',
      enc: 'A128GCM',
      p2c: 10001,
    });
    await assertJoseErrorAsync(
      () => E.decryptCompact(many, password, o),
      'ERR_JWE_PBES2_NOT_ALLOWED',
    );
    assert.equal(
      Buffer.from(
        (await E.decryptCompact(many, password, { ...o, maxPbes2Count: 20000 })).plaintext,
      ).toString(),
      'x',
    );
  });

  test(`${E.name} E2: PBES2 is off unless listed in keyManagementAlgorithms, whatever else is listed`, async () => {
    const password = new TextEncoder().encode('pw-123456');
    for (const alg of ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'] as const) {
      const jwe = await E.encryptCompact('x', password, { alg, enc: 'A256GCM', p2c: 10 });
      await assertJoseErrorAsync(
        () =>
          E.decryptCompact(jwe, password, {
            keyManagementAlgorithms: ['A128KW', 'A256KW', 'dir'],
            contentEncryptionAlgorithms: ['A256GCM'],
          }),
        'ERR_JWE_PBES2_NOT_ALLOWED',
      );
      assert.equal(
        Buffer.from(
          (await E.decryptCompact(jwe, password, opts(alg, 'A256GCM'))).plaintext,
        ).toString(),
        'x',
      );
    }
  });

  // ---------------------------------------------------------------- E3

  test(`${E.name} E3: a DEFLATE bomb is stopped at maxDecompressedLength (default 250,000 bytes)`, async () => {
    const key = randomBytes(32);
    const o = opts('dir', 'A256GCM', { maxTokenLength: 200_000 });
    const small = await E.encryptCompact(new Uint8Array(250_000), key, {
      alg: 'dir',
      enc: 'A256GCM',
      zip: 'DEF',
    });
    assert.equal((await E.decryptCompact(small, key, o)).plaintext.length, 250_000);
    const over = await E.encryptCompact(new Uint8Array(250_001), key, {
      alg: 'dir',
      enc: 'A256GCM',
      zip: 'DEF',
    });
    await assertJoseErrorAsync(() => E.decryptCompact(over, key, o), 'ERR_JWE_TOO_LARGE');
    // ~50 MB of zeros in ~50 KB: refused fast, without inflating it all.
    const bomb = craftDirJwe(
      { alg: 'dir', enc: 'A256GCM', zip: 'DEF' },
      deflateRawSync(new Uint8Array(50_000_000)),
      key,
    );
    const started = process.hrtime.bigint();
    await assertJoseErrorAsync(() => E.decryptCompact(bomb, key, o), 'ERR_JWE_TOO_LARGE');
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 500);
    assert.equal(
      (await E.decryptCompact(over, key, { ...o, maxDecompressedLength: 300_000 })).plaintext
        .length,
      250_001,
    );
  });

  test(`${E.name} E3: zip outside the protected header, zip other than DEF, and corrupt DEFLATE are refused`, async () => {
    const key = randomBytes(32);
    const o = opts('dir', 'A256GCM');
    const flat = await E.encryptFlattened('hello', key, { alg: 'dir', enc: 'A256GCM' });
    await assertJoseErrorAsync(
      () => E.decryptFlattened({ ...flat, unprotected: { zip: 'DEF' } }, key, o),
      'ERR_HEADER_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.decryptFlattened({ ...flat, header: { zip: 'DEF' } }, key, o),
      'ERR_HEADER_INVALID',
    );
    for (const zip of ['GZIP', 'def', '', 1]) {
      await assertJoseErrorAsync(
        () =>
          E.decryptCompact(
            craftDirJwe({ alg: 'dir', enc: 'A256GCM', zip }, deflateRawSync('hello'), key),
            key,
            o,
          ),
        'ERR_HEADER_INVALID',
      );
    }
    await assertOpaque(() =>
      E.decryptCompact(
        craftDirJwe({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }, randomBytes(64), key),
        key,
        o,
      ),
    );
    await assert.rejects(
      () => E.encryptCompact('x', key, { alg: 'dir', enc: 'A256GCM', zip: 'GZIP' as never }),
      /zip/,
    );
  });

  // ---------------------------------------------------------------- E4

  test(`${E.name} E4: CBC-HMAC — bad padding under a VALID MAC, a bad MAC, truncated and extended tags: one opaque failure`, async () => {
    const cek = randomBytes(32);
    const o = opts('dir', 'A128CBC-HS256');
    const good = await E.encryptCompact('attack at dawn, attack at dawn!!', cek, {
      alg: 'dir',
      enc: 'A128CBC-HS256',
    });
    assert.equal(
      Buffer.from((await E.decryptCompact(good, cek, o)).plaintext).toString(),
      'attack at dawn, attack at dawn!!',
    );
    const errors: JoseError[] = [];
    // a) corrupted last block and corrupted tag
    const ct = segment(good, 3);
    ct[ct.length - 1] = ct[ct.length - 1]! ^ 0x55;
    errors.push(await assertOpaque(() => E.decryptCompact(withSegment(good, 3, ct), cek, o)));
    const tag = segment(good, 4);
    tag[0] = tag[0]! ^ 1;
    errors.push(await assertOpaque(() => E.decryptCompact(withSegment(good, 4, tag), cek, o)));
    // A ciphertext whose padding is wrong but whose MAC we compute correctly (we hold the key):
    // the padding failure must look exactly like a MAC failure.
    const header = segment(good, 0).toString('ascii');
    const h64 = good.split('.')[0]!;
    const iv = randomBytes(16);
    const c = createCipheriv('aes-128-cbc', cek.subarray(16), iv).setAutoPadding(false);
    const badPadding = Buffer.concat([c.update(Buffer.alloc(32, 0x41)), c.final()]); // ends in 0x41: invalid PKCS#7
    const al = Buffer.alloc(8);
    al.writeBigUInt64BE(BigInt(h64.length * 8));
    const mac = createHmac('sha256', cek.subarray(0, 16))
      .update(h64)
      .update(iv)
      .update(badPadding)
      .update(al)
      .digest()
      .subarray(0, 16);
    assert.ok(header.includes('A128CBC-HS256'));
    const padded = `${h64}..${b64(iv)}.${b64(badPadding)}.${b64(mac)}`;
    errors.push(await assertOpaque(() => E.decryptCompact(padded, cek, o)));
    // b) truncated tags, c) extended tag
    const fullTag = segment(good, 4);
    for (const n of [0, 1, 8, 15])
      errors.push(
        await assertOpaque(() =>
          E.decryptCompact(withSegment(good, 4, fullTag.subarray(0, n)), cek, o),
        ),
      );
    errors.push(
      await assertOpaque(() =>
        E.decryptCompact(withSegment(good, 4, Buffer.concat([fullTag, Buffer.from([0])])), cek, o),
      ),
    );
    // A256CBC-HS512 needs 32 bytes: a correct 16-byte prefix is not enough.
    const cek512 = randomBytes(64);
    const g512 = await E.encryptCompact('x', cek512, { alg: 'dir', enc: 'A256CBC-HS512' });
    errors.push(
      await assertOpaque(() =>
        E.decryptCompact(
          withSegment(g512, 4, segment(g512, 4).subarray(0, 16)),
          cek512,
          opts('dir', 'A256CBC-HS512'),
        ),
      ),
    );
    assert.equal(new Set(errors.map((e) => `${e.code}|${e.message}`)).size, 1);
  });

  test(`${E.name} E4 d: a large AAD (64-bit AL) round-trips through flattened CBC-HMAC`, async () => {
    const cek = randomBytes(64);
    const aad = randomBytes(40_000);
    const flat = await E.encryptFlattened('x', cek, { alg: 'dir', enc: 'A256CBC-HS512', aad });
    const r = await E.decryptFlattened(
      flat,
      cek,
      opts('dir', 'A256CBC-HS512', { maxTokenLength: 100_000 }),
    );
    assert.deepEqual(Buffer.from(r.additionalAuthenticatedData!), aad);
    await assertOpaque(() =>
      E.decryptFlattened(
        { ...flat, aad: b64(aad.subarray(1)) },
        cek,
        opts('dir', 'A256CBC-HS512', { maxTokenLength: 100_000 }),
      ),
    );
    // AL for an AAD of 2^29 bytes (2^32 bits) needs the upper 32 bits: no 32-bit wrap to 0.
    assert.deepEqual([...uint64be(2 ** 29 * 8)], [0, 0, 0, 1, 0, 0, 0, 0]);
    assert.deepEqual([...uint64be(2 ** 40 * 8)], [0, 0, 8, 0, 0, 0, 0, 0]);
  });

  // ---------------------------------------------------------------- E5

  test(`${E.name} E5: AES-GCM tags of 1, 4, 8, 12 bytes, and 1-byte tag brute force, are refused; IVs must be 96 bits`, async () => {
    const cek = randomBytes(32);
    const o = opts('dir', 'A256GCM');
    const good = await E.encryptCompact('top secret', cek, { alg: 'dir', enc: 'A256GCM' });
    const tag = segment(good, 4);
    const ct = segment(good, 3);
    ct[0] = ct[0]! ^ 1;
    const flipped = withSegment(good, 3, ct);
    for (const n of [0, 1, 4, 8, 12, 15])
      await assertOpaque(() => E.decryptCompact(withSegment(good, 4, tag.subarray(0, n)), cek, o));
    await assertOpaque(() =>
      E.decryptCompact(withSegment(good, 4, Buffer.concat([tag, Buffer.from([1])])), cek, o),
    );
    for (let guess = 0; guess < 256; guess++)
      await assertOpaque(() =>
        E.decryptCompact(withSegment(flipped, 4, Buffer.from([guess])), cek, o),
      );
    for (const n of [8, 11, 13, 16])
      await assertOpaque(() => E.decryptCompact(withSegment(good, 2, randomBytes(n)), cek, o));
  });

  test(`${E.name} E5: the A*GCMKW "tag" and "iv" header values must be exactly 16 and 12 bytes`, async () => {
    const kek = randomBytes(16);
    const o = opts('A128GCMKW', 'A128GCM');
    const jwe = await E.encryptCompact('x', kek, { alg: 'A128GCMKW', enc: 'A128GCM' });
    const h = JSON.parse(segment(jwe, 0).toString());
    const tag = Buffer.from(h.tag, 'base64url');
    const iv = Buffer.from(h.iv, 'base64url');
    for (const n of [1, 4, 8, 12])
      await assertOpaque(() =>
        E.decryptCompact(
          withHeader(jwe, (x) => (x.tag = b64(tag.subarray(0, n)))),
          kek,
          o,
        ),
      );
    for (const n of [8, 16])
      await assertOpaque(() =>
        E.decryptCompact(
          withHeader(jwe, (x) => (x.iv = b64(randomBytes(n)))),
          kek,
          o,
        ),
      );
    void iv;
  });

  // ---------------------------------------------------------------- one failure for all causes

  test(`${E.name} no oracle: wrong keys, tampering and bad key-management input all give the same code and message`, async () => {
    const { rsa, ec } = jwkPairs();
    const cases: [string, () => Promise<unknown>][] = [];
    const add = (label: string, fn: () => Promise<unknown>) => cases.push([label, fn]);
    const kek = randomBytes(16);
    const kw = await E.encryptCompact('x', kek, { alg: 'A128KW', enc: 'A128GCM' });
    add('AES-KW wrong key', () => E.decryptCompact(kw, randomBytes(16), opts('A128KW', 'A128GCM')));
    add('AES-KW corrupted encrypted key', () =>
      E.decryptCompact(withSegment(kw, 1, randomBytes(24)), kek, opts('A128KW', 'A128GCM')),
    );
    add('AES-KW short encrypted key', () =>
      E.decryptCompact(withSegment(kw, 1, randomBytes(8)), kek, opts('A128KW', 'A128GCM')),
    );
    const gcmkw = await E.encryptCompact('x', kek, { alg: 'A128GCMKW', enc: 'A128GCM' });
    add('GCMKW wrong key', () =>
      E.decryptCompact(gcmkw, randomBytes(16), opts('A128GCMKW', 'A128GCM')),
    );
    const oaep = await E.encryptCompact('x', rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
    });
    add('RSA-OAEP garbage encrypted key', () =>
      E.decryptCompact(
        withSegment(oaep, 1, randomBytes(256)),
        rsa.privateKey,
        opts('RSA-OAEP-256', 'A256GCM'),
      ),
    );
    add('RSA-OAEP empty encrypted key', () =>
      E.decryptCompact(withSegment(oaep, 1, ''), rsa.privateKey, opts('RSA-OAEP-256', 'A256GCM')),
    );
    const other = jwkPairs().ec['P-256'];
    const ecdh = await E.encryptCompact('x', ec['P-256'].publicKey, {
      alg: 'ECDH-ES',
      enc: 'A256GCM',
    });
    add('ECDH-ES tampered apu', () =>
      E.decryptCompact(
        withHeader(ecdh, (h) => (h.apu = 'QUJD')),
        other.privateKey,
        opts('ECDH-ES', 'A256GCM'),
      ),
    );
    add('ECDH-ES malformed apv', () =>
      E.decryptCompact(
        withHeader(ecdh, (h) => (h.apv = 'a+b')),
        other.privateKey,
        opts('ECDH-ES', 'A256GCM'),
      ),
    );
    add('ciphertext tampered', () =>
      E.decryptCompact(withSegment(kw, 3, Buffer.from('y')), kek, opts('A128KW', 'A128GCM')),
    );
    add('header tampered (AAD)', () =>
      E.decryptCompact(
        withHeader(kw, (h) => (h.typ = 'JWT')),
        kek,
        opts('A128KW', 'A128GCM'),
      ),
    );
    const seen = new Set<string>();
    for (const [label, fn] of cases) {
      const e = await assertOpaque(fn, label);
      seen.add(`${e.code}|${e.message}`);
    }
    assert.equal(seen.size, 1);
  });
}
