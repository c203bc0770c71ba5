/**
 * JWE standards vectors: RFC 7516 Appendix A, RFC 7520 §5 and §6 (compact, flattened and general
 * outputs), RFC 7517 Appendix C (PBES2), RFC 8037 A.6/A.7 (X25519/X448) and the cookbook's
 * X25519 JWE. Data in ../vectors/jwe (provenance in its README).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { utf8 } from '../base/bytes.js';
import { decryptCompact, encryptCompact, encryptCompactWith } from './compact.js';
import { encryptFlattenedWith } from './json.js';
import { sharedSecret } from './ecdh.js';
import { readVector } from '../test-support/vectors.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES } from '../test-support/entries.js';
import type { DecryptOptions } from './header.js';
import type { Jwk } from '../keys/jwk.js';
import type { JweContentEncryptionAlg, JweKeyManagementAlg } from '../base/algorithms.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const publicJwk = (jwk: Record<string, unknown>) =>
  createPublicKey(createPrivateKey({ key: jwk as never, format: 'jwk' })).export({
    format: 'jwk',
  }) as Jwk;
const opts = (alg: string | string[], enc: string): DecryptOptions => ({
  keyManagementAlgorithms: (Array.isArray(alg) ? alg : [alg]) as JweKeyManagementAlg[],
  contentEncryptionAlgorithms: [enc as JweContentEncryptionAlg],
});

const rfcExamples = (rfc: number): Map<string, any> =>
  new Map(
    readVector<{ examples: any[] }>(`jwe/rfc-appendix/rfc${rfc}.json`).examples.map((e) => [
      e.section,
      e,
    ]),
  );
const ex = (section: string) => rfcExamples(7516).get(section);

test('RFC 7516 A.2: RSA1_5 is refused everywhere (CVE-2023-46809)', () => {
  const e = ex('A.2');
  assertJoseError(
    () => decryptCompact(e.compact, e.jwk, opts('RSA1_5', 'A128CBC-HS256')),
    'ERR_OPTIONS_INVALID',
  );
  assertJoseError(
    () => decryptCompact(e.compact, e.jwk, opts(['RSA-OAEP', 'RSA-OAEP-256'], 'A128CBC-HS256')),
    'ERR_ALG_NOT_ALLOWED',
  );
  assertJoseError(
    () =>
      encryptCompact('x', createPublicKey(createPrivateKey({ key: e.jwk, format: 'jwk' })), {
        alg: 'RSA1_5' as never,
        enc: 'A128CBC-HS256',
      }),
    'ERR_ALG_UNSUPPORTED',
  );
});

test('RFC 7516 A.3: A128KW + A128CBC-HS256 decrypts, and encrypting with its CEK and IV reproduces it byte for byte', () => {
  const e = ex('A.3');
  const r = decryptCompact(e.compact, e.jwk, opts('A128KW', 'A128CBC-HS256'));
  assert.equal(text(r.plaintext), e.plaintext_utf8);
  const again = encryptCompactWith(
    e.plaintext_utf8,
    e.jwk,
    { alg: 'A128KW', enc: 'A128CBC-HS256' },
    {
      cek: decodeBase64url(e.cek_b64u),
      iv: decodeBase64url(e.iv_b64u),
    },
  );
  assert.equal(again, e.compact);
});

// RFC 7520 §5: every output of every example decrypts with the example's key.
const COOKBOOK = [
  '5_2.key_encryption_using_rsa-oaep_with_aes-gcm.json',
  '5_3.key_wrap_using_pbes2-aes-keywrap_with-aes-cbc-hmac-sha2.json',
  '5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json',
  '5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json',
  '5_6.direct_encryption_using_aes-gcm.json',
  '5_7.key_wrap_using_aes-gcm_keywrap_with_aes-cbc-hmac-sha2.json',
  '5_8.key_wrap_using_aes-keywrap_with_aes-gcm.json',
  '5_9.compressed_content.json',
  '5_10.including_additional_authentication_data.json',
  '5_11.protecting_specific_header_fields.json',
  '5_12.protecting_content_only.json',
];

for (const E of ENTRIES) {
  for (const file of COOKBOOK) {
    test(`${E.name} RFC 7520 §${file.split('.')[0]!.replace('_', '.')}: compact, flattened and general outputs decrypt`, async () => {
      const v = readVector(`jwe/rfc7520/${file}`);
      const key = v.input.pwd !== undefined ? utf8(v.input.pwd) : v.input.key;
      const o = opts(v.input.alg, v.input.enc);
      let outputs = 0;
      if (v.output.compact !== undefined) {
        const r = await E.decryptCompact(v.output.compact, key, o);
        assert.equal(text(r.plaintext), v.input.plaintext);
        outputs++;
      }
      const flat = await E.decryptFlattened(v.output.json_flat, key, o);
      assert.equal(text(flat.plaintext), v.input.plaintext);
      // For direct modes the cookbook prints the general form without "recipients" (nothing is
      // per recipient): that object is a flattened JWE, and decryptGeneral rightly refuses it.
      const general =
        v.output.json.recipients === undefined
          ? await E.decryptFlattened(v.output.json, key, o)
          : await E.decryptGeneral(v.output.json, key, o);
      assert.equal(text(general.plaintext), v.input.plaintext);
      if (v.input.aad !== undefined)
        assert.equal(text(general.additionalAuthenticatedData!), v.input.aad);
      assert.ok(outputs + 2 >= 2);
    });
  }
  test(`${E.name} RFC 7516 A.1: RSA-OAEP + A256GCM compact decrypts to the stated plaintext`, async () => {
    const e = ex('A.1');
    const r = await E.decryptCompact(e.compact, e.jwk, opts('RSA-OAEP', 'A256GCM'));
    assert.equal(text(r.plaintext), e.plaintext_utf8);
    assert.equal(r.protectedHeader.enc, 'A256GCM');
  });

  test(`${E.name} RFC 7516 A.4: general JSON, the A128KW recipient decrypts and the RSA1_5 one is skipped`, async () => {
    const e = ex('A.4');
    const keys = Object.values(e.keys) as any[];
    const aesKey = keys.find((k) => k.kty === 'oct');
    const rsaKey = keys.find((k) => k.kty === 'RSA');
    const r = await E.decryptGeneral(e.general_json, aesKey, opts('A128KW', 'A128CBC-HS256'));
    assert.equal(text(r.plaintext), e.plaintext_utf8);
    assert.equal(r.unprotectedHeader?.alg, 'A128KW');
    assert.deepEqual(r.sharedUnprotectedHeader, e.general_json.unprotected);
    // Only RSA1_5 would fit the RSA key: the token is refused, never decrypted with it.
    await assertJoseErrorAsync(
      () => E.decryptGeneral(e.general_json, rsaKey, opts('RSA-OAEP', 'A128CBC-HS256')),
      'ERR_ALG_NOT_ALLOWED',
    );
  });

  test(`${E.name} RFC 7516 A.5: flattened JSON (A128KW) decrypts`, async () => {
    const e = ex('A.5');
    const r = await E.decryptFlattened(e.flattened_json, e.jwk, opts('A128KW', 'A128CBC-HS256'));
    assert.equal(text(r.plaintext), e.plaintext_utf8);
  });

  test(`${E.name} RFC 7517 C: PBES2-HS256+A128KW decrypts when PBES2 is listed, and is refused when it is not`, async () => {
    const e = rfcExamples(7517).get('C');
    const password = utf8(e.password_utf8);
    const r = await E.decryptCompact(
      e.compact,
      password,
      opts('PBES2-HS256+A128KW', 'A128CBC-HS256'),
    );
    assert.equal(text(r.plaintext), e.plaintext_jwk_utf8);
    await assertJoseErrorAsync(
      () => E.decryptCompact(e.compact, password, opts('A128KW', 'A128CBC-HS256')),
      'ERR_JWE_PBES2_NOT_ALLOWED',
    );
    await assertJoseErrorAsync(
      () =>
        E.decryptCompact(e.compact, password, {
          ...opts('PBES2-HS256+A128KW', 'A128CBC-HS256'),
          maxPbes2Count: e.p2c - 1,
        }),
      'ERR_JWE_PBES2_NOT_ALLOWED',
    );
  });

  test(`${E.name} RFC 7520 §5.1: the RSA1_5 example is refused`, async () => {
    const v = readVector('jwe/rfc7520/5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json');
    await assertJoseErrorAsync(
      () => E.decryptCompact(v.output.compact, v.input.key, opts('RSA-OAEP', 'A128CBC-HS256')),
      'ERR_ALG_NOT_ALLOWED',
    );
    await assertJoseErrorAsync(
      () => E.decryptFlattened(v.output.json_flat, v.input.key, opts('RSA-OAEP', 'A128CBC-HS256')),
      'ERR_ALG_NOT_ALLOWED',
    );
  });

  test(`${E.name} RFC 7520 §5.13: multiple recipients; the ECDH-ES+A256KW and A256GCMKW recipients decrypt, RSA1_5 never`, async () => {
    const v = readVector('jwe/rfc7520/5_13.encrypting_to_multiple_recipients.json');
    const [rsa, ec, oct] = v.input.key;
    const all: DecryptOptions = {
      keyManagementAlgorithms: ['ECDH-ES+A256KW', 'A256GCMKW', 'RSA-OAEP'],
      contentEncryptionAlgorithms: ['A128CBC-HS256'],
    };
    const byEc = await E.decryptGeneral(v.output.json, ec, all);
    assert.equal(text(byEc.plaintext), v.input.plaintext);
    assert.equal(byEc.unprotectedHeader?.alg, 'ECDH-ES+A256KW');
    const byOct = await E.decryptGeneral(v.output.json, oct, all);
    assert.equal(text(byOct.plaintext), v.input.plaintext);
    assert.equal(byOct.unprotectedHeader?.alg, 'A256GCMKW');
    // A private JWKS with all three keys: the first usable recipient wins.
    const set = await E.decryptGeneral(v.output.json, { keys: [rsa, ec, oct] }, all);
    assert.equal(text(set.plaintext), v.input.plaintext);
    await assertJoseErrorAsync(
      () => E.decryptGeneral(v.output.json, rsa, all),
      ['ERR_KEY_INVALID', 'ERR_KEY_NOT_FOUND', 'ERR_ALG_NOT_ALLOWED'],
    );
  });

  test(`${E.name} cookbook X25519 ECDH-ES + A128GCM: all three outputs decrypt`, async () => {
    const v = readVector('jwe/rfc7520/curve25519/ecdh-es.json');
    const o = opts(v.input.alg, v.input.enc);
    assert.equal(
      text((await E.decryptCompact(v.output.compact, v.input.key, o)).plaintext),
      v.input.plaintext,
    );
    assert.equal(
      text((await E.decryptFlattened(v.output.json_flat, v.input.key, o)).plaintext),
      v.input.plaintext,
    );
    assert.equal(
      text((await E.decryptFlattened(v.output.json, v.input.key, o)).plaintext),
      v.input.plaintext,
    );
    await assertJoseErrorAsync(
      () => E.decryptGeneral(v.output.json, v.input.key, o),
      'ERR_JWE_MALFORMED',
    );
  });
}

test('RFC 7520 §5.6, §5.8, §5.9: encrypting again with the stated CEK and IV reproduces the compact output', () => {
  for (const file of [
    '5_6.direct_encryption_using_aes-gcm.json',
    '5_8.key_wrap_using_aes-keywrap_with_aes-gcm.json',
  ]) {
    const v = readVector(`jwe/rfc7520/${file}`);
    const header = JSON.parse(
      Buffer.from(v.encrypting_content.protected_b64u, 'base64url').toString(),
    );
    const out = encryptCompactWith(
      v.input.plaintext,
      v.input.key,
      { alg: v.input.alg, enc: v.input.enc, header },
      {
        ...(v.generated.cek !== undefined ? { cek: decodeBase64url(v.generated.cek) } : {}),
        iv: decodeBase64url(v.generated.iv),
      },
    );
    assert.equal(out, v.output.compact, file);
  }
  const v = readVector('jwe/rfc7520/5_9.compressed_content.json');
  const out = encryptCompactWith(
    v.input.plaintext,
    v.input.key,
    {
      alg: v.input.alg,
      enc: v.input.enc,
      zip: 'DEF',
      header: { alg: v.input.alg, kid: v.input.key.kid, enc: v.input.enc },
    },
    { cek: decodeBase64url(v.generated.cek), iv: decodeBase64url(v.generated.iv) },
  );
  // DEFLATE output depends on the compressor; the round trip and the header must match.
  assert.equal(out.split('.')[0], v.output.compact.split('.')[0]);
  assert.equal(
    text(decryptCompact(out, v.input.key, opts(v.input.alg, v.input.enc)).plaintext),
    v.input.plaintext,
  );
});

test('RFC 7520 §5.10: flattened with AAD is reproduced byte for byte', () => {
  const v = readVector('jwe/rfc7520/5_10.including_additional_authentication_data.json');
  const header = JSON.parse(
    Buffer.from(v.encrypting_content.protected_b64u, 'base64url').toString(),
  );
  const out = encryptFlattenedWith(
    v.input.plaintext,
    v.input.key,
    { alg: v.input.alg, enc: v.input.enc, header, aad: v.input.aad },
    {
      cek: decodeBase64url(v.generated.cek),
      iv: decodeBase64url(v.generated.iv),
    },
  );
  assert.deepEqual(out, v.output.json_flat);
});

for (const section of ['A.6', 'A.7']) {
  test(`RFC 8037 ${section}: ${section === 'A.6' ? 'X25519' : 'X448'} shared secret, and a JWE with the example's keys round-trips`, () => {
    const e = rfcExamples(8037).get(section);
    const crv = e.recipient_public_jwk.crv;
    const b = (hex: string) => encodeBase64url(Buffer.from(hex, 'hex'));
    const recipient = createPrivateKey({
      key: { kty: 'OKP', crv, d: b(e.recipient_private_hex), x: b(e.recipient_public_hex) },
      format: 'jwk',
    });
    const ephemeralPrivate = createPrivateKey({
      key: { kty: 'OKP', crv, d: b(e.ephemeral_private_hex), x: b(e.ephemeral_public_hex) },
      format: 'jwk',
    });
    const ephemeral = {
      privateKey: ephemeralPrivate,
      publicKey: createPublicKey(ephemeralPrivate),
    };
    assert.equal(
      Buffer.from(sharedSecret(recipient, ephemeral.publicKey)).toString('hex'),
      e.shared_secret_z_hex,
    );
    assert.equal(
      Buffer.from(sharedSecret(ephemeralPrivate, createPublicKey(recipient))).toString('hex'),
      e.shared_secret_z_hex,
    );
    const jwe = encryptCompactWith(
      'Gondor calls for aid',
      e.recipient_public_jwk,
      { alg: 'ECDH-ES', enc: 'A128GCM' },
      { ephemeral },
    );
    const header = JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString());
    assert.deepEqual(header.epk, e.ephemeral_public_jwk);
    assert.equal(
      text(decryptCompact(jwe, recipient, opts('ECDH-ES', 'A128GCM')).plaintext),
      'Gondor calls for aid',
    );
  });
}

for (const E of ENTRIES) {
  test(`${E.name} RFC 7520 §6: nested JWT (PS256 inside RSA-OAEP + A128GCM) decrypts and the inner JWS verifies`, async () => {
    const v = readVector('jwe/rfc7520/6.nesting_signatures_and_encryption.json');
    const signKey = v.sign.input.key;
    const encKey = v.encrypt.input.key;
    const currentDate = new Date((1300819380 - 60) * 1000);
    const o = { ...opts('RSA-OAEP', 'A128GCM') };
    const r = await E.decryptJwt(v.encrypt.output.compact, encKey, {
      ...o,

      nested: {
        key: {
          ...signKey,
          d: undefined,
          p: undefined,
          q: undefined,
          dp: undefined,
          dq: undefined,
          qi: undefined,
        },
        algorithms: ['PS256'],
        currentDate,
        issuer: 'hobbiton.example',
      },
    });
    assert.equal(r.authenticated, true);
    assert.equal(r.payload.iss, 'hobbiton.example');
    assert.equal(r.nested?.protectedHeader.alg, 'PS256');
    for (const out of [
      await E.decryptFlattened(v.encrypt.output.json_flat, encKey, o),
      await E.decryptGeneral(v.encrypt.output.json, encKey, o),
    ]) {
      assert.equal(text(out.plaintext), v.sign.output.compact);
      await E.verifyJwt(text(out.plaintext), publicJwk(signKey), {
        algorithms: ['PS256'],
        currentDate,
      });
    }
    // Without nested options the same token is refused (docs/security.md#nested).
    await assertJoseErrorAsync(
      () => E.decryptJwt(v.encrypt.output.compact, encKey, o),
      'ERR_JWT_NESTED',
    );
  });

  test(`${E.name} RFC 7519 A.1/A.2: the RSA1_5 encrypted and nested JWTs are refused`, async () => {
    const ex7519 = rfcExamples(7519);
    for (const s of ['A.1', 'A.2']) {
      const e = ex7519.get(s);
      const jwk = e.jwk ?? e.encryption_jwk;
      await assertJoseErrorAsync(
        () => E.decryptJwt(e.jwt, jwk, opts('RSA-OAEP', 'A128CBC-HS256')),
        'ERR_ALG_NOT_ALLOWED',
      );
    }
  });
}
