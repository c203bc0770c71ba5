/**
 * docs/security.md#keys (C1–C7: keys; #key-urls and #kid as far as they apply without a network).
 * Test names start with the case's label there.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import {
  randomBytes,
  createPublicKey,
  createSecretKey,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import {
  createLocalKeySet,
  createSigner,
  createVerifier,
  exportJwk,
  exportPem,
  generateKeyPair,
  generateSecret,
  importJwk,
  importPem,
  signJwt,
  verifyCompact,
  verifyJwt,
  type Jwk,
  type JwsAlg,
  type KeyLookup,
  type VerifyKey,
} from '../index.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import { ENTRIES, outcome } from '../test-support/entries.js';
import {
  b64,
  pair,
  rawSign,
  rawToken,
  SECRET,
  signatureOf,
  withSignature,
} from '../test-support/tokens.js';

const CLAIMS = { sub: 'alice' };
const NOW0 = new Date();
const HS = { algorithms: ['HS256'] as JwsAlg[] };

/** @see CVE-2026-44351 / GHSA-8wpc-h4q6-8fxv (fast-jwt), CVE-2026-45363 (ruby-jwt), CVE-2026-44699, CVE-2022-23540 */
describe('C1 · Empty or missing HMAC secret (docs/security.md#empty-secret)', () => {
  test('an empty or missing HMAC secret is refused at configuration time and never used', () => {
    const empty = [
      Buffer.alloc(0),
      new Uint8Array(0),
      '',
      null,
      undefined,
      createSecretKey(Buffer.alloc(0)),
      { kty: 'oct', k: '' },
    ];
    const emptyMac = rawToken({ alg: 'HS256' }, { sub: 'admin' }, 'HS256', Buffer.alloc(0));
    for (const key of empty) {
      // a) configuration time
      assertJoseError(
        () => createVerifier({ key: key as VerifyKey, algorithms: ['HS256'] }),
        ['ERR_OPTIONS_INVALID', 'ERR_KEY_INVALID', 'ERR_JWK_INVALID'],
      );
      assertJoseError(
        () => createSigner({ key: key as Uint8Array, alg: 'HS256' }),
        ['ERR_KEY_INVALID', 'ERR_JWK_INVALID'],
      );
      // d) a token MACed under '' is refused, whatever the empty key looks like
      assertJoseError(
        () => verifyJwt(emptyMac, key as VerifyKey, HS),
        ['ERR_KEY_INVALID', 'ERR_JWK_INVALID'],
      );
      assertJoseError(
        () => signJwt(CLAIMS, key as Uint8Array, { alg: 'HS256' }),
        ['ERR_KEY_INVALID', 'ERR_JWK_INVALID'],
      );
    }
    // d) with a real key configured, the empty-key MAC simply does not verify.
    assertJoseError(() => verifyJwt(emptyMac, SECRET, HS), 'ERR_SIGNATURE_INVALID');
  });

  test('b-c) a resolver that returns an empty key (keys[kid] || \'\', /dev/null) means "key not found"', () => {
    const keys: Record<string, Uint8Array> = { good: SECRET };
    const token = rawToken(
      { alg: 'HS256', kid: 'unknown' },
      { sub: 'admin' },
      'HS256',
      Buffer.alloc(0),
    );
    const resolvers: ((l: KeyLookup) => unknown)[] = [
      (l) => keys[l.kid ?? ''] || '',
      (l) => keys[l.kid ?? ''] ?? Buffer.alloc(0),
      () => readFileSync('/dev/null'),
      () => undefined,
      () => null,
    ];
    for (const r of resolvers) {
      assertJoseError(() => verifyJwt(token, r as VerifyKey, HS), 'ERR_KEY_NOT_FOUND');
      assertJoseError(
        () => createVerifier({ key: r as VerifyKey, algorithms: ['HS256'] })(token),
        'ERR_KEY_NOT_FOUND',
      );
    }
    const traversal = rawToken(
      { alg: 'HS256', kid: '../../../../dev/null' },
      { sub: 'admin' },
      'HS256',
      Buffer.alloc(0),
    );
    assertJoseError(
      () => verifyJwt(traversal, () => readFileSync('/dev/null'), HS),
      'ERR_KEY_NOT_FOUND',
    );
    // The good kid still works through the same resolver.
    const good = signJwt(CLAIMS, SECRET, { alg: 'HS256', kid: 'good' });
    assert.equal(
      verifyJwt(good, ((l: KeyLookup) => keys[l.kid ?? ''] || '') as VerifyKey, HS).payload.sub,
      'alice',
    );
  });
});
/** @see RFC 7518 §3.2, RFC 8725 §3.5, CVE-2023-37266 (CasaOS); counterpoint CVE-2025-45767 (disputed) */
describe('C2 · Secrets shorter than the hash (docs/security.md#weak-secret)', () => {
  test('HMAC secrets shorter than the hash output are refused unless allowWeakSecret is set', () => {
    const weak: [JwsAlg, Uint8Array][] = [
      ['HS256', Buffer.from('secret')],
      ['HS256', Buffer.from('changeme')],
      ['HS256', randomBytes(8)],
      ['HS256', randomBytes(31)],
      ['HS384', randomBytes(47)],
      ['HS512', randomBytes(32)],
      ['HS512', randomBytes(63)],
    ];
    for (const [alg, secret] of weak) {
      const o = { algorithms: [alg] };
      assertJoseError(() => createVerifier({ key: secret, ...o }), 'ERR_KEY_TOO_WEAK');
      assertJoseError(() => createSigner({ key: secret, alg }), 'ERR_KEY_TOO_WEAK');
      assertJoseError(() => signJwt(CLAIMS, secret, { alg }), 'ERR_KEY_TOO_WEAK');
      assertJoseError(() => signJwt(CLAIMS, createSecretKey(secret), { alg }), 'ERR_KEY_TOO_WEAK');
      assertJoseError(() => signJwt(CLAIMS, exportJwk(secret), { alg }), 'ERR_KEY_TOO_WEAK');
      const token = rawToken({ alg }, CLAIMS, alg as 'HS256', secret);
      assertJoseError(() => verifyJwt(token, secret, o), 'ERR_KEY_TOO_WEAK', [
        Buffer.from(secret).toString('latin1'),
      ]);
      // The explicit escape hatch, on both sides.
      const t = signJwt(CLAIMS, secret, { alg, allowWeakSecret: true });
      assert.equal(verifyJwt(t, secret, { ...o, allowWeakSecret: true }).payload.sub, 'alice');
      assert.equal(
        createVerifier({ key: secret, ...o, allowWeakSecret: true })(token).payload.sub,
        'alice',
      );
    }
    // Exactly the hash length is enough; generateSecret makes keys of that length.
    for (const [alg, n] of [
      ['HS256', 32],
      ['HS384', 48],
      ['HS512', 64],
    ] as const) {
      const k = randomBytes(n);
      assert.equal(
        verifyJwt(signJwt(CLAIMS, k, { alg }), k, { algorithms: [alg] }).payload.sub,
        'alice',
      );
      assert.equal(generateSecret(alg).symmetricKeySize, n);
    }
  });
});
/** @see RFC 7518 §3.3; jsonwebtoken v9 allowInsecureKeySizes (sign only); jose checkModulusLength */
describe('C3 · RSA keys under 2048 bits (docs/security.md#rsa-size)', () => {
  test('RSA keys under 2048 bits are refused on sign and on verify, with an explicit override', () => {
    for (const name of ['rsa1024', 'rsa512']) {
      const { privateKey, publicKey } = pair(name);
      for (const alg of ['RS256', 'PS256'] as JwsAlg[]) {
        if (name === 'rsa512' && alg === 'PS256') continue; // PSS with a SHA-256 salt needs > 512 bits
        const o = { algorithms: [alg] };
        assertJoseError(() => signJwt(CLAIMS, privateKey, { alg }), 'ERR_KEY_TOO_WEAK');
        assertJoseError(() => createSigner({ key: privateKey, alg }), 'ERR_KEY_TOO_WEAK');
        const token = signJwt(CLAIMS, privateKey, { alg, allowInsecureKeySize: true });
        assertJoseError(() => verifyJwt(token, publicKey, o), 'ERR_KEY_TOO_WEAK');
        assertJoseError(() => createVerifier({ key: publicKey, ...o }), 'ERR_KEY_TOO_WEAK');
        assertJoseError(() => verifyJwt(token, exportJwk(publicKey), o), 'ERR_KEY_TOO_WEAK');
        // From a JWKS, too.
        const set = createLocalKeySet({ keys: [{ ...exportJwk(publicKey), kid: 'small' }] });
        assertJoseError(() => verifyJwt(token, set, o), 'ERR_KEY_TOO_WEAK');
        // The named override works on both sides.
        assert.equal(
          verifyJwt(token, publicKey, { ...o, allowInsecureKeySize: true }).payload.sub,
          'alice',
        );
        assert.equal(
          verifyJwt(token, set, { ...o, allowInsecureKeySize: true }).payload.sub,
          'alice',
        );
      }
      assertJoseError(() => importJwk(exportJwk(publicKey), 'RS256'), 'ERR_KEY_TOO_WEAK');
      assertJoseError(() => importPem(exportPem(publicKey), 'RS256'), 'ERR_KEY_TOO_WEAK');
      assert.equal(
        importPem(exportPem(publicKey), 'RS256', { allowInsecureKeySize: true }).type,
        'public',
      );
    }
    assertJoseError(() => generateKeyPair('RS256', { modulusLength: 1024 }), 'ERR_OPTIONS_INVALID');
    // Even with the override, a key too small for the digest gives a typed error, not OpenSSL's.
    for (const alg of ['PS512', 'PS256', 'RS512'] as JwsAlg[]) {
      assertJoseError(
        () => signJwt(CLAIMS, pair('rsa512').privateKey, { alg, allowInsecureKeySize: true }),
        'ERR_KEY_TOO_WEAK',
      );
    }
    // 2048 bits is enough.
    const { privateKey, publicKey } = pair('rsa2048');
    assert.ok(
      verifyJwt(signJwt(CLAIMS, privateKey, { alg: 'PS256' }), publicKey, {
        algorithms: ['PS256'],
      }),
    );
  });
});
const hex = (h: string) => Buffer.from(h, 'hex');
const Z31 = '00'.repeat(31);
// Ed25519 small-order points (canonical and with the sign bit), non-canonical encodings (y >= p).
const ED25519_WEAK: [string, string][] = [
  ['identity (order 1)', `01${Z31}`],
  ['identity with sign bit', `01${'00'.repeat(30)}80`],
  ['all-zero bytes (order 4)', `00${Z31}`],
  ['order 4 with sign bit', `${'00'.repeat(31)}80`],
  ['order 2 (y = -1)', `ec${'ff'.repeat(30)}7f`],
  ['order 8', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'],
  ['order 8 with sign bit', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'],
  ['order 8 (other)', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
  [
    'order 8 (other) with sign bit',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  ],
  ['non-canonical 0 (y = p)', `ed${'ff'.repeat(30)}7f`],
  ['non-canonical 1 (y = p + 1)', `ee${'ff'.repeat(30)}7f`],
  ['non-canonical y = 2^255 - 1', `${'ff'.repeat(31)}7f`],
];

/**
 * @see Node.js PR #64026 (0908d76, "reject small-order EdDSA points during verify"), fixes #54572;
 *      WICG/webcrypto-secure-curves 36c0f23; WPT eddsa_small_order_points; Wycheproof ed25519_test.json
 */
describe('C4 · Ed25519 and Ed448 small-order or non-canonical points (docs/security.md#eddsa-small-order)', () => {
  test('Ed25519 small-order and non-canonical public keys are refused at import and at use', () => {
    for (const [name, x] of ED25519_WEAK) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: hex(x).toString('base64url') };
      assertJoseError(() => importJwk(jwk), 'ERR_JWK_INVALID');
      assertJoseError(() => importJwk(jwk, 'EdDSA'), 'ERR_JWK_INVALID');
      assertJoseError(
        () => verifyJwt('e30.e30.AA', { ...jwk, kid: 'k' } as Jwk, { algorithms: ['EdDSA'] }),
        ['ERR_JWK_INVALID', 'ERR_ALG_NOT_ALLOWED'],
      );
      const set = createLocalKeySet({ keys: [{ ...jwk, kid: 'k' }] });
      const token = `${b64({ alg: 'EdDSA', kid: 'k' })}.${b64({ sub: 'admin' })}.${Buffer.concat([hex(`01${Z31}`), Buffer.alloc(32)]).toString('base64url')}`;
      assertJoseError(
        () => verifyJwt(token, set, { algorithms: ['EdDSA'] }),
        ['ERR_JWK_INVALID', 'ERR_KEY_NOT_FOUND'],
        [token],
      );
      // A KeyObject made by node:crypto directly (which accepts these points) is refused at use.
      let key: KeyObject | undefined;
      try {
        key = createPublicKey({ key: jwk, format: 'jwk' });
      } catch {
        key = undefined; // this OpenSSL refuses the encoding itself
      }
      if (key !== undefined) {
        assertJoseError(() => verifyJwt(token, key, { algorithms: ['EdDSA'] }), 'ERR_KEY_INVALID');
        assertJoseError(
          () => createVerifier({ key, algorithms: ['EdDSA', 'Ed25519'] }),
          'ERR_KEY_INVALID',
        );
        assertJoseError(() => importPem(exportPem(key), 'EdDSA'), 'ERR_KEY_INVALID');
      }
      assert.ok(name);
    }
  });

  test("the (A = identity, R = identity, S = 0) triple is refused although this Node's OpenSSL accepts it", () => {
    const identity = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: hex(`01${Z31}`).toString('base64url') },
      format: 'jwk',
    });
    const sig = Buffer.concat([hex(`01${Z31}`), Buffer.alloc(32)]);
    const hp = `${b64({ alg: 'EdDSA' })}.${b64({ sub: 'admin' })}`;
    const nodeAccepts = nodeVerify(null, Buffer.from(hp), identity, sig);
    // Informational: Node 20 (OpenSSL 3.0) says true; newer Node releases reject small-order points.
    assert.equal(typeof nodeAccepts, 'boolean');
    assertJoseError(
      () => verifyJwt(`${hp}.${sig.toString('base64url')}`, identity, { algorithms: ['EdDSA'] }),
      'ERR_KEY_INVALID',
    );
    assertJoseError(
      () =>
        verifyCompact(`${hp}.${sig.toString('base64url')}`, identity, { algorithms: ['EdDSA'] }),
      'ERR_KEY_INVALID',
    );
  });

  test('Ed25519 signatures with a small-order or non-canonical R, or S >= L, are refused with a good key', () => {
    const { privateKey, publicKey } = pair('ed25519');
    const token = signJwt(CLAIMS, privateKey, { alg: 'EdDSA' });
    assert.ok(verifyJwt(token, publicKey, { algorithms: ['EdDSA'] }));
    const sig = signatureOf(token);
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    const le = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
    const S = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`);
    const forged: [string, Uint8Array][] = [
      ['S + L (same value mod L)', Buffer.concat([sig.subarray(0, 32), le(S + L)])],
      ['S = L', Buffer.concat([sig.subarray(0, 32), le(L)])],
      ['R = identity, S = 0', Buffer.concat([hex(`01${Z31}`), Buffer.alloc(32)])],
      ['63 bytes', sig.subarray(0, 63)],
      ['65 bytes', Buffer.concat([sig, Buffer.alloc(1)])],
    ];
    for (const [, x] of ED25519_WEAK)
      forged.push([`R = ${x}`, Buffer.concat([hex(x), sig.subarray(32)])]);
    for (const [name, bytes] of forged) {
      assertJoseError(
        () => verifyJwt(withSignature(token, bytes), publicKey, { algorithms: ['EdDSA'] }),
        'ERR_SIGNATURE_INVALID',
      );
      assert.ok(name);
    }
  });

  test('Ed448: the small-order identity key and a signature with a non-zero last byte are refused', () => {
    const x = Buffer.alloc(57);
    x[0] = 1;
    assertJoseError(
      () => importJwk({ kty: 'OKP', crv: 'Ed448', x: x.toString('base64url') }),
      'ERR_JWK_INVALID',
    );
    const { privateKey, publicKey } = pair('ed448');
    const token = signJwt(CLAIMS, privateKey, { alg: 'EdDSA' });
    assert.ok(verifyJwt(token, publicKey, { algorithms: ['EdDSA'] }));
    const sig = Buffer.from(signatureOf(token));
    sig[113] = 1;
    assertJoseError(
      () => verifyJwt(withSignature(token, sig), publicKey, { algorithms: ['EdDSA'] }),
      'ERR_SIGNATURE_INVALID',
    );
  });
});
/** @see CVE-2018-0114 (Cisco node-jose < 0.11.0), jose EmbeddedJWK (opt-in) */
describe('C5 · Keys carried in the header (docs/security.md#embedded-keys)', () => {
  test('an embedded jwk / x5c header never selects or supplies the key', () => {
    const attacker = pair('rsa2048b');
    const victim = pair('rsa2048');
    const header = {
      alg: 'RS256',
      jwk: exportJwk(attacker.publicKey),
      x5c: ['MIIB'],
      kid: 'issuer-1',
    };
    const token = rawToken(header, { sub: 'admin' }, 'RS256', attacker.privateKey);
    const o = { algorithms: ['RS256'] as JwsAlg[] };
    assertJoseError(() => verifyJwt(token, victim.publicKey, o), 'ERR_SIGNATURE_INVALID', [token]);
    const set = createLocalKeySet({ keys: [{ ...exportJwk(victim.publicKey), kid: 'issuer-1' }] });
    assertJoseError(() => verifyJwt(token, set, o), 'ERR_SIGNATURE_INVALID');
    // A resolver sees only alg and kid: never the embedded key.
    const seen: KeyLookup[] = [];
    assertJoseError(
      () => verifyJwt(token, (l) => (seen.push(l), victim.publicKey), o),
      'ERR_SIGNATURE_INVALID',
    );
    assert.deepEqual(
      seen.map((l) => Object.keys(l).sort()),
      [['alg', 'kid']],
    );
    assert.deepEqual({ ...seen[0] }, { alg: 'RS256', kid: 'issuer-1' });
    // An embedded oct key with HS256 is no better.
    const hs = rawToken(
      { alg: 'HS256', jwk: { kty: 'oct', k: Buffer.from(SECRET).toString('base64url') } },
      { sub: 'admin' },
      'HS256',
      SECRET,
    );
    assertJoseError(
      () => verifyJwt(hs, victim.publicKey, { algorithms: ['HS256', 'RS256'] }),
      'ERR_KEY_INVALID',
    );
    // The embedded key is left in the returned header for the application to inspect, untrusted.
    const signedByVictim = rawToken(header, { sub: 'alice' }, 'RS256', victim.privateKey);
    assert.deepEqual(
      verifyJwt(signedByVictim, victim.publicKey, o).protectedHeader.jwk,
      header.jwk,
    );
  });
});
/** @see PortSwigger 00200904 / 00200905, RFC 8725 §2.9, CVE-2026-48522, CVE-2026-102267, CVE-2025-30144 */
describe('C6 · jku and x5u are never fetched (docs/security.md#key-urls)', () => {
  test('jku and x5u are never fetched or trusted', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end(JSON.stringify({ keys: [] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const realFetch = globalThis.fetch;
    let fetches = 0;
    globalThis.fetch = (async () => {
      fetches++;
      throw new Error('no fetch expected');
    }) as typeof fetch;
    try {
      const { port } = server.address() as { port: number };
      const attacker = pair('p256b');
      const victim = pair('p256');
      const urls = [
        `http://127.0.0.1:${port}/jwks.json`,
        'https://attacker.example/jwks.json',
        'file:///etc/passwd',
        'http://169.254.169.254/latest/meta-data/',
      ];
      for (const url of urls) {
        for (const header of [
          { alg: 'ES256', jku: url, kid: 'k' },
          { alg: 'ES256', x5u: url, kid: 'k' },
        ]) {
          const forged = rawToken(header, { sub: 'admin' }, 'ES256', attacker.privateKey);
          assertJoseError(
            () => verifyJwt(forged, victim.publicKey, { algorithms: ['ES256'] }),
            'ERR_SIGNATURE_INVALID',
          );
          const set = createLocalKeySet({ keys: [{ ...exportJwk(victim.publicKey), kid: 'k' }] });
          assertJoseError(
            () => verifyJwt(forged, set, { algorithms: ['ES256'] }),
            'ERR_SIGNATURE_INVALID',
          );
          // A genuine token that happens to carry jku verifies with the configured key, still without a fetch.
          const genuine = rawToken(header, { sub: 'alice' }, 'ES256', victim.privateKey);
          assert.equal(verifyJwt(genuine, set, { algorithms: ['ES256'] }).payload.sub, 'alice');
        }
      }
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(fetches, 0);
      assert.equal(hits, 0);
    } finally {
      globalThis.fetch = realFetch;
      await new Promise((r) => server.close(r));
    }
  });
});
/** @see RFC 8725 §2.9 and §3.10; jwks-rsa rate limiting; jose cooldownDuration */
describe('C7 · kid is an opaque, bounded string (docs/security.md#kid)', () => {
  test('kid injection: kid is an opaque bounded string used only for exact lookup', () => {
    const es = pair('p256');
    const set = createLocalKeySet({
      keys: [
        { ...exportJwk(es.publicKey), kid: 'k1' },
        { kty: 'oct', k: Buffer.from(SECRET).toString('base64url'), kid: 'hmac' },
      ],
    });
    const o = { algorithms: ['ES256', 'HS256'] as JwsAlg[] };
    const injections: [string, Uint8Array][] = [
      ['../../../../dev/null', Buffer.alloc(0)],
      ['../../public/known.css', Buffer.from('body { color: red }\n')],
      ["x' UNION SELECT 'k'--", Buffer.from('k')],
      ['key|id', SECRET],
      ['$(id)', SECRET],
      ['k1 ', SECRET],
      ['K1', SECRET],
      ['hmac', SECRET],
    ];
    for (const [kid, mac] of injections) {
      const t = rawToken({ alg: 'HS256', kid }, { sub: 'admin' }, 'HS256', mac);
      // HMAC keys never come out of a key set, and no kid names a file, a row or a command.
      assertJoseError(() => verifyJwt(t, set, o), 'ERR_KEY_NOT_FOUND', [t]);
      const seen: (string | undefined)[] = [];
      assertJoseError(
        () => verifyJwt(t, (l) => (seen.push(l.kid), undefined), o),
        'ERR_KEY_NOT_FOUND',
      );
      assert.deepEqual(seen, [kid], 'the resolver gets the kid exactly as sent');
      const es256 = rawToken({ alg: 'ES256', kid }, { sub: 'admin' }, 'ES256', es.privateKey);
      assertJoseError(() => verifyJwt(es256, set, o), 'ERR_KEY_NOT_FOUND');
    }
    // Only the exact kid matches.
    assert.equal(
      verifyJwt(rawToken({ alg: 'ES256', kid: 'k1' }, CLAIMS, 'ES256', es.privateKey), set, o)
        .payload.sub,
      'alice',
    );
    // kid of the wrong type, or too long.
    for (const kid of [1, 0, {}, ['k1'], null, true, 'x'.repeat(257)]) {
      const t = rawToken({ alg: 'ES256', kid }, CLAIMS, 'ES256', es.privateKey);
      assertJoseError(() => verifyJwt(t, set, o), 'ERR_HEADER_INVALID');
      assertJoseError(() => verifyJwt(t, es.publicKey, o), 'ERR_HEADER_INVALID');
    }
    const mb = rawToken({ alg: 'ES256', kid: 'x'.repeat(1 << 20) }, CLAIMS, 'ES256', es.privateKey);
    assertJoseError(() => verifyJwt(mb, set, o), 'ERR_TOKEN_TOO_LARGE');
    assertJoseError(
      () => verifyJwt(mb, set, { ...o, maxTokenLength: 4 << 20 }),
      'ERR_HEADER_INVALID',
    );
    assertJoseError(
      () => signJwt(CLAIMS, es.privateKey, { alg: 'ES256', kid: 'x'.repeat(257) }),
      ['ERR_HEADER_INVALID', 'ERR_OPTIONS_INVALID'],
    );
    // Unknown random kids at a high rate: each one is a fast "not found", with no I/O.
    const started = Date.now();
    const verify = createVerifier({ key: set, algorithms: ['ES256'] });
    const hp = (kid: string) => `${b64({ alg: 'ES256', kid })}.${b64(CLAIMS)}`;
    for (let i = 0; i < 2000; i++) {
      const h = hp(randomBytes(9).toString('base64url'));
      assertJoseError(
        () => verify(`${h}.${b64(rawSign('ES256', es.privateKey, h))}`),
        'ERR_KEY_NOT_FOUND',
      );
    }
    assert.ok(Date.now() - started < 10_000);
  });
});

/**
 * C1-C7 as one table on both entries: each case is a call with keys both accept (JWKs, bytes,
 * resolvers, local key sets), and the Node.js core and the Web Crypto entry must answer with the
 * same error class and code (or the same result).
 */
describe('C1-C7 · the key refusals, the same on both entries', () => {
  test('weak, empty, small, small-order, embedded, confused and resolver keys', async () => {
    const jwk = (k: KeyObject) => exportJwk(k);
    const rsa1024 = pair('rsa1024');
    const rsa = pair('rsa2048');
    const attacker = pair('rsa2048b');
    const es = pair('p256');
    const ed = pair('ed25519');
    const weak = randomBytes(31);
    const oct = (b: Uint8Array): Jwk => ({ kty: 'oct', k: b64(b) });
    const small = signJwt(CLAIMS, rsa1024.privateKey, { alg: 'RS256', allowInsecureKeySize: true });
    const smallPs = signJwt(CLAIMS, rsa1024.privateKey, {
      alg: 'PS256',
      allowInsecureKeySize: true,
    });
    const weakToken = rawToken({ alg: 'HS256' }, CLAIMS, 'HS256', weak);
    const emptyMac = rawToken({ alg: 'HS256', kid: 'x' }, CLAIMS, 'HS256', Buffer.alloc(0));
    const edToken = rawToken({ alg: 'EdDSA' }, CLAIMS, 'EdDSA', ed.privateKey);
    const embedded = rawToken(
      { alg: 'RS256', jwk: jwk(attacker.publicKey), kid: 'issuer-1' },
      { sub: 'admin' },
      'RS256',
      attacker.privateKey,
    );
    const o = (alg: JwsAlg, extra: object = {}) => ({ algorithms: [alg], ...extra });
    type Run = (E: (typeof ENTRIES)[number]) => Promise<unknown>;
    const cases: [string, Run][] = [
      ['C1 empty bytes, verify', (E) => E.verifyJwt(emptyMac, new Uint8Array(0), HS)],
      ['C1 empty oct JWK, verify', (E) => E.verifyJwt(emptyMac, { kty: 'oct', k: '' }, HS)],
      ['C1 null key, verify', (E) => E.verifyJwt(emptyMac, null as never, HS)],
      ['C1 empty bytes, sign', (E) => E.signJwt(CLAIMS, new Uint8Array(0), { alg: 'HS256' })],
      ['C1 resolver gives ""', (E) => E.verifyJwt(emptyMac, (() => '') as never, HS)],
      ['C1 resolver gives []', (E) => E.verifyJwt(emptyMac, () => new Uint8Array(0), HS)],
      ['C1 resolver gives nothing', (E) => E.verifyJwt(emptyMac, () => undefined, HS)],
      ['C1 real key, empty MAC', (E) => E.verifyJwt(emptyMac, SECRET, HS)],
      ['C2 31-byte secret, verify', (E) => E.verifyJwt(weakToken, weak, HS)],
      ['C2 31-byte JWK, verify', (E) => E.verifyJwt(weakToken, oct(weak), HS)],
      ['C2 31-byte secret, sign', (E) => E.signJwt(CLAIMS, weak, { alg: 'HS256' })],
      ['C2 48-byte secret, HS512', (E) => E.signJwt(CLAIMS, randomBytes(48), { alg: 'HS512' })],
      [
        'C2 opted in',
        (E) => E.verifyJwt(weakToken, weak, { ...HS, allowWeakSecret: true, currentDate: NOW0 }),
      ],
      ['C3 RSA 1024 RS256 verify', (E) => E.verifyJwt(small, jwk(rsa1024.publicKey), o('RS256'))],
      ['C3 RSA 1024 PS256 verify', (E) => E.verifyJwt(smallPs, jwk(rsa1024.publicKey), o('PS256'))],
      ['C3 RSA 1024 sign', (E) => E.signJwt(CLAIMS, jwk(rsa1024.privateKey), { alg: 'RS256' })],
      [
        'C3 RSA 1024 from a key set',
        (E) =>
          E.verifyJwt(small, E.createLocalKeySet({ keys: [jwk(rsa1024.publicKey)] }), o('RS256')),
      ],
      [
        'C3 RSA 1024 opted in',
        (E) =>
          E.verifyJwt(small, jwk(rsa1024.publicKey), o('RS256', { allowInsecureKeySize: true })),
      ],
      ...ED25519_WEAK.map(([name, x]): [string, Run] => [
        `C4 Ed25519 ${name}`,
        (E) => E.verifyJwt(edToken, { kty: 'OKP', crv: 'Ed25519', x: b64(hex(x)) }, o('EdDSA')),
      ]),
      ['C5 embedded jwk, victim key', (E) => E.verifyJwt(embedded, jwk(rsa.publicKey), o('RS256'))],
      [
        'C5 embedded jwk, victim key set',
        (E) =>
          E.verifyJwt(
            embedded,
            E.createLocalKeySet({ keys: [{ ...jwk(rsa.publicKey), kid: 'issuer-1' }] }),
            o('RS256'),
          ),
      ],
      [
        'key confusion: RSA public JWK as an HMAC secret',
        (E) =>
          E.verifyJwt(
            rawToken(
              { alg: 'HS256' },
              CLAIMS,
              'HS256',
              Buffer.from(JSON.stringify(jwk(rsa.publicKey))),
            ),
            jwk(rsa.publicKey),
            HS,
          ),
      ],
      [
        'key confusion: P-256 key for ES384',
        (E) =>
          E.verifyJwt(
            rawToken({ alg: 'ES384' }, CLAIMS, 'ES256', es.privateKey),
            jwk(es.publicKey),
            o('ES384'),
          ),
      ],
      [
        'C7 kid of 300 characters',
        (E) =>
          E.verifyJwt(
            rawToken({ alg: 'RS256', kid: 'k'.repeat(300) }, CLAIMS, 'RS256', rsa.privateKey),
            E.createLocalKeySet({ keys: [{ ...jwk(rsa.publicKey), kid: 'k'.repeat(300) }] }),
            o('RS256'),
          ),
      ],
      [
        'C7 kid path traversal, unknown',
        (E) =>
          E.verifyJwt(
            rawToken({ alg: 'RS256', kid: '../../dev/null' }, CLAIMS, 'RS256', rsa.privateKey),
            E.createLocalKeySet({ keys: [{ ...jwk(rsa.publicKey), kid: 'issuer-1' }] }),
            o('RS256'),
          ),
      ],
    ];
    const codes = new Set<string>();
    for (const [name, run] of cases) {
      const [n, w] = await Promise.all(ENTRIES.map((E) => outcome(() => run(E))));
      assert.equal(w, n, name);
      codes.add(n!.startsWith('ok ') ? 'ok' : n!);
    }
    // The table reaches the distinct refusals, not one.
    for (const code of [
      'ERR_KEY_INVALID',
      'ERR_KEY_NOT_FOUND',
      'ERR_KEY_TOO_WEAK',
      'ERR_SIGNATURE_INVALID',
      'ERR_JWK_INVALID',
    ])
      assert.ok(
        [...codes].some((c) => c.endsWith(code)),
        `${code} in ${[...codes].join(', ')}`,
      );
    assert.ok(codes.has('ok'));
  });
});
