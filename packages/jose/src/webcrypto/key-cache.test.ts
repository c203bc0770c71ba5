/**
 * The Web Crypto entry imports a caller's JWK or CryptoKey once: the second JWS or JWE call with
 * the same key object makes no `importKey` (counted on the runtime's own SubtleCrypto, which
 * still does the work), the results stay correct, and byte-array secrets are never cached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as N from '../index.js';
import * as W from './index.js';

const subtle = globalThis.crypto.subtle;
const realImport = subtle.importKey.bind(subtle);
const realExport = subtle.exportKey.bind(subtle);
let imports = 0;
let exports = 0;
subtle.importKey = ((...args: Parameters<SubtleCrypto['importKey']>) => {
  imports++;
  return realImport(...args);
}) as SubtleCrypto['importKey'];
subtle.exportKey = ((...args: Parameters<SubtleCrypto['exportKey']>) => {
  exports++;
  return realExport(...args);
}) as SubtleCrypto['exportKey'];

/** importKey calls made by `f`. */
async function importsOf(f: () => Promise<unknown>): Promise<number> {
  const before = imports;
  await f();
  return imports - before;
}

const jwkPair = (type: 'ec' | 'rsa' | 'ed25519' | 'x25519') => {
  const p =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync(type as 'ed25519');
  return {
    priv: p.privateKey.export({ format: 'jwk' }) as N.Jwk,
    pub: p.publicKey.export({ format: 'jwk' }) as N.Jwk,
  };
};

test('JWS: a JWK is imported once per algorithm and use; a second sign or verify imports nothing', async () => {
  for (const [alg, type] of [
    ['ES256', 'ec'],
    ['PS256', 'rsa'],
    ['EdDSA', 'ed25519'],
  ] as const) {
    const { priv, pub } = jwkPair(type);
    const first = await W.signCompact('hello', priv, { alg });
    assert.equal(await importsOf(() => W.signCompact('again', priv, { alg })), 0, alg);
    const secondJws = await W.signCompact('again', priv, { alg });
    assert.equal(await importsOf(() => W.verifyCompact(first, pub, { algorithms: [alg] })), 1);
    let verified: W.WebVerifyResult | undefined;
    assert.equal(
      await importsOf(async () => {
        verified = await W.verifyCompact(secondJws, pub, { algorithms: [alg] });
      }),
      0,
      alg,
    );
    assert.equal(new TextDecoder().decode(verified!.payload), 'again');
    // The Node.js core verifies what the cached key signed.
    N.verifyCompact(secondJws, N.importJwk(pub, alg), { algorithms: [alg] });
    // A tampered signature still fails with the cached key.
    // The second-to-last character is wholly signature bits; swap it for a different one.
    const at = secondJws.length - 2;
    const bad =
      secondJws.slice(0, at) + (secondJws[at] === 'A' ? 'B' : 'A') + secondJws.slice(at + 1);
    await assert.rejects(W.verifyCompact(bad, pub, { algorithms: [alg] }), {
      code: /ERR_SIGNATURE_INVALID|ERR_BASE64URL_INVALID|ERR_JWS_MALFORMED/,
    });
  }
});

test('JWS: an Ed25519 CryptoKey is exported for its small-order check once', async () => {
  const { publicKey, privateKey } = await W.generateKeyPair('EdDSA');
  const jws = await W.signCompact('x', privateKey, { alg: 'EdDSA' });
  await W.verifyCompact(jws, publicKey, { algorithms: ['EdDSA'] });
  const before = exports;
  await W.verifyCompact(jws, publicKey, { algorithms: ['EdDSA'] });
  assert.equal(exports - before, 0);
});

test('JWS: a byte-array secret is imported on every call (a buffer can be refilled)', async () => {
  const secret = new Uint8Array(randomBytes(32));
  const jws = await W.signCompact('x', secret, { alg: 'HS256' });
  assert.equal(await importsOf(() => W.verifyCompact(jws, secret, { algorithms: ['HS256'] })), 1);
  secret.fill(7);
  await assert.rejects(W.verifyCompact(jws, secret, { algorithms: ['HS256'] }), {
    code: 'ERR_SIGNATURE_INVALID',
  });
});

test('JWS: a failed import is not cached, and the policy is part of the cache slot', async () => {
  const weak = { kty: 'oct', k: N.encodeBase64url(randomBytes(16)) } as N.Jwk;
  await assert.rejects(W.signCompact('x', weak, { alg: 'HS256' }), { code: 'ERR_KEY_TOO_WEAK' });
  const jws = await W.signCompact('x', weak, { alg: 'HS256', allowWeakSecret: true });
  await assert.rejects(W.verifyCompact(jws, weak, { algorithms: ['HS256'] }), {
    code: 'ERR_KEY_TOO_WEAK',
  });
});

type KmAlg = W.DecryptOptions['keyManagementAlgorithms'][number];
const dec = (alg: KmAlg): W.DecryptOptions => ({
  keyManagementAlgorithms: [alg],
  contentEncryptionAlgorithms: ['A256GCM'],
});

/** The key material `f` imported: JWKs, and raw bytes as base64url. */
async function importedBy(f: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const counting = subtle.importKey;
  subtle.importKey = ((...args: Parameters<SubtleCrypto['importKey']>) => {
    const [format, data] = args;
    seen.push(
      (format as string) === 'jwk'
        ? `jwk:${JSON.stringify(data)}`
        : `raw:${N.encodeBase64url(new Uint8Array(data as ArrayBuffer))}`,
    );
    return counting(...args);
  }) as SubtleCrypto['importKey'];
  try {
    await f();
  } finally {
    subtle.importKey = counting;
  }
  return seen;
}

test('JWE: a JWK recipient is imported once; later calls import only per-message keys', async () => {
  const rsa = jwkPair('rsa');
  const x = jwkPair('x25519');
  const kw = { kty: 'oct', k: N.encodeBase64url(randomBytes(32)) } as N.Jwk;
  const gcmkw = { kty: 'oct', k: N.encodeBase64url(randomBytes(32)) } as N.Jwk;
  const pbes2 = { kty: 'oct', k: N.encodeBase64url(Buffer.from('correct horse battery')) } as N.Jwk;
  const cases: [KmAlg, N.Jwk, N.Jwk][] = [
    ['RSA-OAEP-256', rsa.pub, rsa.priv],
    ['ECDH-ES+A256KW', x.pub, x.priv],
    ['ECDH-ES', x.pub, x.priv],
    ['A256KW', kw, kw],
    ['A256GCMKW', gcmkw, gcmkw],
    ['PBES2-HS256+A128KW', pbes2, pbes2],
  ];
  for (const [alg, pub, priv] of cases) {
    const o = { alg, enc: 'A256GCM', p2c: 1000 } as const;
    const warm = await importedBy(async () =>
      W.decryptCompact(await W.encryptCompact('warm', pub, o), priv, dec(alg)),
    );
    const mine = (s: string) =>
      s.includes(String(priv.d ?? priv.k)) || s.includes(String(pub.x ?? pub.n));
    // One import for encrypting and one for decrypting (PBKDF2 imports one key for both).
    const expected = alg.startsWith('PBES2') ? 1 : 2;
    assert.equal(warm.filter(mine).length, expected, `${alg}: the first calls import the keys`);
    let jwe = '';
    let out: W.WebCompactDecryptResult | undefined;
    const again = await importedBy(async () => {
      jwe = await W.encryptCompact('second', pub, o);
      out = await W.decryptCompact(jwe, priv, dec(alg));
    });
    assert.deepEqual(again.filter(mine), [], `${alg}: no second import of the caller's key`);
    assert.ok(again.length > 0, 'the per-message content key is still imported');
    assert.equal(new TextDecoder().decode(out!.plaintext), 'second');
  }
});

test('JWE: the Node.js core decrypts what a cached key encrypted, and a wrong key still fails', async () => {
  const kw = { kty: 'oct', k: N.encodeBase64url(randomBytes(32)) } as N.Jwk;
  const o = { alg: 'A256KW', enc: 'A256GCM' } as const;
  await W.encryptCompact('warm', kw, o);
  const jwe = await W.encryptCompact('to node', kw, o);
  const { plaintext } = N.decryptCompact(jwe, Buffer.from(kw.k!, 'base64url'), dec('A256KW'));
  assert.equal(Buffer.from(plaintext).toString(), 'to node');
  const other = { kty: 'oct', k: N.encodeBase64url(randomBytes(32)) } as N.Jwk;
  await assert.rejects(W.decryptCompact(jwe, other, dec('A256KW')), {
    code: 'ERR_JWE_DECRYPTION_FAILED',
  });
});

test('JWE: an extractable secret CryptoKey is exported and its KEK imported once', async () => {
  const key = await subtle.importKey('raw', new Uint8Array(randomBytes(32)), 'AES-KW', true, [
    'wrapKey',
    'unwrapKey',
  ]);
  const o = { alg: 'A256KW', enc: 'A256GCM' } as const;
  await W.decryptCompact(await W.encryptCompact('warm', key, o), key, dec('A256KW'));
  const beforeExports = exports;
  const jwe = await W.encryptCompact('again', key, o);
  assert.equal(exports - beforeExports, 0);
  const raw = N.encodeBase64url(new Uint8Array(await subtle.exportKey('raw', key)));
  const seen = await importedBy(() => W.decryptCompact(jwe, key, dec('A256KW')));
  assert.deepEqual(
    seen.filter((s) => s === `raw:${raw}`),
    [],
  );
});

test('JWE dir: a JWK or CryptoKey content key is imported once per enc and use; bytes every time', async () => {
  for (const enc of ['A256GCM', 'A128CBC-HS256', 'A256CBC-HS512'] as const) {
    const size = enc === 'A256CBC-HS512' ? 64 : 32;
    const raw = new Uint8Array(randomBytes(size));
    const jwk = { kty: 'oct', k: N.encodeBase64url(raw) } as N.Jwk;
    const o = { alg: 'dir', enc } as const;
    const d = { keyManagementAlgorithms: ['dir' as const], contentEncryptionAlgorithms: [enc] };
    await W.decryptCompact(await W.encryptCompact('warm', jwk, o), jwk, d);
    let out: W.WebCompactDecryptResult | undefined;
    const again = await importsOf(async () => {
      out = await W.decryptCompact(await W.encryptCompact('second', jwk, o), jwk, d);
    });
    assert.equal(again, 0, `${enc}: no import once the dir key is cached`);
    assert.equal(new TextDecoder().decode(out!.plaintext), 'second');
    // The JSON forms share the cache; the Node.js core decrypts what the cached keys made.
    const flat = await W.encryptFlattened('json', jwk, o);
    assert.equal(await importsOf(() => W.decryptFlattened(flat, jwk, d)), 0);
    assert.equal(new TextDecoder().decode(N.decryptFlattened(flat, raw, d).plaintext), 'json');
    // A wrong key still fails, and a byte array is imported on every call.
    const other = { kty: 'oct', k: N.encodeBase64url(randomBytes(size)) } as N.Jwk;
    await assert.rejects(W.decryptFlattened(flat, other, d), { code: 'ERR_JWE_DECRYPTION_FAILED' });
    assert.ok((await importsOf(() => W.decryptFlattened(flat, raw, d))) > 0);
    raw.fill(1);
    await assert.rejects(W.decryptFlattened(flat, raw, d), { code: 'ERR_JWE_DECRYPTION_FAILED' });
  }
  const key = await subtle.importKey('raw', new Uint8Array(randomBytes(32)), 'AES-GCM', true, [
    'encrypt',
    'decrypt',
  ]);
  const o = { alg: 'dir', enc: 'A256GCM' } as const;
  const d = {
    keyManagementAlgorithms: ['dir' as const],
    contentEncryptionAlgorithms: ['A256GCM' as const],
  };
  await W.decryptCompact(await W.encryptCompact('warm', key, o), key, d);
  const jwe = await W.encryptCompact('again', key, o);
  assert.equal(await importsOf(() => W.decryptCompact(jwe, key, d)), 0);
});
