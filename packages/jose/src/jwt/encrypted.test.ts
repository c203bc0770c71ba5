/**
 * encryptJwt / encryptNestedJwt / decryptJwt, and docs/security.md#nested (nested JWTs, sign/encrypt
 * confusion): an encrypted-only token is never authenticated; a nested token's claims are
 * returned only after its inner JWS verified under its own options.
 * @see CVE-2023-51774 (json-jwt: a JWE bypassed JSON::JWT.decode)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { JwtClaimError } from '../base/errors.js';
import { exportJwk, generateKeyPair } from '../keys/keys.js';
import type { Jwk } from '../keys/jwk.js';
import type { WebDecryptJwtOptions as DecryptJwtOptions } from '../webcrypto/index.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES } from '../test-support/entries.js';
import { keyPairs } from '../test-support/jwe-fixtures.js';

const base = {
  keyManagementAlgorithms: ['RSA-OAEP-256'],
  contentEncryptionAlgorithms: ['A256GCM'],
} as const;
const o = (extra: Partial<DecryptJwtOptions> = {}): DecryptJwtOptions => ({
  ...base,
  keyManagementAlgorithms: [...base.keyManagementAlgorithms],
  contentEncryptionAlgorithms: [...base.contentEncryptionAlgorithms],
  ...extra,
});

/** JWKs both entries take (the fixtures' KeyObjects, exported). */
const rsaJwks = () => {
  const { rsa } = keyPairs();
  return { privateKey: exportJwk(rsa.privateKey), publicKey: exportJwk(rsa.publicKey) as Jwk };
};
const jwkPair = (alg: 'EdDSA' | 'ES256') => {
  const p = generateKeyPair(alg);
  return { privateKey: exportJwk(p.privateKey), publicKey: exportJwk(p.publicKey) as Jwk };
};

for (const E of ENTRIES) {
  test(`${E.name} encryptJwt/decryptJwt: claims round-trip with typ JWT, claim options and claim checks`, async () => {
    const rsa = rsaJwks();
    const now = new Date('2026-01-01T00:00:00Z');
    const token = await E.encryptJwt({ role: 'reader' }, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: 'enc-1',
      issuer: 'https://issuer',
      audience: 'api',
      subject: 'u1',
      expiresIn: '10m',
      jwtId: true,
      currentDate: now,
    });
    assert.equal(token.split('.').length, 5);
    const r = await E.decryptJwt(
      token,
      rsa.privateKey,
      o({ issuer: 'https://issuer', audience: 'api', typ: 'JWT', currentDate: now }),
    );
    assert.equal(r.payload.role, 'reader');
    assert.equal(r.payload.exp, Math.floor(now.getTime() / 1000) + 600);
    assert.equal(typeof r.payload.jti, 'string');
    assert.equal(r.protectedHeader.kid, 'enc-1');
    assert.equal(r.protectedHeader.typ, 'JWT');
    assert.equal(r.authenticated, false);
    assert.equal(r.nested, undefined);
    const later = new Date(now.getTime() + 601_000);
    await assertJoseErrorAsync(
      () => E.decryptJwt(token, rsa.privateKey, o({ currentDate: later })),
      'ERR_JWT_EXPIRED',
    );
    const e = await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(token, rsa.privateKey, o({ audience: 'other', currentDate: now })),
      'ERR_JWT_CLAIM_INVALID',
    );
    assert.ok(e instanceof JwtClaimError && e.claim === 'aud');
    await assertJoseErrorAsync(
      () => E.decryptJwt(token, rsa.privateKey, o({ typ: 'at+jwt', currentDate: now })),
      'ERR_JWT_CLAIM_INVALID',
    );
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(
          token,
          rsa.privateKey,
          o({ requiredClaims: ['nonce'], currentDate: now }),
        ),
      'ERR_JWT_CLAIM_INVALID',
    );
  });

  test(`${E.name} decryptJwt: the plaintext must be a strict JSON object`, async () => {
    const key = randomBytes(32);
    const dir = {
      keyManagementAlgorithms: ['dir' as const],
      contentEncryptionAlgorithms: ['A256GCM' as const],
    };
    for (const [plaintext, code] of [
      ['[1]', 'ERR_JSON_INVALID'],
      ['"x"', 'ERR_JSON_INVALID'],
      ['{"sub":"a","sub":"b"}', 'ERR_JSON_DUPLICATE_MEMBER'],
      ['\ufeff{}', 'ERR_JSON_INVALID'],
      ['{"exp":"soon"}', 'ERR_JWT_CLAIM_INVALID'],
    ] as const) {
      await assertJoseErrorAsync(
        async () =>
          await E.decryptJwt(
            await E.encryptCompact(plaintext, key, { alg: 'dir', enc: 'A256GCM' }),
            key,
            dir,
          ),
        code,
      );
    }
  });

  test(`${E.name} D3 a: a JWS with cty JWT is not unwrapped by verifyJwt`, async () => {
    const rsa = rsaJwks();
    const inner = await E.signJwt({ sub: 'admin' }, rsa.privateKey, { alg: 'RS256' });
    const outer = await E.signJwt({ token: inner }, rsa.privateKey, {
      alg: 'RS256',
      header: { cty: 'JWT' },
    });
    await assertJoseErrorAsync(
      () => E.verifyJwt(outer, rsa.publicKey, { algorithms: ['RS256'] }),
      'ERR_JWT_NESTED',
    );
  });

  test(`${E.name} D3 b: a JWE whose plaintext is a JWT is refused unless nested verification is configured`, async () => {
    const rsa = rsaJwks();
    // Anyone holding the recipient's PUBLIC key can build this token: it proves nothing.
    const attacker = jwkPair('ES256');
    const forgedInner = await E.signJwt({ sub: 'admin' }, attacker.privateKey, { alg: 'ES256' });
    for (const cty of ['JWT', 'jwt', 'application/JWT']) {
      const token = await E.encryptCompact(forgedInner, rsa.publicKey, {
        alg: 'RSA-OAEP-256',
        enc: 'A256GCM',
        header: { cty },
      });
      await assertJoseErrorAsync(() => E.decryptJwt(token, rsa.privateKey, o()), 'ERR_JWT_NESTED');
    }
  });

  test(`${E.name} D3: nested sign-then-encrypt verifies the inner JWS with its own key, algorithms and claims`, async () => {
    const rsa = rsaJwks();
    const issuer = jwkPair('EdDSA');
    const now = new Date('2026-01-01T00:00:00Z');
    const inner = await E.signJwt({ scope: 'read' }, issuer.privateKey, {
      alg: 'EdDSA',
      issuer: 'https://issuer',
      audience: 'api',
      expiresIn: '5m',
      currentDate: now,
    });
    const token = await E.encryptNestedJwt(inner, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
    });
    const nested = {
      key: issuer.publicKey,
      algorithms: ['EdDSA' as const],
      issuer: 'https://issuer',
      audience: 'api',
      currentDate: now,
    };
    const r = await E.decryptJwt(token, rsa.privateKey, o({ nested }));
    assert.equal(r.authenticated, true);
    assert.equal(r.payload.scope, 'read');
    assert.equal(r.protectedHeader.cty, 'JWT');
    assert.equal(r.nested?.protectedHeader.alg, 'EdDSA');
    // The inner policy is enforced in full.
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(
          token,
          rsa.privateKey,
          o({ nested: { ...nested, algorithms: ['ES256'] } }),
        ),
      'ERR_ALG_NOT_ALLOWED',
    );
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(token, rsa.privateKey, o({ nested: { ...nested, audience: 'other' } })),
      'ERR_JWT_CLAIM_INVALID',
    );
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(
          token,
          rsa.privateKey,
          o({ nested: { ...nested, currentDate: new Date(now.getTime() + 301_000) } }),
        ),
      'ERR_JWT_EXPIRED',
    );
    const other = jwkPair('EdDSA');
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(
          token,
          rsa.privateKey,
          o({ nested: { ...nested, key: other.publicKey } }),
        ),
      'ERR_SIGNATURE_INVALID',
    );
    // A forged inner token (signed by someone else) never yields claims.
    const forged = await E.encryptNestedJwt(
      await E.signJwt({ scope: 'admin' }, other.privateKey, { alg: 'EdDSA' }),
      rsa.publicKey,
      { alg: 'RSA-OAEP-256', enc: 'A256GCM' },
    );
    await assertJoseErrorAsync(
      () => E.decryptJwt(forged, rsa.privateKey, o({ nested })),
      'ERR_SIGNATURE_INVALID',
    );
    // Top-level claim options are refused next to `nested` (they would not check the inner token).
    await assertJoseErrorAsync(
      () => E.decryptJwt(token, rsa.privateKey, o({ nested, audience: 'api' })),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(
          token,
          rsa.privateKey,
          o({ nested: { algorithms: ['EdDSA'] } as never }),
        ),
      'ERR_OPTIONS_INVALID',
    );
    // The top-level typ checks the JWE header.
    await assertJoseErrorAsync(
      () => E.decryptJwt(token, rsa.privateKey, o({ nested, typ: 'secevent+jwt' })),
      'ERR_JWT_CLAIM_INVALID',
    );
    assert.equal(
      (await E.decryptJwt(token, rsa.privateKey, o({ nested, typ: 'JWT' }))).authenticated,
      true,
    );
  });

  test(`${E.name} D3: with nested options configured, an encrypted-only JWT is refused (never "authenticated")`, async () => {
    const rsa = rsaJwks();
    const issuer = jwkPair('EdDSA');
    const plain = await E.encryptJwt({ scope: 'admin' }, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
    });
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(
          plain,
          rsa.privateKey,
          o({ nested: { key: issuer.publicKey, algorithms: ['EdDSA'] } }),
        ),
      'ERR_JWT_NOT_NESTED',
    );
    // A JWE inside a JWE is not a JWS: the inner verification refuses it.
    const innerJwe = await E.encryptJwt({ a: 1 }, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
    });
    const doubly = await E.encryptCompact(innerJwe, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      header: { cty: 'JWT' },
    });
    await assertJoseErrorAsync(
      async () =>
        await E.decryptJwt(
          doubly,
          rsa.privateKey,
          o({ maxTokenLength: 32_000, nested: { key: issuer.publicKey, algorithms: ['EdDSA'] } }),
        ),
      'ERR_JWS_MALFORMED',
    );
    await assertJoseErrorAsync(
      async () =>
        await E.encryptNestedJwt(innerJwe, rsa.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }),
      'ERR_OPTIONS_INVALID',
    );
  });

  test(`${E.name} encryptJwt option validation`, async () => {
    const key = randomBytes(32);
    const base2 = { alg: 'dir', enc: 'A256GCM' } as const;
    await assertJoseErrorAsync(() => E.encryptJwt([] as never, key, base2), 'ERR_OPTIONS_INVALID');
    await assertJoseErrorAsync(
      () => E.encryptJwt({ iss: 'a' }, key, { ...base2, issuer: 'b' }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.encryptJwt({}, key, { ...base2, expiresIn: '1 month' }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.encryptJwt({}, key, { ...base2, typ: '' }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      () => E.encryptJwt({}, key, { ...base2, header: { epk: {} } }),
      'ERR_OPTIONS_INVALID',
    );
    const t = await E.encryptJwt({}, key, { ...base2, typ: false, issuedAt: false });
    const r = await E.decryptJwt(t, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    assert.deepEqual(r.payload, {});
    assert.equal(r.protectedHeader.typ, undefined);
  });

  test(`${E.name} createDecrypter: options and the inner verifier are prepared once; same rules as decryptJwt`, async () => {
    const rsa = rsaJwks();
    const issuer = jwkPair('EdDSA');
    const decryptPlain = E.createDecrypter({ key: rsa.privateKey, ...o({ audience: 'api' }) });
    const plain = await E.encryptJwt({ n: 1 }, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      audience: 'api',
    });
    assert.equal((await decryptPlain(plain)).payload.n, 1);
    await assertJoseErrorAsync(
      async () =>
        await decryptPlain(
          await E.encryptJwt({ n: 1 }, rsa.publicKey, {
            alg: 'RSA-OAEP-256',
            enc: 'A256GCM',
            audience: 'x',
          }),
        ),
      'ERR_JWT_CLAIM_INVALID',
    );
    const decryptNested = E.createDecrypter({
      key: rsa.privateKey,
      ...o({ nested: { key: issuer.publicKey, algorithms: ['EdDSA'], audience: 'api' } }),
    });
    const nested = await E.encryptNestedJwt(
      await E.signJwt({ n: 2 }, issuer.privateKey, { alg: 'EdDSA', audience: 'api' }),
      rsa.publicKey,
      { alg: 'RSA-OAEP-256', enc: 'A256GCM' },
    );
    const r = await decryptNested(nested);
    assert.equal(r.payload.n, 2);
    assert.equal(r.authenticated, true);
    await assertJoseErrorAsync(() => decryptNested(plain), 'ERR_JWT_NOT_NESTED');
    await assertJoseErrorAsync(() => decryptPlain(nested), 'ERR_JWT_NESTED');
    // Configuration errors surface when the decrypter is made, not per token.
    assertJoseError(
      () =>
        E.createDecrypter({
          key: rsa.privateKey,
          keyManagementAlgorithms: [] as never,
          contentEncryptionAlgorithms: ['A256GCM'],
        }),
      'ERR_OPTIONS_INVALID',
    );
    assertJoseError(
      () => E.createDecrypter({ key: undefined as never, ...o() }),
      'ERR_OPTIONS_INVALID',
    );
    // A nested key that does not fit: the Node.js core refuses it when the decrypter is made;
    // Web Crypto imports keys asynchronously, so it refuses the first token with the same code.
    await assertJoseErrorAsync(async () => {
      const d = E.createDecrypter({
        key: rsa.privateKey,
        ...o({ nested: { key: issuer.publicKey, algorithms: ['ES256'] } }),
      });
      await d(nested);
    }, 'ERR_KEY_INVALID');
  });

  test(`${E.name} F1/F2: encryptJwt keeps an own "__proto__" claim as data and refuses lone surrogates (shared claim builder)`, async () => {
    const rsa = rsaJwks();
    const claims = JSON.parse('{"__proto__":{"admin":true},"sub":"u1"}') as Record<string, unknown>;
    const token = await E.encryptJwt(claims, rsa.publicKey, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
    });
    const { payload } = await E.decryptJwt<Record<string, unknown>>(token, rsa.privateKey, o());
    assert.ok(Object.prototype.hasOwnProperty.call(payload, '__proto__'));
    assert.equal((payload as { admin?: unknown }).admin, undefined, 'no inherited claims');
    await assertJoseErrorAsync(
      async () =>
        await E.encryptJwt({ name: '\ud800' }, rsa.publicKey, {
          alg: 'RSA-OAEP-256',
          enc: 'A256GCM',
        }),
      'ERR_OPTIONS_INVALID',
    );
    await assertJoseErrorAsync(
      async () =>
        await E.encryptJwt({ iss: 42 } as unknown as Record<string, string>, rsa.publicKey, {
          alg: 'RSA-OAEP-256',
          enc: 'A256GCM',
        }),
      'ERR_OPTIONS_INVALID',
    );
  });
}
