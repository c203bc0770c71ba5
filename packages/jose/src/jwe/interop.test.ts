/**
 * Interoperability with the `jose` package (panva, v6) in both directions, for every alg × enc
 * pair it supports (all of ours except X448, which jose does not implement), and for the JSON
 * serializations, `zip`, `aad`, encrypted and nested JWTs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Jwk } from '../keys/jwk.js';
import * as jose from 'jose';
import {
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  type JweContentEncryptionAlg,
  type JweKeyManagementAlg,
} from '../base/algorithms.js';
import type { DecryptOptions } from './header.js';
import { jwkPairs } from '../test-support/jwe-fixtures.js';
import { ENTRIES } from '../test-support/entries.js';

const ALGS = Object.keys(JWE_KEY_MANAGEMENT_ALGORITHMS) as JweKeyManagementAlg[];
const ENCS = Object.keys(JWE_CONTENT_ENCRYPTION_ALGORITHMS) as JweContentEncryptionAlg[];
const ALL: DecryptOptions = { keyManagementAlgorithms: ALGS, contentEncryptionAlgorithms: ENCS };
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

type Pair = { enc: Jwk | Uint8Array; dec: Jwk | Uint8Array; label: string };

function keysFor(alg: JweKeyManagementAlg, enc: JweContentEncryptionAlg, i: number): Pair {
  const row = JWE_KEY_MANAGEMENT_ALGORITHMS[alg];
  const { rsa, ec, okp } = jwkPairs();
  if (row.family === 'dir') {
    const k = randomBytes(JWE_CONTENT_ENCRYPTION_ALGORITHMS[enc].cekBytes);
    return { enc: k, dec: k, label: '' };
  }
  if (row.family === 'aes-kw' || row.family === 'aes-gcm-kw') {
    const k = randomBytes(row.kekBytes);
    return { enc: k, dec: k, label: '' };
  }
  if (row.family === 'pbes2')
    return { enc: utf8('interop password'), dec: utf8('interop password'), label: '' };
  if (row.family === 'rsa-oaep') return { enc: rsa.publicKey, dec: rsa.privateKey, label: '' };
  // jose has no X448: rotate over the four curves it supports.
  const curves = ['P-256', 'P-384', 'P-521', 'X25519'] as const;
  const crv = curves[i % curves.length]!;
  const p = crv === 'X25519' ? okp.X25519 : ec[crv];
  return { enc: p.publicKey, dec: p.privateKey, label: crv };
}

for (const E of ENTRIES) {
  test(`${E.name} compact: every alg × enc pair, Tessera → jose and jose → Tessera`, async () => {
    let i = 0;
    let pairs = 0;
    for (const alg of ALGS) {
      for (const enc of ENCS) {
        const k = keysFor(alg, enc, i++);
        const label = `${alg} ${enc} ${k.label}`;
        const pt = `interop ${label}`;
        const ours = await E.encryptCompact(pt, k.enc, { alg, enc, kid: 'k1', p2c: 100 });
        const theirs = await jose.compactDecrypt(ours, k.dec, {
          keyManagementAlgorithms: [alg],
          contentEncryptionAlgorithms: [enc],
        });
        assert.equal(text(theirs.plaintext), pt, label);
        assert.equal(theirs.protectedHeader.kid, 'k1');
        const fromJose = await new jose.CompactEncrypt(utf8(pt))
          .setProtectedHeader({ alg, enc, kid: 'k2' })
          .setKeyManagementParameters({ p2c: 100 })
          .encrypt(k.enc);
        const back = await E.decryptCompact(fromJose, k.dec, {
          keyManagementAlgorithms: [alg],
          contentEncryptionAlgorithms: [enc],
        });
        assert.equal(text(back.plaintext), pt, label);
        assert.equal(back.protectedHeader.kid, 'k2');
        pairs++;
      }
    }
    assert.equal(pairs, 108);
  });

  test(`${E.name} ECDH-ES with apu/apv, both directions`, async () => {
    const { ec } = jwkPairs();
    const apu = utf8('Alice');
    const apv = utf8('Bob');
    for (const alg of ['ECDH-ES', 'ECDH-ES+A256KW'] as const) {
      const ours = await E.encryptCompact('x', ec['P-256'].publicKey, {
        alg,
        enc: 'A256GCM',
        apu,
        apv,
      });
      assert.equal(text((await jose.compactDecrypt(ours, ec['P-256'].privateKey)).plaintext), 'x');
      const theirs = await new jose.CompactEncrypt(utf8('y'))
        .setProtectedHeader({ alg, enc: 'A256GCM' })
        .setKeyManagementParameters({ apu, apv })
        .encrypt(ec['P-256'].publicKey);
      assert.equal(
        text((await E.decryptCompact(theirs, ec['P-256'].privateKey, ALL)).plaintext),
        'y',
      );
    }
  });

  test(`${E.name} zip DEF, both directions`, async () => {
    const key = randomBytes(32);
    const pt = 'compress me '.repeat(200);
    const ours = await E.encryptCompact(pt, key, { alg: 'dir', enc: 'A256GCM', zip: 'DEF' });
    assert.equal(text((await jose.compactDecrypt(ours, key)).plaintext), pt);
    const theirs = await new jose.CompactEncrypt(utf8(pt))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' })
      .encrypt(key);
    assert.equal(text((await E.decryptCompact(theirs, key, ALL)).plaintext), pt);
  });

  test(`${E.name} flattened with aad and unprotected headers, both directions`, async () => {
    const { rsa } = jwkPairs();
    const aad = utf8('additional data');
    const ours = await E.encryptFlattened('flat', rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A128CBC-HS256',
      aad,
      sharedUnprotectedHeader: { 'x-shared': 1 },
      unprotectedHeader: { 'x-mine': 2 },
    });
    assert.deepEqual([ours.unprotected, ours.header], [{ 'x-shared': 1 }, { 'x-mine': 2 }]);
    const t = await jose.flattenedDecrypt(ours as jose.FlattenedJWE, rsa.privateKey);
    assert.equal(text(t.plaintext), 'flat');
    assert.deepEqual(
      [t.sharedUnprotectedHeader, t.unprotectedHeader],
      [{ 'x-shared': 1 }, { 'x-mine': 2 }],
    );
    assert.equal(text(t.additionalAuthenticatedData!), 'additional data');
    const theirs = await new jose.FlattenedEncrypt(utf8('flat2'))
      .setProtectedHeader({ enc: 'A128CBC-HS256' })
      .setSharedUnprotectedHeader({ alg: 'RSA-OAEP-256' })
      .setUnprotectedHeader({ kid: 'k' })
      .setAdditionalAuthenticatedData(aad)
      .encrypt(rsa.publicKey);
    const r = await E.decryptFlattened(theirs as never, rsa.privateKey, ALL);
    assert.equal(text(r.plaintext), 'flat2');
    assert.equal(r.sharedUnprotectedHeader?.alg, 'RSA-OAEP-256');
    assert.equal(r.unprotectedHeader?.kid, 'k');
  });

  test(`${E.name} general JSON with several recipients, both directions`, async () => {
    const { rsa, ec, okp } = jwkPairs();
    const kek = randomBytes(24);
    const ours = await E.encryptGeneral(
      'many',
      [
        { key: rsa.publicKey, alg: 'RSA-OAEP-512' },
        { key: okp.X25519.publicKey, alg: 'ECDH-ES+A128KW' },
        { key: kek, alg: 'A192GCMKW' },
      ],
      { enc: 'A256CBC-HS512', aad: 'ctx' },
    );
    for (const key of [rsa.privateKey, okp.X25519.privateKey, kek]) {
      assert.equal(
        text((await jose.generalDecrypt(ours as jose.GeneralJWE, key)).plaintext),
        'many',
      );
    }
    const g = new jose.GeneralEncrypt(utf8('many2')).setProtectedHeader({ enc: 'A128GCM' });
    g.addRecipient(ec['P-384'].publicKey).setUnprotectedHeader({ alg: 'ECDH-ES+A192KW' });
    g.addRecipient(kek).setUnprotectedHeader({ alg: 'A192KW' });
    const theirs = await g.encrypt();
    for (const key of [ec['P-384'].privateKey, kek]) {
      assert.equal(text((await E.decryptGeneral(theirs as never, key, ALL)).plaintext), 'many2');
    }
  });

  test(`${E.name} encrypted JWT and nested JWT, both directions`, async () => {
    const { rsa, ec } = jwkPairs();
    const now = new Date();
    const ours = await E.encryptJwt({ a: 1 }, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      issuer: 'iss',
      audience: 'aud',
      expiresIn: '5m',
    });
    const t = await jose.jwtDecrypt(ours, rsa.privateKey, { issuer: 'iss', audience: 'aud' });
    assert.equal(t.payload['a'], 1);
    const theirs = await new jose.EncryptJWT({ b: 2 })
      .setProtectedHeader({ alg: 'ECDH-ES+A128KW', enc: 'A128GCM' })
      .setIssuer('iss')
      .setIssuedAt()
      .setExpirationTime('5m')
      .encrypt(ec['P-256'].publicKey);
    const r = await E.decryptJwt(theirs, ec['P-256'].privateKey, { ...ALL, issuer: 'iss' });
    assert.equal(r.payload['b'], 2);
    assert.equal(r.authenticated, false);
    // Nested: our sign-then-encrypt read by jose, and jose's read by us.
    const inner = await E.signJwt({ scope: 'read' }, ec['P-521'].privateKey, {
      alg: 'ES512',
      expiresIn: '5m',
      currentDate: now,
    });
    const nested = await E.encryptNestedJwt(inner, rsa.publicKey, {
      alg: 'RSA-OAEP',
      enc: 'A128GCM',
    });
    const outer = await jose.compactDecrypt(nested, rsa.privateKey);
    assert.equal(outer.protectedHeader.cty, 'JWT');
    const innerVerified = await jose.jwtVerify(text(outer.plaintext), ec['P-521'].publicKey);
    assert.equal(innerVerified.payload['scope'], 'read');
    const joseInner = await new jose.SignJWT({ scope: 'write' })
      .setProtectedHeader({ alg: 'ES512' })
      .setExpirationTime('5m')
      .sign(ec['P-521'].privateKey);
    const joseNested = await new jose.CompactEncrypt(utf8(joseInner))
      .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128GCM', cty: 'JWT' })
      .encrypt(rsa.publicKey);
    const mine = await E.decryptJwt(joseNested, rsa.privateKey, {
      ...ALL,
      nested: { key: ec['P-521'].publicKey, algorithms: ['ES512'] },
    });
    assert.equal(mine.payload['scope'], 'write');
    assert.equal(mine.authenticated, true);
  });
}
