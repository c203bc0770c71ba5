/**
 * Every signed-token and key example of RFC 7515, 7517, 7519, 7520 §3–4, 7638, 8037 and 7797
 * (data in ../vectors, provenance in ../vectors/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readdirSync } from 'node:fs';
import { X509Certificate, createPublicKey } from 'node:crypto';
import {
  calculateJwkThumbprint,
  calculateJwkThumbprintUri,
  createLocalKeySet,
  decodeProtectedHeader,
  decodeUnsecuredJwt,
  exportJwk,
  importJwk,
  signCompact,
  signFlattened,
  verifyCompact,
  verifyFlattened,
  verifyGeneral,
  verifyJwt,
  type Jwk,
  type JwsAlg,
} from './index.js';
import { assertJoseError, assertJoseErrorAsync } from './test-support/assert-jose.js';
import { ENTRIES } from './test-support/entries.js';
import { readVector, rfcExamples } from './test-support/vectors.js';

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
// The RFC 7515/7519 claims expire in 2011 (exp 1300819380): check them at a fixed time before that.
const IN_2011 = new Date(1300819380 * 1000 - 60_000);
const publicOf = (jwk: Jwk): Jwk => exportJwk(createPublicKey(importJwk(jwk)));

const r7515 = rfcExamples(7515);
const ex = (m: Map<string, any>, s: string) => {
  const e = m.get(s);
  assert.ok(e, `example ${s} missing`);
  return e;
};

test('RFC 7515 A.1 HS256: verifies, payload and header as printed', () => {
  const e = ex(r7515, 'A.1');
  const r = verifyCompact(e.compact, e.jwk, { algorithms: ['HS256'] });
  assert.equal(utf8(r.payload), e.payload_utf8);
  assert.deepEqual(r.protectedHeader, JSON.parse(e.protected_header_utf8));
  assert.deepEqual(decodeProtectedHeader(e.compact), { typ: 'JWT', alg: 'HS256' });
  // One flipped MAC bit fails.
  const sig = Buffer.from(e.signature_b64u, 'base64url');
  sig[0]! ^= 1;
  assertJoseError(
    () =>
      verifyCompact(`${e.signing_input}.${sig.toString('base64url')}`, e.jwk, {
        algorithms: ['HS256'],
      }),
    'ERR_SIGNATURE_INVALID',
  );
});

test('RFC 7515 A.2 RS256: verifies, and signing again reproduces the token byte for byte', () => {
  const e = ex(r7515, 'A.2');
  const r = verifyCompact(e.compact, publicOf(e.jwk), { algorithms: ['RS256'] });
  assert.equal(utf8(r.payload), e.payload_utf8);
  assert.equal(signCompact(e.payload_utf8, e.jwk, { alg: 'RS256' }), e.compact);
  assertJoseError(
    () => verifyCompact(e.compact, publicOf(e.jwk), { algorithms: ['PS256'] }),
    'ERR_ALG_NOT_ALLOWED',
  );
});

for (const [section, alg] of [
  ['A.3', 'ES256'],
  ['A.4', 'ES512'],
] as const) {
  test(`RFC 7515 ${section} ${alg}: verifies with the public and with the private JWK`, () => {
    const e = ex(r7515, section);
    for (const key of [e.jwk, publicOf(e.jwk)]) {
      const r = verifyCompact(e.compact, key, { algorithms: [alg] });
      assert.equal(utf8(r.payload), e.payload_utf8);
    }
    // ECDSA is randomised: a fresh signature differs but verifies.
    const again = signCompact(e.payload_utf8, e.jwk, { alg });
    assert.notEqual(again, e.compact);
    assert.equal(
      utf8(verifyCompact(again, publicOf(e.jwk), { algorithms: [alg] }).payload),
      e.payload_utf8,
    );
  });
}

test('RFC 7515 A.5 unsecured JWS: refused by every verify API, readable only by decodeUnsecuredJwt', () => {
  const e = ex(r7515, 'A.5');
  const hs = ex(r7515, 'A.1').jwk;
  assertJoseError(
    () => verifyCompact(e.compact, hs, { algorithms: ['HS256'] }),
    'ERR_ALG_NOT_ALLOWED',
  );
  assertJoseError(() => verifyJwt(e.compact, hs, { algorithms: ['HS256'] }), 'ERR_ALG_NOT_ALLOWED');
  const { payload } = decodeUnsecuredJwt(e.compact, { currentDate: IN_2011 });
  assert.deepEqual(payload, JSON.parse(e.payload_utf8));
});

for (const E of ENTRIES) {
  test(`${E.name} RFC 7515 A.6 general JSON: each of the two signatures verifies with its own key`, async () => {
    const e = ex(r7515, 'A.6');
    const [rsa, ec] = e.jwks.keys as Jwk[];
    const a = await E.verifyGeneral(e.general_json, publicOf(rsa!), { algorithms: ['RS256'] });
    assert.equal(utf8(a.payload), e.payload_utf8);
    assert.deepEqual(a.unprotectedHeader, { kid: '2010-12-29' });
    const b = await E.verifyGeneral(e.general_json, publicOf(ec!), { algorithms: ['ES256'] });
    assert.equal(b.protectedHeader.alg, 'ES256');
    // Through a key set, selected by the kid of the unprotected header; keys without that kid never match.
    const set = E.createLocalKeySet({
      keys: [
        { ...publicOf(rsa!), kid: '2010-12-29' },
        { ...publicOf(ec!), kid: 'e9bc097a-ce51-4036-9562-d2ade882db0d' },
      ],
    });
    const alg = async (algorithms: JwsAlg[]) =>
      (await E.verifyGeneral(e.general_json, set, { algorithms })).protectedHeader.alg;
    assert.equal(await alg(['ES256']), 'ES256');
    assert.equal(await alg(['ES256', 'RS256']), 'RS256');
    const noKids = E.createLocalKeySet({ keys: [publicOf(rsa!), publicOf(ec!)] });
    await assertJoseErrorAsync(
      () => E.verifyGeneral(e.general_json, noKids, { algorithms: ['RS256'] }),
      'ERR_KEY_NOT_FOUND',
    );
    await assertJoseErrorAsync(
      () => E.verifyGeneral(e.general_json, publicOf(ec!), { algorithms: ['RS256'] }),
      'ERR_KEY_INVALID',
    );
  });

  test(`${E.name} RFC 7515 A.7 flattened JSON: verifies; a changed payload does not`, async () => {
    const e = ex(r7515, 'A.7');
    const o = { algorithms: ['ES256'] } as const;
    const r = await E.verifyFlattened(e.flattened_json, publicOf(e.jwk), o);
    assert.equal(r.unprotectedHeader?.kid, 'e9bc097a-ce51-4036-9562-d2ade882db0d');
    assert.equal(utf8(r.payload), ex(r7515, 'A.1').payload_utf8);
    const tampered = {
      ...e.flattened_json,
      payload: Buffer.from('{"iss":"eve"}').toString('base64url'),
    };
    await assertJoseErrorAsync(
      () => E.verifyFlattened(tampered, publicOf(e.jwk), o),
      'ERR_SIGNATURE_INVALID',
    );
  });
}

const r7517 = rfcExamples(7517);

test('RFC 7517 A.1 public keys: import, export back to the same members, usable by a key set', () => {
  const e = ex(r7517, 'A.1');
  for (const jwk of e.jwks.keys as Jwk[]) {
    const key = importJwk(jwk);
    assert.equal(key.type, 'public');
    const out = exportJwk(key);
    for (const m of ['kty', 'crv', 'x', 'y', 'n', 'e'] as const) assert.equal(out[m], jwk[m], m);
  }
  // The RSA key says alg RS256; it is 2048 bits, so it passes the RS256 check.
  const rsa = (e.jwks.keys as Jwk[]).find((k) => k.kty === 'RSA')!;
  assert.equal(importJwk(rsa, 'RS256').asymmetricKeyDetails?.modulusLength, 2048);
  // The EC key says use: enc, so it may not verify signatures.
  const ec = (e.jwks.keys as Jwk[]).find((k) => k.kty === 'EC')!;
  assertJoseError(() => importJwk(ec, 'ES256'), 'ERR_KEY_INVALID');
  assert.ok(createLocalKeySet(e.jwks));
});

test('RFC 7517 A.2 private keys: import, and each private key matches its public members', () => {
  const e = ex(r7517, 'A.2');
  const pub = ex(r7517, 'A.1').jwks.keys as Jwk[];
  (e.jwks.keys as Jwk[]).forEach((jwk, i) => {
    const key = importJwk(jwk);
    assert.equal(key.type, 'private');
    const p = exportJwk(createPublicKey(key));
    for (const m of ['x', 'y', 'n', 'e'] as const) assert.equal(p[m], pub[i]![m], m);
    const back = exportJwk(key);
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) assert.equal(back[m], jwk[m], m);
  });
  // A private JWK whose public members belong to another key is refused (node:crypto alone takes it).
  const [ec, rsa] = e.jwks.keys as Jwk[];
  const other = exportJwk(createPublicKey(importJwk(ex(r7515, 'A.3').jwk)));
  assertJoseError(() => importJwk({ ...ec!, x: other.x, y: other.y }), 'ERR_JWK_INVALID');
  const otherRsa = ex(r7515, 'A.2').jwk as Jwk;
  assertJoseError(() => importJwk({ ...rsa!, n: otherRsa.n }), 'ERR_JWK_INVALID');
});

test('RFC 7517 A.3 symmetric keys: the A128KW key and the HMAC key of RFC 7515 A.1', () => {
  const e = ex(r7517, 'A.3');
  const [kw, mac] = e.jwks.keys as Jwk[];
  assert.equal(importJwk(kw!).symmetricKeySize, 16);
  assertJoseError(() => importJwk(kw!, 'HS256'), 'ERR_KEY_INVALID'); // its alg says A128KW
  assert.equal(mac!.kid, 'HMAC key used in JWS spec Appendix A.1 example');
  const key = importJwk(mac!, 'HS256');
  assert.equal(key.symmetricKeySize, 64);
  assert.ok(verifyCompact(ex(r7515, 'A.1').compact, key, { algorithms: ['HS256'] }));
  assert.deepEqual(exportJwk(key), { kty: 'oct', k: mac!.k });
  // A JWKS never yields an `oct` key (docs/security.md#key-confusion), even when the token names its kid.
  const set = createLocalKeySet(e.jwks);
  assertJoseError(
    () => verifyCompact(ex(r7515, 'A.1').compact, set, { algorithms: ['HS256'] }),
    'ERR_KEY_NOT_FOUND',
  );
});

test('RFC 7517 B: the x5c certificate holds the same RSA key as n/e', () => {
  const e = ex(r7517, 'B');
  const key = importJwk(e.jwk, 'RS256');
  const cert = new X509Certificate(Buffer.from(e.jwk.x5c[0], 'base64'));
  assert.deepEqual(exportJwk(cert.publicKey), exportJwk(key));
  assert.equal(calculateJwkThumbprint(e.jwk), calculateJwkThumbprint(cert.publicKey));
});

test('RFC 7517 C.1: the plaintext private JWK of the PBES2 example imports', () => {
  const e = ex(r7517, 'C');
  const jwk = JSON.parse(e.plaintext_jwk_utf8) as Jwk;
  const key = importJwk(jwk);
  assert.equal(key.type, 'private');
  assert.equal(exportJwk(createPublicKey(key)).n, jwk.n);
  // Its use is "enc": refused for signatures.
  assertJoseError(() => importJwk(jwk, 'RS256'), 'ERR_KEY_INVALID');
});

const r7519 = rfcExamples(7519);

test('RFC 7519 3.1 example JWT: verifies at a time before its exp, and is expired now', () => {
  const e = ex(r7519, '3.1');
  const { payload, protectedHeader } = verifyJwt(e.jwt, e.jwk, {
    algorithms: ['HS256'],
    currentDate: IN_2011,
    typ: 'JWT',
    issuer: 'joe',
  });
  assert.deepEqual(payload, JSON.parse(e.claims_utf8));
  assert.equal(payload['http://example.com/is_root'], true);
  assert.equal(protectedHeader.typ, 'JWT');
  assertJoseError(() => verifyJwt(e.jwt, e.jwk, { algorithms: ['HS256'] }), 'ERR_JWT_EXPIRED');
});

test('RFC 7519 6.1 unsecured JWT: decodeUnsecuredJwt only', () => {
  const e = ex(r7519, '6.1');
  assert.deepEqual(
    decodeUnsecuredJwt(e.jwt, { currentDate: IN_2011 }).payload,
    JSON.parse(e.claims_utf8),
  );
  assertJoseError(() => decodeUnsecuredJwt(e.jwt), 'ERR_JWT_EXPIRED');
  assertJoseError(
    () => verifyJwt(e.jwt, ex(r7519, '3.1').jwk, { algorithms: ['HS256'] }),
    'ERR_ALG_NOT_ALLOWED',
  );
});

test('RFC 7519 A.2 nested JWT: the inner RS256 JWS verifies; the JWE outer token is not a JWS (D3 c)', () => {
  const e = ex(r7519, 'A.2');
  const pub = publicOf(e.signing_jwk);
  const { payload } = verifyJwt(e.inner_jws, pub, { algorithms: ['RS256'], currentDate: IN_2011 });
  assert.deepEqual(payload, JSON.parse(e.claims_utf8));
  assertJoseError(() => verifyJwt(e.jwt, pub, { algorithms: ['RS256'] }), 'ERR_JWS_MALFORMED');
  assertJoseError(
    () => verifyJwt(ex(r7519, 'A.1').jwt, pub, { algorithms: ['RS256'] }),
    'ERR_JWS_MALFORMED',
  );
  assert.equal(decodeProtectedHeader(e.jwt).cty, 'JWT');
});

test('RFC 7638 3.1 thumbprint: from the JWK and from the KeyObject; RFC 9278 URI', () => {
  const e = ex(rfcExamples(7638), '3.1');
  assert.equal(calculateJwkThumbprint(e.jwk), e.thumbprint_sha256_b64u);
  assert.equal(calculateJwkThumbprint(importJwk(e.jwk)), e.thumbprint_sha256_b64u);
  assert.equal(Buffer.from(e.thumbprint_sha256_b64u, 'base64url').toString('hex'), e.sha256_hex);
  assert.equal(
    calculateJwkThumbprintUri(e.jwk),
    `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${e.thumbprint_sha256_b64u}`,
  );
  assert.notEqual(calculateJwkThumbprint(e.jwk, 'sha512'), e.thumbprint_sha256_b64u);
  assert.equal(calculateJwkThumbprint(e.jwk, 'sha512').length, 86);
});

const r8037 = rfcExamples(8037);

test('RFC 8037 A.1/A.2 Ed25519 keys: x derives from d; the public key imports', () => {
  const priv = ex(r8037, 'A.1');
  const key = importJwk(priv.jwk, 'EdDSA');
  assert.equal(key.type, 'private');
  assert.equal(
    Buffer.from(exportJwk(createPublicKey(key)).x!, 'base64url').toString('hex'),
    priv.x_hex,
  );
  const pub = importJwk(ex(r8037, 'A.2').jwk, 'Ed25519');
  assert.equal(pub.asymmetricKeyType, 'ed25519');
});

test('RFC 8037 A.3 OKP thumbprint', () => {
  const e = ex(r8037, 'A.3');
  assert.equal(calculateJwkThumbprint(e.jwk), e.thumbprint_sha256_b64u);
  assert.equal(calculateJwkThumbprint(importJwk(e.jwk)), e.thumbprint_sha256_b64u);
});

test('RFC 8037 A.4/A.5 Ed25519: signing reproduces the token; it verifies; a changed byte fails', () => {
  const e = ex(r8037, 'A.4');
  assert.equal(signCompact(e.payload_utf8, e.jwk, { alg: 'EdDSA' }), e.compact);
  const v = ex(r8037, 'A.5');
  const pub = ex(r8037, 'A.2').jwk;
  assert.equal(
    utf8(verifyCompact(v.compact, pub, { algorithms: ['EdDSA'] }).payload),
    v.payload_utf8,
  );
  const bad = `${v.compact.slice(0, -2)}${v.compact.endsWith('AA') ? 'BA' : 'AA'}`;
  assertJoseError(
    () => verifyCompact(bad, pub, { algorithms: ['EdDSA'] }),
    ['ERR_SIGNATURE_INVALID', 'ERR_BASE64URL_INVALID'],
  );
  // The fully-specified RFC 9864 name applies to a token whose header says Ed25519, not EdDSA.
  assertJoseError(
    () => verifyCompact(v.compact, pub, { algorithms: ['Ed25519'] }),
    'ERR_ALG_NOT_ALLOWED',
  );
});

test('RFC 8037 A.6/A.7 X25519 and X448 keys import (their ECDH belongs to JWE)', () => {
  for (const s of ['A.6', 'A.7']) {
    const e = ex(r8037, s);
    const key = importJwk(e.recipient_public_jwk);
    assert.equal(key.asymmetricKeyType, e.recipient_public_jwk.crv.toLowerCase());
    assert.equal(
      Buffer.from(exportJwk(key).x!, 'base64url').toString('hex'),
      e.recipient_public_hex,
    );
    assert.equal(
      Buffer.from(exportJwk(importJwk(e.ephemeral_public_jwk)).x!, 'base64url').toString('hex'),
      e.ephemeral_public_hex,
    );
    assertJoseError(() => importJwk(e.recipient_public_jwk, 'EdDSA'), 'ERR_KEY_INVALID');
  }
});

const r7797 = rfcExamples(7797);

test('RFC 7797 4.1 (b64 default) verifies', () => {
  const e = ex(r7797, '4.1');
  assert.equal(
    utf8(verifyCompact(e.compact, e.jwk, { algorithms: ['HS256'] }).payload),
    e.payload_utf8,
  );
});

test('RFC 7797 4.2 b64:false: detached compact and flattened JSON verify; signing reproduces them', () => {
  const e = ex(r7797, '4.2');
  const r = verifyCompact(e.compact_detached, e.jwk, {
    algorithms: ['HS256'],
    detachedPayload: e.payload_utf8,
  });
  assert.equal(utf8(r.payload), '$.02');
  assert.deepEqual(r.protectedHeader, JSON.parse(e.protected_header_utf8));
  assert.equal(
    utf8(verifyFlattened(e.flattened_json, e.jwk, { algorithms: ['HS256'] }).payload),
    '$.02',
  );
  assert.equal(
    signCompact(e.payload_utf8, e.jwk, { alg: 'HS256', b64: false, detached: true }),
    e.compact_detached,
  );
  assert.deepEqual(
    signFlattened(e.payload_utf8, e.jwk, { alg: 'HS256', b64: false }),
    e.flattened_json,
  );
  // A different detached payload fails; a JWT verifier does not understand b64 (RFC 7797 §7).
  assertJoseError(
    () =>
      verifyCompact(e.compact_detached, e.jwk, { algorithms: ['HS256'], detachedPayload: '$.03' }),
    'ERR_SIGNATURE_INVALID',
  );
  assertJoseError(
    () => verifyJwt(e.compact_detached, e.jwk, { algorithms: ['HS256'] }),
    'ERR_CRIT_UNSUPPORTED',
  );
});

test('cookbook rfc7797 extras: the crit-listed one verifies, the one without crit is refused (RFC 7797 §6)', () => {
  const good = readVector('rfc7520/rfc7797/hmac-sha2_b64_false.json');
  const key = good.input.key;
  assert.equal(
    utf8(verifyCompact(good.output.compact, key, { algorithms: ['HS256'] }).payload),
    good.input.payload,
  );
  assert.equal(
    utf8(verifyGeneral(good.output.json, key, { algorithms: ['HS256'] }).payload),
    good.input.payload,
  );
  assert.equal(
    utf8(verifyFlattened(good.output.json_flat, key, { algorithms: ['HS256'] }).payload),
    good.input.payload,
  );
  const noCrit = readVector('rfc7520/rfc7797/4.2.hmac-sha2_b64_false.json');
  assertJoseError(
    () => verifyFlattened(noCrit.output.json_flat, key, { algorithms: ['HS256'] }),
    'ERR_HEADER_INVALID',
  );
  assertJoseError(
    () => verifyGeneral(noCrit.output.json, key, { algorithms: ['HS256'] }),
    'ERR_HEADER_INVALID',
  );
});

test('RFC 7520 §3 keys: every JWK imports; private keys match their public keys', () => {
  const files = readdirSync(new URL('../vectors/rfc7520/jwk/', import.meta.url)).sort();
  assert.equal(files.length, 6);
  const jwk = (f: string) => readVector<Jwk>(`rfc7520/jwk/${f}`);
  const ecPub = importJwk(jwk('3_1.ec_public_key.json'), 'ES512');
  const ecPriv = importJwk(jwk('3_2.ec_private_key.json'), 'ES512');
  assert.deepEqual(exportJwk(createPublicKey(ecPriv)), exportJwk(ecPub));
  const rsaPub = importJwk(jwk('3_3.rsa_public_key.json'), 'RS256');
  const rsaPriv = importJwk(jwk('3_4.rsa_private_key.json'), 'PS384');
  assert.deepEqual(exportJwk(createPublicKey(rsaPriv)), exportJwk(rsaPub));
  const mac = importJwk(jwk('3_5.symmetric_key_mac_computation.json'), 'HS256');
  assert.equal(mac.symmetricKeySize, 32);
  const enc = jwk('3_6.symmetric_key_encryption.json');
  assert.equal(importJwk(enc).symmetricKeySize, 32);
  assertJoseError(() => importJwk(enc, 'HS256'), 'ERR_KEY_INVALID'); // alg A256GCM, use enc
  for (const f of files) assert.equal(typeof calculateJwkThumbprint(jwk(f)), 'string');
});

const cookbook = (f: string) => readVector(`rfc7520/jws/${f}`);
const publicKeyOf = (k: Jwk): Jwk =>
  k.kty === 'oct' ? k : { ...publicOf(k), kid: k.kid, use: k.use };

const SIGNED_COOKBOOK = [
  '4_1.rsa_v15_signature.json',
  '4_2.rsa-pss_signature.json',
  '4_3.ecdsa_signature.json',
  '4_4.hmac-sha2_integrity_protection.json',
];

for (const E of ENTRIES) {
  for (const f of SIGNED_COOKBOOK) {
    test(`${E.name} RFC 7520 ${f.replace('.json', '')}: compact, general and flattened outputs verify`, async () => {
      const v = cookbook(f);
      const alg = v.input.alg as JwsAlg;
      const key = publicKeyOf(v.input.key);
      const o = { algorithms: [alg] };
      assert.equal(
        utf8((await E.verifyCompact(v.output.compact, key, o)).payload),
        v.input.payload,
      );
      assert.equal(utf8((await E.verifyGeneral(v.output.json, key, o)).payload), v.input.payload);
      assert.equal(
        utf8((await E.verifyFlattened(v.output.json_flat, key, o)).payload),
        v.input.payload,
      );
      if (key.kty !== 'oct') {
        const set = E.createLocalKeySet({ keys: [key] });
        const r = await E.verifyCompact(v.output.compact, set, o);
        assert.equal(r.protectedHeader.kid, v.input.key.kid);
      }
      if (v.reproducible === true) {
        assert.equal(
          await E.signCompact(v.input.payload, v.input.key, { alg, kid: v.input.key.kid }),
          v.output.compact,
        );
      }
    });
  }

  test(`${E.name} RFC 7520 4_5 detached content: compact and JSON verify with the payload given separately`, async () => {
    const v = cookbook('4_5.signature_with_detached_content.json');
    const o = { algorithms: ['HS256'] as JwsAlg[], detachedPayload: v.input.payload };
    const k = v.input.key;
    assert.equal(utf8((await E.verifyCompact(v.output.compact, k, o)).payload), v.input.payload);
    assert.equal(utf8((await E.verifyGeneral(v.output.json, k, o)).payload), v.input.payload);
    assert.equal(
      utf8((await E.verifyFlattened(v.output.json_flat, k, o)).payload),
      v.input.payload,
    );
    assert.equal(
      await E.signCompact(v.input.payload, k, { alg: 'HS256', kid: k.kid, detached: true }),
      v.output.compact,
    );
    await assertJoseErrorAsync(
      () => E.verifyFlattened(v.output.json_flat, k, { algorithms: ['HS256'] }),
      'ERR_JWS_MALFORMED',
    );
  });

  test(`${E.name} RFC 7520 4_6 protecting specific header fields: kid unprotected, alg protected`, async () => {
    const v = cookbook('4_6.protecting_specific_header_fields.json');
    const o = { algorithms: ['HS256'] } as const;
    const r = await E.verifyFlattened(v.output.json_flat, v.input.key, o);
    assert.deepEqual(r.unprotectedHeader, { kid: v.input.key.kid });
    assert.equal(
      utf8((await E.verifyGeneral(v.output.json, v.input.key, o)).payload),
      v.input.payload,
    );
    assert.deepEqual(
      await E.signFlattened(v.input.payload, v.input.key, {
        alg: 'HS256',
        unprotectedHeader: { kid: v.input.key.kid },
      }),
      v.output.json_flat,
    );
  });

  test(`${E.name} RFC 7520 4_7 protecting content only: refused, because alg must be in the protected header (A4)`, async () => {
    const v = cookbook('4_7.protecting_content_only.json');
    const o = { algorithms: ['HS256'] } as const;
    await assertJoseErrorAsync(
      () => E.verifyFlattened(v.output.json_flat, v.input.key, o),
      'ERR_JWS_MALFORMED',
    );
    await assertJoseErrorAsync(
      () => E.verifyGeneral(v.output.json, v.input.key, o),
      'ERR_JWS_MALFORMED',
    );
  });

  test(`${E.name} RFC 7520 4_8 multiple signatures: RS256 and HS256 verify; ES512 (alg unprotected) does not`, async () => {
    const v = cookbook('4_8.multiple_signatures.json');
    const [rsa, ec, oct] = v.input.key as Jwk[];
    const all = { algorithms: ['RS256', 'ES512', 'HS256'] as JwsAlg[] };
    const algOf = async (jws: unknown, key: unknown, o = all) =>
      (await E.verifyGeneral(jws as never, key as never, o)).protectedHeader.alg;
    assert.equal(await algOf(v.output.json, publicOf(rsa!)), 'RS256');
    assert.equal(await algOf(v.output.json, oct!), 'HS256');
    await assertJoseErrorAsync(
      () => E.verifyGeneral(v.output.json, publicOf(ec!), all),
      ['ERR_KEY_INVALID', 'ERR_JWS_MALFORMED'],
    );
    // A key set of all three keys: the oct key is never taken from a set, the RSA one verifies.
    const set = E.createLocalKeySet({ keys: [publicKeyOf(rsa!), publicKeyOf(ec!), oct!] });
    assert.equal(await algOf(v.output.json, set), 'RS256');
    const hsOnly = { payload: v.output.json.payload, signatures: [v.output.json.signatures[2]] };
    assert.equal(await algOf(hsOnly, oct!, { algorithms: ['HS256'] }), 'HS256');
    await assertJoseErrorAsync(
      () => E.verifyGeneral(hsOnly, set, { algorithms: ['HS256'] }),
      'ERR_KEY_NOT_FOUND',
    );
  });

  test(`${E.name} cookbook curve25519/jws.json (RFC 8037 A.4): all outputs verify`, async () => {
    const v = readVector('rfc7520/curve25519/jws.json');
    const pub = publicOf(v.input.key);
    const o = { algorithms: ['EdDSA'] } as const;
    assert.equal(utf8((await E.verifyCompact(v.output.compact, pub, o)).payload), v.input.payload);
    assert.equal(utf8((await E.verifyGeneral(v.output.json, pub, o)).payload), v.input.payload);
    assert.equal(
      utf8((await E.verifyFlattened(v.output.json_flat, pub, o)).payload),
      v.input.payload,
    );
  });
}

test('the copied vector files hold exactly the examples the tests above cover', () => {
  const sections = (rfc: number) => [...rfcExamples(rfc).keys()];
  assert.deepEqual(sections(7515), ['A.1', 'A.2', 'A.3', 'A.4', 'A.5', 'A.6', 'A.7']);
  assert.deepEqual(sections(7517), ['A.1', 'A.2', 'A.3', 'B', 'C']);
  assert.deepEqual(sections(7519), ['3.1', '6.1', 'A.1', 'A.2']);
  assert.deepEqual(sections(7638), ['3.1']);
  assert.deepEqual(sections(8037), ['A.1', 'A.2', 'A.3', 'A.4', 'A.5', 'A.6', 'A.7']);
  assert.deepEqual(sections(7797), ['4.1', '4.2']);
  const dir = (d: string) =>
    readdirSync(new URL(`../vectors/rfc7520/${d}/`, import.meta.url)).sort();
  assert.deepEqual(dir('jws'), [
    '4_1.rsa_v15_signature.json',
    '4_2.rsa-pss_signature.json',
    '4_3.ecdsa_signature.json',
    '4_4.hmac-sha2_integrity_protection.json',
    '4_5.signature_with_detached_content.json',
    '4_6.protecting_specific_header_fields.json',
    '4_7.protecting_content_only.json',
    '4_8.multiple_signatures.json',
  ]);
  assert.equal(dir('jwk').length, 6);
});
