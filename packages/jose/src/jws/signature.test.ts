/**
 * docs/security.md#signature-bytes (B1–B4: signature bytes).
 * Test names start with the case's label there.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { sign as nodeSign, type KeyObject } from 'node:crypto';
import { decodeJwt, exportJwk, signJwt, signFlattened, type Jwk, type JwsAlg } from '../index.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES } from '../test-support/entries.js';
import { b64, pair, rawSign, SECRET, signatureOf, withSignature } from '../test-support/tokens.js';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');
const toBytes = (n: bigint, len: number) => hex(n.toString(16).padStart(len * 2, '0'));
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);

// Curve orders n and field primes p (SEC 2 / FIPS 186-4).
const CURVES = {
  ES256: {
    key: 'p256',
    size: 32,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  },
  ES384: {
    key: 'p384',
    size: 48,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
  },
  ES512: {
    key: 'p521',
    size: 66,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    p: (1n << 521n) - 1n,
  },
} as const;

const CLAIMS = { sub: 'alice', admin: false };

// Tokens are made by the Node.js core (test data); both entries verify them, with a JWK.
const jwks = new WeakMap<KeyObject, Jwk>();
const jwkOf = (k: KeyObject): Jwk => {
  let j = jwks.get(k);
  if (j === undefined) jwks.set(k, (j = exportJwk(k)));
  return j;
};

/** @see CVE-2022-21449 ("psychic signatures", Java 15-18) */
for (const E of ENTRIES)
  describe(`${E.name} B1 · ECDSA signatures with r or s out of range (docs/security.md#ecdsa-zero)`, () => {
    test('ECDSA r = s = 0 and every out-of-range r or s is refused (ES256, ES384, ES512)', async () => {
      for (const [alg, c] of Object.entries(CURVES) as [JwsAlg, (typeof CURVES)['ES256']][]) {
        const { privateKey, publicKey } = pair(c.key);
        const token = signJwt(CLAIMS, privateKey, { alg });
        assert.ok(await E.verifyJwt(token, jwkOf(publicKey), { algorithms: [alg] }));
        const sig = signatureOf(token);
        assert.equal(sig.length, 2 * c.size);
        const r = sig.subarray(0, c.size);
        const s = sig.subarray(c.size);
        const zero = Buffer.alloc(c.size);
        const bad: [string, Uint8Array][] = [
          ['r = s = 0', Buffer.alloc(2 * c.size)],
          ['r = 0', Buffer.concat([zero, s])],
          ['s = 0', Buffer.concat([r, zero])],
          ['r = n', Buffer.concat([toBytes(c.n, c.size), s])],
          ['s = n', Buffer.concat([r, toBytes(c.n, c.size)])],
          ['r = n + 1', Buffer.concat([toBytes(c.n + 1n, c.size), s])],
          ['s = n + 1', Buffer.concat([r, toBytes(c.n + 1n, c.size)])],
          ['r = p', Buffer.concat([toBytes(c.p, c.size), s])],
          ['s = p', Buffer.concat([r, toBytes(c.p, c.size)])],
          ['r = 2^bits - 1', Buffer.concat([Buffer.alloc(c.size, 0xff), s])],
          [
            'r = r + n (same value mod n)',
            Buffer.concat([toBytes((toBig(r) + c.n) % (1n << BigInt(8 * c.size)), c.size), s]),
          ],
          ['DER of (0, 0)', hex('3006020100020100')],
          ['empty', Buffer.alloc(0)],
        ];
        for (const [name, bytes] of bad) {
          const forged = withSignature(token, bytes);
          const e = await assertJoseErrorAsync(
            () => E.verifyJwt(forged, jwkOf(publicKey), { algorithms: [alg] }),
            'ERR_SIGNATURE_INVALID',
            [forged],
          );
          assert.ok(e, `${alg} ${name}`);
          await assertJoseErrorAsync(
            () => E.verifyCompact(forged, jwkOf(publicKey), { algorithms: [alg] }),
            'ERR_SIGNATURE_INVALID',
          );
        }
        // 86/128/176 'A' characters: the all-zero signature as the CVE write-ups print it.
        const zeros = withSignature(token, 'A'.repeat(Math.ceil((2 * c.size * 4) / 3)));
        await assertJoseErrorAsync(
          () => E.verifyJwt(zeros, jwkOf(publicKey), { algorithms: [alg] }),
          ['ERR_SIGNATURE_INVALID', 'ERR_BASE64URL_INVALID'],
        );
      }
    });
  });
/** @see CVE-2026-65632 / GHSA-44hw-rpw9-mwg4 (erlang-jose), jwx v2.0.16, auth0/node-jwa#3, jjwt #163 */
for (const E of ENTRIES)
  describe(`${E.name} B2 · ECDSA encoding (docs/security.md#ecdsa-encoding)`, () => {
    test('a-d ECDSA: DER, 63/65-byte, 33-byte-padded and unpadded 31-byte R forms are refused', async () => {
      const { privateKey, publicKey } = pair('p256');
      const o = { algorithms: ['ES256'] as JwsAlg[] };
      const token = signJwt(CLAIMS, privateKey, { alg: 'ES256' });
      const sig = signatureOf(token);
      const [r, s] = [sig.subarray(0, 32), sig.subarray(32)];
      const hp = token.slice(0, token.lastIndexOf('.'));
      const der = nodeSign('sha256', Buffer.from(hp), { key: privateKey, dsaEncoding: 'der' });
      assert.ok(der.length >= 70 && der.length <= 72);
      const forms: [string, Uint8Array][] = [
        ['a) DER', der],
        ['b) 63 bytes', sig.subarray(0, 63)],
        ['b) 65 bytes', Buffer.concat([sig, Buffer.alloc(1)])],
        ['b) 65 bytes, leading zero', Buffer.concat([Buffer.alloc(1), sig])],
        ['c) R and S padded to 33 bytes', Buffer.concat([Buffer.alloc(1), r, Buffer.alloc(1), s])],
      ];
      for (const [name, bytes] of forms) {
        await assertJoseErrorAsync(
          () => E.verifyJwt(withSignature(token, bytes), jwkOf(publicKey), o),
          'ERR_SIGNATURE_INVALID',
        );
        assert.ok(name);
      }
      // d) find a signature whose R has a leading zero byte, and send R unpadded (31 bytes).
      let found = false;
      for (let i = 0; i < 4000 && !found; i++) {
        const t = signJwt({ ...CLAIMS, i }, privateKey, { alg: 'ES256', issuedAt: false });
        const sg = signatureOf(t);
        if (sg[0] !== 0) continue;
        found = true;
        assert.ok(await E.verifyJwt(t, jwkOf(publicKey), o));
        await assertJoseErrorAsync(
          () =>
            E.verifyJwt(
              withSignature(t, Buffer.concat([sg.subarray(1, 32), sg.subarray(32)])),
              jwkOf(publicKey),
              o,
            ),
          'ERR_SIGNATURE_INVALID',
        );
      }
      assert.ok(found, 'a signature with a leading zero in R was produced');
    });
  });
/**
 * Decided (package README, "Token identity"): OpenSSL accepts the high-S twin (r, n − s), as JWS
 * allows, so the token string is not a unique identity; Tessera keys revocation and caches on
 * jti + iss or the decoded signature bytes, never the raw string.
 * @see OWASP CheatSheetSeries #2235, jose SECURITY.md "Token String Identity"
 */
for (const E of ENTRIES)
  describe(`${E.name} B2 · ECDSA encoding (docs/security.md#ecdsa-encoding)`, () => {
    test('e high-S twin (r, n - s) is accepted: the token string is not a unique identity (documented)', async () => {
      for (const [alg, c] of Object.entries(CURVES) as [JwsAlg, (typeof CURVES)['ES256']][]) {
        const { privateKey, publicKey } = pair(c.key);
        const token = signJwt({ ...CLAIMS, jti: 'id-1' }, privateKey, { alg });
        const sig = signatureOf(token);
        const s = toBig(sig.subarray(c.size));
        const twin = withSignature(
          token,
          Buffer.concat([sig.subarray(0, c.size), toBytes(c.n - s, c.size)]),
        );
        assert.notEqual(twin, token);
        const a = await E.verifyJwt(token, jwkOf(publicKey), { algorithms: [alg] });
        const b = await E.verifyJwt(twin, jwkOf(publicKey), { algorithms: [alg] });
        // Same claims, same jti: identity comes from jti (+ iss), not from the string.
        assert.deepEqual(a.payload, b.payload);
        assert.equal(b.payload.jti, 'id-1');
      }
    });
  });
/** Change the value of the last character so only the unused low bits differ. */
function flipUnusedBits(seg: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const rem = seg.length % 4;
  assert.ok(rem === 2 || rem === 3, 'segment has unused bits');
  const v = alphabet.indexOf(seg.at(-1)!);
  return seg.slice(0, -1) + alphabet[v ^ 1]!;
}

/**
 * Decided (package README): every non-canonical base64url is refused, padding and non-zero unused
 * bits included. @see CVE-2022-25898 (jsrsasign), fast-jwt #606/#607, libjwt #284, golang-jwt #502,
 * PyJWT GHSA-hxm8-2xgr-2p9m
 */
for (const E of ENTRIES)
  describe(`${E.name} B3 · Only canonical base64url (docs/security.md#base64url)`, () => {
    test('non-canonical base64url in any segment is refused: padding, alphabet, whitespace, junk, bits, length', async () => {
      const claims = { sub: 'alice', n: 1 };
      const token = signJwt(claims, SECRET, { alg: 'HS256', kid: 'k?>' });
      const o = { algorithms: ['HS256'] as JwsAlg[] };
      assert.ok(await E.verifyJwt(token, SECRET, o));
      const [h, p, s] = token.split('.') as [string, string, string];
      const seg = (i: number, f: (x: string) => string) =>
        [h, p, s].map((x, j) => (j === i ? f(x) : x)).join('.');
      const variants: [string, string][] = [];
      for (const i of [0, 1, 2]) {
        variants.push([`a) "=" after segment ${i}`, seg(i, (x) => `${x}=`)]);
        variants.push([`a) "==" after segment ${i}`, seg(i, (x) => `${x}==`)]);
        variants.push([`b) "+" in segment ${i}`, seg(i, (x) => `+${x.slice(1)}`)]);
        variants.push([`b) "/" in segment ${i}`, seg(i, (x) => `${x.slice(0, 4)}/${x.slice(5)}`)]);
        variants.push([
          `c) space in segment ${i}`,
          seg(i, (x) => `${x.slice(0, 4)} ${x.slice(4)}`),
        ]);
        variants.push([
          `c) newline in segment ${i}`,
          seg(i, (x) => `${x.slice(0, 4)}\n${x.slice(4)}`),
        ]);
        variants.push([`c) trailing CRLF on segment ${i}`, seg(i, (x) => `${x}\r\n`)]);
        for (const junk of ['!', '@', '$', '%', '\t', '\u0000', '\u00e9']) {
          variants.push([
            `d) ${JSON.stringify(junk)} in segment ${i}`,
            seg(i, (x) => `${x.slice(0, 2)}${junk}${x.slice(2)}`),
          ]);
        }
        variants.push([
          `g) length 1 mod 4 in segment ${i}`,
          seg(i, (x) => (x.length % 4 === 0 ? `${x}A` : x.length % 4 === 2 ? `${x}AAA` : `${x}AA`)),
        ]);
      }
      for (const [name, bad] of variants) {
        assert.notEqual(bad, token, name);
        await assertJoseErrorAsync(
          () => E.verifyJwt(bad, SECRET, o),
          ['ERR_BASE64URL_INVALID', 'ERR_JWS_MALFORMED'],
          [bad],
        );
        await assertJoseErrorAsync(
          () => E.verifyCompact(bad, SECRET, o),
          ['ERR_BASE64URL_INVALID', 'ERR_JWS_MALFORMED'],
        );
      }
      // e) the MAC's last character changed in its unused low bits only: same bytes, refused.
      const e = seg(2, flipUnusedBits);
      assert.deepEqual(signatureOf(e), signatureOf(token));
      await assertJoseErrorAsync(() => E.verifyJwt(e, SECRET, o), 'ERR_BASE64URL_INVALID');
      // f) header or payload with non-zero unused bits, *correctly MACed over that text*.
      // Pad a member until the segment has unused bits (its length is not a multiple of 4).
      const withBits = (o: Record<string, unknown>) => {
        for (let x = ''; ; x += 'x') if (b64({ ...o, x }).length % 4 !== 0) return b64({ ...o, x });
      };
      const header = withBits({ alg: 'HS256', typ: 'JWT' });
      const payload = withBits({ sub: 'alice' });
      for (const [hh, pp] of [
        [flipUnusedBits(header), payload],
        [header, flipUnusedBits(payload)],
      ] as const) {
        const t = `${hh}.${pp}.${b64(rawSign('HS256', SECRET, `${hh}.${pp}`))}`;
        await assertJoseErrorAsync(() => E.verifyJwt(t, SECRET, o), 'ERR_BASE64URL_INVALID');
        await assertJoseErrorAsync(() => E.verifyCompact(t, SECRET, o), 'ERR_BASE64URL_INVALID');
        if (pp !== payload) assertJoseError(() => decodeJwt(t), 'ERR_BASE64URL_INVALID');
      }
      // The same rules in the JSON serialization.
      const flat = signFlattened('hello', SECRET, { alg: 'HS256' });
      for (const bad of [
        { ...flat, signature: `${flat.signature}=` },
        { ...flat, payload: `${flat.payload} ` },
        { ...flat, protected: `${flat.protected}\n` },
      ]) {
        await assertJoseErrorAsync(
          () => E.verifyFlattened(bad, SECRET, o),
          'ERR_BASE64URL_INVALID',
        );
      }
    });
  });
/** @see fast-jwt verifySignature, node-jwa 2.0.1 (timingSafeEqual) */
for (const E of ENTRIES)
  describe(`${E.name} B4 · HMAC length (docs/security.md#hmac-length)`, () => {
    test('a truncated, extended or empty HMAC is refused (length checked before the constant-time compare)', async () => {
      for (const [alg, len] of [
        ['HS256', 32],
        ['HS384', 48],
        ['HS512', 64],
      ] as const) {
        const token = signJwt(CLAIMS, SECRET, { alg });
        const mac = signatureOf(token);
        assert.equal(mac.length, len);
        const o = { algorithms: [alg] as JwsAlg[] };
        for (const n of [1, 16, 31, 32, 48, len - 1].filter((k) => k < len)) {
          await assertJoseErrorAsync(
            () => E.verifyJwt(withSignature(token, mac.subarray(0, n)), SECRET, o),
            'ERR_SIGNATURE_INVALID',
          );
        }
        await assertJoseErrorAsync(
          () =>
            E.verifyJwt(withSignature(token, Buffer.concat([mac, Buffer.from([0])])), SECRET, o),
          'ERR_SIGNATURE_INVALID',
        );
        await assertJoseErrorAsync(
          () => E.verifyJwt(withSignature(token, Buffer.concat([mac, mac])), SECRET, o),
          'ERR_SIGNATURE_INVALID',
        );
        await assertJoseErrorAsync(
          () => E.verifyJwt(withSignature(token, ''), SECRET, o),
          'ERR_SIGNATURE_INVALID',
        );
        const flipped = Buffer.from(mac);
        flipped[len - 1]! ^= 0x80;
        await assertJoseErrorAsync(
          () => E.verifyJwt(withSignature(token, flipped), SECRET, o),
          'ERR_SIGNATURE_INVALID',
        );
      }
    });
  });
