/**
 * Compact JWE on the Web Crypto entry under Node.js, against the Node.js core both ways (every
 * key management algorithm, both content encryption families, DEFLATE), against panva/jose, and
 * through the shared refusals: allowlists, PBES2 limits, a tampered tag, an invalid epk, the
 * inflate cap, RSA1_5 and X448 (ERR_ALG_UNSUPPORTED).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as J from 'jose';
import * as N from '../index.js';
import * as W from './index.js';
import { DECRYPTION_FAILED_MESSAGE } from '../jwe/failure.js';

type KmAlg = N.DecryptOptions['keyManagementAlgorithms'][number];
type EncAlg = N.DecryptOptions['contentEncryptionAlgorithms'][number];

const jwkOf = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
  k.export({ format: 'jwk' }) as N.Jwk;
function asymmetric(kind: 'rsa' | 'p256' | 'p384' | 'p521' | 'x25519') {
  const p =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'x25519'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('ec', {
            namedCurve: { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' }[kind],
          });
  const priv = jwkOf(p.privateKey);
  const pub = jwkOf(p.publicKey);
  return { priv, pub };
}
const RSA = asymmetric('rsa');
const CURVES = {
  'P-256': asymmetric('p256'),
  'P-384': asymmetric('p384'),
  'P-521': asymmetric('p521'),
  X25519: asymmetric('x25519'),
};
const secretJwk = (bytes: number): N.Jwk => ({
  kty: 'oct',
  k: Buffer.from(randomBytes(bytes)).toString('base64url'),
});

interface Case {
  alg: KmAlg;
  enc: EncAlg;
  encryptKey: N.Jwk | Uint8Array;
  decryptKey: N.Jwk | Uint8Array;
}
const CEK: Record<EncAlg, number> = {
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
};
function cases(): Case[] {
  const out: Case[] = [];
  const encs: EncAlg[] = ['A128GCM', 'A256GCM', 'A128CBC-HS256', 'A256CBC-HS512'];
  for (const enc of encs) {
    const dir = secretJwk(CEK[enc]);
    out.push({ alg: 'dir', enc, encryptKey: dir, decryptKey: dir });
    for (const [alg, n] of [
      ['A128KW', 16],
      ['A256KW', 32],
      ['A128GCMKW', 16],
      ['A256GCMKW', 32],
    ] as const) {
      const k = secretJwk(n);
      out.push({ alg, enc, encryptKey: k, decryptKey: k });
    }
    for (const alg of ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-512'] as const)
      out.push({ alg, enc, encryptKey: RSA.pub, decryptKey: RSA.priv });
    for (const [crv, k] of Object.entries(CURVES)) {
      void crv;
      for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'] as const)
        out.push({ alg, enc, encryptKey: k.pub, decryptKey: k.priv });
    }
    const password = new TextEncoder().encode('correct horse battery staple');
    out.push({ alg: 'PBES2-HS256+A128KW', enc, encryptKey: password, decryptKey: password });
    out.push({ alg: 'PBES2-HS512+A256KW', enc, encryptKey: password, decryptKey: password });
  }
  return out;
}

const options = (c: Case): N.DecryptOptions => ({
  keyManagementAlgorithms: [c.alg],
  contentEncryptionAlgorithms: [c.enc],
});
const label = (c: Case) =>
  `${c.alg}/${c.enc}${'crv' in c.encryptKey ? `/${String(c.encryptKey.crv)}` : ''}`;

test('Web Crypto JWE: what the Web Crypto entry encrypts, the Node.js core decrypts, and back', async () => {
  const all = cases();
  assert.ok(all.length >= 80);
  for (const c of all) {
    const text = `hello ${label(c)}`;
    const web = await W.encryptCompact(text, c.encryptKey, { alg: c.alg, enc: c.enc, kid: 'k1' });
    const n = N.decryptCompact(web, c.decryptKey as N.KeyInput, options(c));
    assert.equal(Buffer.from(n.plaintext).toString(), text, `node decrypts web: ${label(c)}`);
    assert.equal(n.protectedHeader.kid, 'k1');
    const node = N.encryptCompact(text, c.encryptKey as N.KeyInput, { alg: c.alg, enc: c.enc });
    const w = await W.decryptCompact(node, c.decryptKey, options(c));
    assert.equal(new TextDecoder().decode(w.plaintext), text, `web decrypts node: ${label(c)}`);
  }
});

test('Web Crypto JWE: panva/jose decrypts ours and we decrypt its (ECDH-ES+A256KW, RSA-OAEP-256, A256GCMKW)', async () => {
  const k = CURVES['P-256'];
  const secret = secretJwk(32);
  for (const [alg, enc, pub, priv] of [
    ['ECDH-ES+A256KW', 'A256GCM', k.pub, k.priv],
    ['RSA-OAEP-256', 'A128CBC-HS256', RSA.pub, RSA.priv],
    ['A256GCMKW', 'A256GCM', secret, secret],
  ] as const) {
    const ours = await W.encryptCompact('interop', pub, { alg, enc });
    const theirKey = await J.importJWK(priv as J.JWK, alg);
    const r = await J.compactDecrypt(ours, theirKey);
    assert.equal(new TextDecoder().decode(r.plaintext), 'interop', `jose decrypts ours: ${alg}`);
    const theirs = await new J.CompactEncrypt(new TextEncoder().encode('back'))
      .setProtectedHeader({ alg, enc })
      .encrypt(await J.importJWK(pub as J.JWK, alg));
    const back = await W.decryptCompact(theirs, priv, {
      keyManagementAlgorithms: [alg],
      contentEncryptionAlgorithms: [enc],
    });
    assert.equal(new TextDecoder().decode(back.plaintext), 'back', `we decrypt jose's: ${alg}`);
  }
});

test('Web Crypto JWE: zip DEF round trip both ways, and the inflate cap holds', async () => {
  const k = secretJwk(32);
  const o = {
    keyManagementAlgorithms: ['A256KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
  } as const;
  const big = 'a'.repeat(10_000);
  const web = await W.encryptCompact(big, k, { alg: 'A256KW', enc: 'A256GCM', zip: 'DEF' });
  assert.ok(web.length < 2_000, 'compressed');
  assert.equal(Buffer.from(N.decryptCompact(web, k, o).plaintext).toString(), big);
  const node = N.encryptCompact(big, k, { alg: 'A256KW', enc: 'A256GCM', zip: 'DEF' });
  assert.equal(new TextDecoder().decode((await W.decryptCompact(node, k, o)).plaintext), big);
  const bomb = N.encryptCompact('b'.repeat(300_000), k, {
    alg: 'A256KW',
    enc: 'A256GCM',
    zip: 'DEF',
  });
  await assert.rejects(W.decryptCompact(bomb, k, o), { code: 'ERR_JWE_TOO_LARGE' });
  await assert.rejects(
    W.decryptCompact(bomb, k, { ...o, maxDecompressedLength: 1_000_000 }).then(() => {
      throw new Error('ok');
    }),
    /ok/,
  );
});

const flip = (jwe: string, i: number) => {
  const parts = jwe.split('.');
  const bytes = Buffer.from(parts[i]!, 'base64url');
  bytes[0] = bytes[0]! ^ 1;
  parts[i] = bytes.toString('base64url');
  return parts.join('.');
};

test('Web Crypto JWE refusals match the Node.js core: tampering, allowlists, PBES2, epk, RSA1_5, X448', async () => {
  const k = CURVES['P-256'];
  const o: N.DecryptOptions = {
    keyManagementAlgorithms: ['ECDH-ES+A128KW'],
    contentEncryptionAlgorithms: ['A128CBC-HS256'],
  };
  const jwe = N.encryptCompact('x', k.pub, { alg: 'ECDH-ES+A128KW', enc: 'A128CBC-HS256' });
  for (const i of [1, 2, 3, 4]) {
    await assert.rejects(W.decryptCompact(flip(jwe, i), k.priv, o), {
      code: 'ERR_JWE_DECRYPTION_FAILED',
      message: DECRYPTION_FAILED_MESSAGE,
    });
    assert.throws(() => N.decryptCompact(flip(jwe, i), k.priv, o), {
      code: 'ERR_JWE_DECRYPTION_FAILED',
    });
  }
  // An epk off the curve (CVE-2017-16007): refused before any ECDH, opaquely.
  const [h, ...rest] = jwe.split('.');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
  header.epk.y = Buffer.alloc(32, 7).toString('base64url');
  const offCurve = [Buffer.from(JSON.stringify(header)).toString('base64url'), ...rest].join('.');
  await assert.rejects(W.decryptCompact(offCurve, k.priv, o), {
    code: 'ERR_JWE_DECRYPTION_FAILED',
  });
  // Not on the allowlist, PBES2 not listed, p2c above the cap: before any key is touched.
  await assert.rejects(
    W.decryptCompact(jwe, k.priv, { ...o, keyManagementAlgorithms: ['ECDH-ES'] }),
    { code: 'ERR_ALG_NOT_ALLOWED' },
  );
  const pw = new TextEncoder().encode('password');
  const pbes = N.encryptCompact('x', pw, {
    alg: 'PBES2-HS256+A128KW',
    enc: 'A128GCM',
    p2c: 20_000,
  });
  await assert.rejects(
    W.decryptCompact(pbes, pw, {
      keyManagementAlgorithms: ['A128KW'],
      contentEncryptionAlgorithms: ['A128GCM'],
    }),
    { code: 'ERR_JWE_PBES2_NOT_ALLOWED' },
  );
  await assert.rejects(
    W.decryptCompact(pbes, pw, {
      keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
      contentEncryptionAlgorithms: ['A128GCM'],
    }),
    { code: 'ERR_JWE_PBES2_NOT_ALLOWED', message: /above the allowed maximum/ },
  );
  // A JWS is named as such; RSA1_5 refused at encryption and in an allowlist.
  await assert.rejects(W.decryptCompact('a.b.c', k.priv, o), {
    code: 'ERR_JWE_MALFORMED',
    message: /JWS/,
  });
  await assert.rejects(W.encryptCompact('x', RSA.pub, { alg: 'RSA1_5' as KmAlg, enc: 'A128GCM' }), {
    code: 'ERR_ALG_UNSUPPORTED',
    message: /CVE-2023-46809/,
  });
  // Wrong key sizes and types are ERR_KEY_INVALID, as on the Node.js core.
  await assert.rejects(W.encryptCompact('x', secretJwk(16), { alg: 'A256KW', enc: 'A128GCM' }), {
    code: 'ERR_KEY_INVALID',
  });
  await assert.rejects(W.decryptCompact(jwe, k.pub, o), { code: 'ERR_KEY_INVALID' });
  // X448 exists in the registry but not in Web Crypto: ERR_ALG_UNSUPPORTED naming the runtime.
  const x448 = jwkOf(generateKeyPairSync('x448').publicKey);
  await assert.rejects(W.encryptCompact('x', x448, { alg: 'ECDH-ES', enc: 'A128GCM' }), {
    code: 'ERR_ALG_UNSUPPORTED',
    message: /X448.*Node\.js/,
  });
});

test('Web Crypto JWE: CryptoKeys work as keys, and a private JWKS picks by kid', async () => {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, [
    'deriveBits',
  ])) as CryptoKeyPair;
  const jwe = await W.encryptCompact('ck', pair.publicKey, {
    alg: 'ECDH-ES+A256KW',
    enc: 'A256GCM',
  });
  const r = await W.decryptCompact(jwe, pair.privateKey, {
    keyManagementAlgorithms: ['ECDH-ES+A256KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  assert.equal(new TextDecoder().decode(r.plaintext), 'ck');
  const a = { ...secretJwk(16), kid: 'a' };
  const b = { ...secretJwk(16), kid: 'b' };
  const byKid = await W.encryptCompact('kid b', b, { alg: 'A128KW', enc: 'A128GCM', kid: 'b' });
  const set = { keys: [a, b] };
  const o = {
    keyManagementAlgorithms: ['A128KW'],
    contentEncryptionAlgorithms: ['A128GCM'],
  } as const;
  const got = await W.decryptCompact(byKid, set, o);
  assert.equal((got.key as N.Jwk).kid, 'b');
  await assert.rejects(W.decryptCompact(byKid, { keys: [a] }, o), { code: 'ERR_KEY_NOT_FOUND' });
});
