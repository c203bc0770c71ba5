/**
 * docs/security.md#algorithms (A1–A4: algorithm selection).
 * Test names start with the case's label there.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import {
  createLocalKeySet,
  createVerifier,
  decodeUnsecuredJwt,
  encodeUnsecuredJwt,
  exportJwk,
  exportPem,
  importJwk,
  importPem,
  signFlattened,
  signGeneral,
  signJwt,
  verifyCompact,
  verifyFlattened,
  verifyGeneral,
  verifyJwt,
  type Jwk,
  type JwsAlg,
  type VerifyKey,
} from '../index.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import {
  b64,
  pair,
  rawSign,
  rawToken,
  SECRET,
  withSignature,
  type RawAlg,
} from '../test-support/tokens.js';
import { rfcExamples } from '../test-support/vectors.js';

const ADMIN = { sub: 'admin' };
const none = (alg: unknown) => `${b64(alg === undefined ? {} : { alg })}.${b64(ADMIN)}`;

/**
 * @see CVE-2015-9235 (jsonwebtoken < 4.2.2), CVE-2022-23540, GHSA-88q6-jcjg-hvmw, Authlib 1.6.0
 */
describe('A1 · alg: none in any spelling (docs/security.md#alg-none)', () => {
  test('alg none in every spelling and form is refused by every verify API', () => {
    const rsa = pair('rsa2048').publicKey;
    const algs: unknown[] = [
      'none',
      'None',
      'NONE',
      'nOnE',
      'none ',
      ' none',
      'none\u0000',
      null,
      ['none'],
      {},
      undefined,
      '',
      'HS256 ',
    ];
    for (const alg of algs) {
      const hp = none(alg);
      for (const token of [`${hp}.`, `${hp}.xyz`, `${hp}.${b64(rawSign('HS256', SECRET, hp))}`]) {
        for (const [key, algorithms] of [
          [SECRET, ['HS256']],
          [rsa, ['RS256']],
        ] as [VerifyKey, JwsAlg[]][]) {
          assertJoseError(() => verifyJwt(token, key, { algorithms }), 'ERR_ALG_NOT_ALLOWED', [
            token,
          ]);
          assertJoseError(() => verifyCompact(token, key, { algorithms }), 'ERR_ALG_NOT_ALLOWED', [
            token,
          ]);
          assertJoseError(() => createVerifier({ key, algorithms })(token), 'ERR_ALG_NOT_ALLOWED', [
            token,
          ]);
        }
      }
      // Two segments: not a JWS at all.
      assertJoseError(() => verifyJwt(hp, SECRET, { algorithms: ['HS256'] }), 'ERR_JWS_MALFORMED');
      const [p, pl] = hp.split('.');
      assertJoseError(
        () =>
          verifyFlattened({ protected: p!, payload: pl!, signature: '' }, SECRET, {
            algorithms: ['HS256'],
          }),
        'ERR_ALG_NOT_ALLOWED',
      );
    }
  });

  test('duplicate "alg" members (one of them none) are refused before alg is read', () => {
    for (const header of [
      '{"alg":"HS256","alg":"none"}',
      '{"alg":"none","alg":"HS256"}',
      '{"alg":"HS256","\\u0061lg":"none"}',
    ]) {
      const hp = `${b64(header)}.${b64(ADMIN)}`;
      const token = `${hp}.${b64(rawSign('HS256', SECRET, hp))}`;
      assertJoseError(
        () => verifyJwt(token, SECRET, { algorithms: ['HS256'] }),
        'ERR_JSON_DUPLICATE_MEMBER',
      );
    }
  });

  test('"none" can never be put in an allowlist', () => {
    for (const algorithms of [
      ['none'],
      ['HS256', 'none'],
      ['None'],
      [],
      undefined,
      'HS256',
      [null],
    ]) {
      assertJoseError(
        () => verifyJwt('a.b.c', SECRET, { algorithms: algorithms as JwsAlg[] }),
        'ERR_OPTIONS_INVALID',
      );
      assertJoseError(
        () => createVerifier({ key: SECRET, algorithms: algorithms as JwsAlg[] }),
        'ERR_OPTIONS_INVALID',
      );
    }
  });

  test('special case: a key is configured and the signature is empty → "signature required"', () => {
    const token = signJwt(ADMIN, SECRET, { alg: 'HS256' });
    const e = assertJoseError(
      () => verifyJwt(withSignature(token, ''), SECRET, { algorithms: ['HS256'] }),
      'ERR_SIGNATURE_INVALID',
    );
    assert.match(e.message, /signature required/);
    const es = signJwt(ADMIN, pair('p256').privateKey, { alg: 'ES256' });
    assertJoseError(
      () => verifyJwt(withSignature(es, ''), pair('p256').publicKey, { algorithms: ['ES256'] }),
      'ERR_SIGNATURE_INVALID',
    );
  });

  test('special case: the unsecured API refuses a token whose signature is present, or whose alg is not none', () => {
    const ok = encodeUnsecuredJwt(ADMIN);
    assert.deepEqual(decodeUnsecuredJwt(ok).payload, ADMIN);
    assertJoseError(() => decodeUnsecuredJwt(`${ok}xyz`), 'ERR_UNSECURED_JWT_INVALID');
    assertJoseError(() => decodeUnsecuredJwt(ok.slice(0, -1)), 'ERR_UNSECURED_JWT_INVALID');
    for (const alg of ['None', 'HS256', null, ' none']) {
      assertJoseError(() => decodeUnsecuredJwt(`${none(alg)}.`), 'ERR_UNSECURED_JWT_INVALID');
    }
    const hs = signJwt(ADMIN, SECRET, { alg: 'HS256' });
    assertJoseError(() => decodeUnsecuredJwt(hs), 'ERR_UNSECURED_JWT_INVALID');
    assertJoseError(
      () => decodeUnsecuredJwt(`${b64('{"alg":"none","alg":"none"}')}.${b64(ADMIN)}.`),
      'ERR_JSON_DUPLICATE_MEMBER',
    );
  });
});
/** @see CVE-2022-23540 (jsonwebtoken: a falsy key turned verification into alg none) */
describe('A1 · alg: none in any spelling (docs/security.md#alg-none)', () => {
  test('a falsy key never means "no signature needed"', () => {
    const token = `${none('none')}.`;
    for (const key of [null, undefined, '', 0, false]) {
      assertJoseError(
        () => verifyJwt(token, key as unknown as VerifyKey, { algorithms: ['HS256'] }),
        ['ERR_ALG_NOT_ALLOWED', 'ERR_KEY_INVALID'],
      );
      const signed = signJwt(ADMIN, SECRET, { alg: 'HS256' });
      assertJoseError(
        () => verifyJwt(signed, key as unknown as VerifyKey, { algorithms: ['HS256'] }),
        'ERR_KEY_INVALID',
      );
      assertJoseError(
        () => createVerifier({ key: key as unknown as VerifyKey, algorithms: ['HS256'] }),
        ['ERR_OPTIONS_INVALID', 'ERR_KEY_INVALID'],
      );
    }
  });
});
// ---- A2 -------------------------------------------------------------------------------------

const cert = (() => {
  const b = rfcExamples(7517).get('B').jwk as Jwk & { x5c: string[] };
  const der = Buffer.from(b.x5c[0]!, 'base64');
  const body = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return {
    jwk: b,
    x509: new X509Certificate(der),
    pem: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
  };
})();

/** Every text or byte form of a public key an attacker might MAC with. */
function keyTexts(pub: KeyObject, extraPem?: string): Map<string, Uint8Array> {
  const spki = exportPem(pub);
  const jwk = exportJwk(pub);
  const forms = new Map<string, string | Uint8Array>([
    ['SPKI PEM', spki],
    ['SPKI PEM without trailing newline', spki.trimEnd()],
    ['SPKI PEM with CRLF', spki.replace(/\n/g, '\r\n')],
    ['SPKI PEM with leading whitespace', `  \n${spki}`],
    ['SPKI PEM with a BOM', `\uFEFF${spki}`],
    ['SPKI PEM with a zero-width space', `\u200B${spki}`],
    ['SPKI PEM after a # comment line', `# issuer key\n${spki}`],
    [
      'SPKI PEM in an HTTP response',
      `HTTP/1.1 200 OK\r\nContent-Type: application/x-pem-file\r\n\r\n${spki}`,
    ],
    [
      'SPKI PEM in a PGP wrapper',
      `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${spki}-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n`,
    ],
    ['SPKI DER', pub.export({ format: 'der', type: 'spki' })],
    ['public JWK JSON', JSON.stringify(jwk)],
    ['public JWK JSON with newline', `${JSON.stringify(jwk)}\n`],
    ['JWKS JSON', JSON.stringify({ keys: [jwk] })],
  ]);
  if (pub.asymmetricKeyType === 'rsa') {
    const pkcs1 = pub.export({ format: 'pem', type: 'pkcs1' }) as string;
    forms.set('PKCS#1 PEM', pkcs1);
    forms.set('PKCS#1 PEM without newline', pkcs1.trimEnd());
    forms.set('PKCS#1 DER', pub.export({ format: 'der', type: 'pkcs1' }));
  }
  if (extraPem !== undefined) forms.set('X.509 certificate PEM', extraPem);
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of forms) out.set(k, typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
  return out;
}

/**
 * @see CVE-2015-9235, CVE-2016-10555, CVE-2022-23541, CVE-2023-48223, CVE-2023-48238, CVE-2024-54150,
 *      CVE-2024-37568, CVE-2022-29217, CVE-2024-33663, CVE-2026-34950, CVE-2026-107722, CVE-2026-107724
 */
describe('A2 · HS/RS key confusion (docs/security.md#key-confusion)', () => {
  test('HS256 MAC keyed with the SPKI PEM (and every other text of the public key) is refused', () => {
    const cases: [string, KeyObject, JwsAlg, string | undefined][] = [
      ['RSA', pair('rsa2048').publicKey, 'RS256', undefined],
      ['RSA certificate', cert.x509.publicKey, 'RS256', cert.pem],
      ['EC', pair('p256').publicKey, 'ES256', undefined],
      ['Ed25519', pair('ed25519').publicKey, 'EdDSA', undefined],
    ];
    let checked = 0;
    for (const [name, pub, asym, certPem] of cases) {
      const jwk = { ...exportJwk(pub), kid: 'k1' };
      const sources: [string, VerifyKey][] = [
        ['KeyObject', pub],
        ['JWK', jwk],
        ['JWK with no alg and no use', exportJwk(pub)],
        ['key set', createLocalKeySet({ keys: [jwk] })],
        ['resolver', () => pub],
        ['resolver returning a JWK', () => jwk],
      ];
      for (const [, bytes] of keyTexts(pub, certPem)) {
        for (const hs of ['HS256', 'HS384', 'HS512'] as const) {
          const token = rawToken({ alg: hs, kid: 'k1' }, ADMIN, hs as RawAlg, bytes);
          for (const [sourceName, source] of sources) {
            // The allowlist wrongly admits HS* next to the asymmetric alg: the key type still decides.
            const algorithms: JwsAlg[] = [asym, 'HS256', 'HS384', 'HS512'];
            assertJoseError(
              () => verifyJwt(token, source, { algorithms, allowWeakSecret: true }),
              ['ERR_KEY_INVALID', 'ERR_KEY_NOT_FOUND'],
              [token],
            );
            assertJoseError(
              () => verifyCompact(token, source, { algorithms }),
              ['ERR_KEY_INVALID', 'ERR_KEY_NOT_FOUND'],
            );
            checked++;
            void sourceName;
          }
          assertJoseError(
            () => createVerifier({ key: pub, algorithms: [asym, hs] })(token),
            'ERR_KEY_INVALID',
          );
          // With the allowlist right, alg is refused first.
          assertJoseError(
            () => verifyJwt(token, pub, { algorithms: [asym] }),
            'ERR_ALG_NOT_ALLOWED',
          );
        }
      }
      // A verifier that only allows HS* cannot even be built around a public key.
      assertJoseError(() => createVerifier({ key: pub, algorithms: ['HS256'] }), 'ERR_KEY_INVALID');
      assert.ok(name);
    }
    assert.ok(checked > 300, `checked ${checked} combinations`);
  });

  test('strings are never keys: a PEM or JWK text given as a string is refused, importPem refuses HS*', () => {
    const pub = pair('rsa2048').publicKey;
    const pem = exportPem(pub);
    const token = rawToken({ alg: 'HS256' }, ADMIN, 'HS256', Buffer.from(pem));
    for (const text of [pem, JSON.stringify(exportJwk(pub)), 'secret', 'x'.repeat(64)]) {
      assertJoseError(
        () => verifyJwt(token, text as unknown as VerifyKey, { algorithms: ['HS256'] }),
        'ERR_KEY_INVALID',
        [text],
      );
      assertJoseError(
        () => verifyJwt(token, () => text as unknown as Uint8Array, { algorithms: ['HS256'] }),
        'ERR_KEY_INVALID',
      );
      assertJoseError(
        () => signJwt(ADMIN, text as unknown as Uint8Array, { alg: 'HS256' }),
        'ERR_KEY_INVALID',
      );
    }
    for (const hs of ['HS256', 'HS384', 'HS512']) {
      assertJoseError(() => importPem(pem, hs), 'ERR_KEY_INVALID');
      assertJoseError(() => importPem(cert.pem, hs), 'ERR_KEY_INVALID');
    }
    // The same PEM for its real algorithm imports, and then still cannot verify HS256.
    const key = importPem(pem, 'RS256');
    assertJoseError(() => verifyJwt(token, key, { algorithms: ['HS256'] }), 'ERR_KEY_INVALID');
  });
});
/** @see CVE-2026-44699 (libjwt: an RSA JWK with no alg used as an empty-key HMAC) */
describe('A2 · HS/RS key confusion (docs/security.md#key-confusion)', () => {
  test('an RSA/EC/OKP JWK without alg is never an HMAC key, and a private key is no secret either', () => {
    for (const name of ['rsa2048', 'p256', 'ed25519']) {
      const { privateKey, publicKey } = pair(name);
      for (const k of [exportJwk(publicKey), exportJwk(privateKey)]) {
        assertJoseError(() => importJwk(k, 'HS256'), 'ERR_KEY_INVALID');
      }
      const token = rawToken({ alg: 'HS256' }, ADMIN, 'HS256', Buffer.alloc(32));
      assertJoseError(
        () => verifyJwt(token, privateKey, { algorithms: ['HS256'] }),
        'ERR_KEY_INVALID',
      );
      assertJoseError(() => signJwt(ADMIN, privateKey, { alg: 'HS256' }), 'ERR_KEY_INVALID');
    }
  });

  test("(documented) a Uint8Array holding PEM bytes is a byte secret by the caller's own choice", () => {
    const pem = Buffer.from(exportPem(pair('rsa2048').publicKey));
    const token = rawToken({ alg: 'HS256' }, ADMIN, 'HS256', pem);
    // The caller chose to pass bytes as an HMAC secret: Tessera cannot and does not guess otherwise.
    assert.equal(verifyJwt(token, pem, { algorithms: ['HS256'] }).payload['sub'], 'admin');
    // The typed public key refuses the same token.
    assertJoseError(
      () => verifyJwt(token, pair('rsa2048').publicKey, { algorithms: ['HS256', 'RS256'] }),
      'ERR_KEY_INVALID',
    );
  });
});
// ---- A3 -------------------------------------------------------------------------------------

/**
 * @see CVE-2022-23539 (jsonwebtoken DSA with RS256); fast-jwt secp256k1 → ES256; PyJWT 2.11 curve checks
 */
describe('A3 · The key must fit the algorithm exactly (docs/security.md#alg-key-fit)', () => {
  test('alg and key mismatches inside the asymmetric families are refused on sign and verify', () => {
    const cases: [JwsAlg, string, RawAlg | undefined][] = [
      ['ES256', 'p384', 'ES256'],
      ['ES256', 'k256', 'ES256'],
      ['ES256', 'p521', 'ES256'],
      ['ES384', 'p256', 'ES384'],
      ['ES512', 'p384', 'ES512'],
      ['ES256K', 'p256', 'ES256K'],
      ['RS256', 'dsa', undefined],
      ['RS256', 'p256', undefined],
      ['RS256', 'pss-sha256', 'PS256'],
      ['PS256', 'pss-sha512', 'PS256'],
      ['PS512', 'pss-sha256', 'PS512'],
      ['PS256', 'pss-sha256-salt64', undefined],
      ['Ed25519', 'ed448', 'EdDSA'],
      ['EdDSA', 'p256', undefined],
      ['ES256', 'ed25519', undefined],
      ['ES256', 'rsa2048', undefined],
    ];
    for (const [alg, keyName, raw] of cases) {
      const { privateKey, publicKey } = pair(keyName);
      assertJoseError(() => signJwt(ADMIN, privateKey, { alg }), 'ERR_KEY_INVALID');
      assertJoseError(
        () => signJwt(ADMIN, exportJwk(privateKey), { alg }),
        ['ERR_KEY_INVALID', 'ERR_JWK_INVALID'],
      );
      // A token that really is signed with that key under the alg's primitive, where one exists.
      let token = rawToken({ alg }, ADMIN, 'HS256', SECRET);
      if (raw !== undefined) {
        try {
          token = rawToken({ alg }, ADMIN, raw, privateKey);
        } catch {
          // node:crypto refuses some pairings itself (e.g. PS512 with a SHA-256-bound key).
        }
      }
      assertJoseError(() => verifyJwt(token, publicKey, { algorithms: [alg] }), 'ERR_KEY_INVALID', [
        token,
      ]);
      assertJoseError(
        () => createVerifier({ key: publicKey, algorithms: [alg] }),
        'ERR_KEY_INVALID',
      );
      let jwk: Jwk | undefined;
      try {
        jwk = exportJwk(publicKey);
      } catch {
        jwk = undefined; // DSA has no JWK form
      }
      if (jwk !== undefined) {
        assertJoseError(
          () => verifyJwt(token, jwk, { algorithms: [alg] }),
          ['ERR_KEY_INVALID', 'ERR_JWK_INVALID'],
        );
        assertJoseError(
          () => verifyJwt(token, createLocalKeySet({ keys: [jwk] }), { algorithms: [alg] }),
          ['ERR_KEY_INVALID', 'ERR_KEY_NOT_FOUND', 'ERR_JWK_INVALID'],
        );
      }
    }
  });

  test('positive controls: each alg with its own key signs and verifies (PS256 with a SHA-256 RSA-PSS key too)', () => {
    const cases: [JwsAlg, string][] = [
      ['ES256', 'p256'],
      ['ES384', 'p384'],
      ['ES512', 'p521'],
      ['ES256K', 'k256'],
      ['RS256', 'rsa2048'],
      ['PS256', 'rsa2048'],
      ['PS256', 'pss-sha256'],
      ['PS512', 'pss-sha512'],
      ['EdDSA', 'ed25519'],
      ['EdDSA', 'ed448'],
      ['Ed25519', 'ed25519'],
    ];
    for (const [alg, name] of cases) {
      const { privateKey, publicKey } = pair(name);
      const token = signJwt(ADMIN, privateKey, { alg });
      assert.equal(
        verifyJwt(token, publicKey, { algorithms: [alg] }).payload['sub'],
        'admin',
        `${alg} ${name}`,
      );
    }
  });
});
// ---- A4 -------------------------------------------------------------------------------------

/** @see GHSA-5739-39v2-5754, GHSA-jc38-x7x8-2xc8 (web-token/jwt-framework 3.4.10) */
describe('A4 · alg comes from the protected header only (docs/security.md#protected-alg)', () => {
  test('alg in the unprotected header never overrides or replaces the protected one', () => {
    const { privateKey, publicKey } = pair('rsa2048');
    const good = signFlattened('hello', privateKey, { alg: 'RS256' });
    assert.ok(verifyFlattened(good, publicKey, { algorithms: ['RS256'] }));
    // Protected RS256, unprotected HS256: names must be disjoint.
    assertJoseError(
      () =>
        verifyFlattened({ ...good, header: { alg: 'HS256' } }, SECRET, {
          algorithms: ['HS256', 'RS256'],
        }),
      'ERR_HEADER_INVALID',
    );
    // alg only in the unprotected header: no protected header at all, or one without alg.
    const payload = b64('hello');
    const mac = (prot: string) => b64(rawSign('HS256', SECRET, `${prot}.${payload}`));
    assertJoseError(
      () =>
        verifyFlattened({ payload, header: { alg: 'HS256' }, signature: mac('') }, SECRET, {
          algorithms: ['HS256'],
        }),
      'ERR_JWS_MALFORMED',
    );
    const prot = b64({ kid: 'k' });
    assertJoseError(
      () =>
        verifyFlattened(
          { payload, protected: prot, header: { alg: 'HS256' }, signature: mac(prot) },
          SECRET,
          { algorithms: ['HS256'] },
        ),
      'ERR_HEADER_INVALID',
    );
    // Any other shared name is refused too.
    const kidBoth = signFlattened('hello', SECRET, { alg: 'HS256', kid: 'a' });
    assertJoseError(
      () =>
        verifyFlattened({ ...kidBoth, header: { kid: 'a' } }, SECRET, { algorithms: ['HS256'] }),
      'ERR_HEADER_INVALID',
    );
    // The general serialization applies the same rule per signature.
    const general = signGeneral('hello', [{ key: privateKey, alg: 'RS256' }]);
    const sig0 = general.signatures[0]!;
    assertJoseError(
      () =>
        verifyGeneral({ ...general, signatures: [{ ...sig0, header: { alg: 'HS256' } }] }, SECRET, {
          algorithms: ['HS256', 'RS256'],
        }),
      'ERR_HEADER_INVALID',
    );
    // The signer refuses to put alg (or crit/b64) in the unprotected header.
    assertJoseError(
      () => signFlattened('x', SECRET, { alg: 'HS256', unprotectedHeader: { alg: 'HS256' } }),
      'ERR_OPTIONS_INVALID',
    );
    assert.equal(createPublicKey(privateKey).type, 'public');
  });
});
