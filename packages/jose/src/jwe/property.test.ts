/**
 * Property tests (fast-check): arbitrary input never crashes a decryptor with anything but a
 * JoseError; every alg × enc pair round-trips in every serialization; a one-character change
 * to a JWE never decrypts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import {
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  type JweContentEncryptionAlg,
  type JweKeyManagementAlg,
} from '../base/algorithms.js';
import { encodeBase64url } from '../base/base64url.js';
import { JoseError } from '../base/errors.js';
import { decryptCompact, encryptCompact } from './compact.js';
import { decryptFlattened, decryptGeneral, encryptFlattened, encryptGeneral } from './json.js';
import type { DecryptOptions } from './header.js';
import type { KeyInput } from '../keys/keys.js';
import { jwkPairs, keyPairs } from '../test-support/jwe-fixtures.js';
import { NODE, outcome, WEB } from '../test-support/entries.js';
import { exportJwk } from '../keys/keys.js';
import type { Jwk } from '../keys/jwk.js';

const ALGS = Object.keys(JWE_KEY_MANAGEMENT_ALGORITHMS) as JweKeyManagementAlg[];
const ENCS = Object.keys(JWE_CONTENT_ENCRYPTION_ALGORITHMS) as JweContentEncryptionAlg[];
const ALL: DecryptOptions = {
  keyManagementAlgorithms: ALGS,
  contentEncryptionAlgorithms: ENCS,
  maxTokenLength: 64_000,
};

/** Encryption and decryption keys for a pair (ECDH curves rotate with the index). */
function keysFor(
  alg: JweKeyManagementAlg,
  enc: JweContentEncryptionAlg,
  i: number,
): { enc: KeyInput; dec: KeyInput } {
  const row = JWE_KEY_MANAGEMENT_ALGORITHMS[alg];
  const { rsa, ec, okp } = keyPairs();
  switch (row.family) {
    case 'dir': {
      const k = randomBytes(JWE_CONTENT_ENCRYPTION_ALGORITHMS[enc].cekBytes);
      return { enc: k, dec: k };
    }
    case 'aes-kw':
    case 'aes-gcm-kw': {
      const k = randomBytes(row.kekBytes);
      return { enc: k, dec: k };
    }
    case 'pbes2': {
      const k = new TextEncoder().encode(`password ${i}`);
      return { enc: k, dec: k };
    }
    case 'rsa-oaep':
      return { enc: rsa.publicKey, dec: rsa.privateKey };
    case 'ecdh-es': {
      const pairs: { privateKey: KeyObject; publicKey: KeyObject }[] = [
        ec['P-256'],
        ec['P-384'],
        ec['P-521'],
        okp.X25519,
        okp.X448,
      ];
      const p = pairs[i % pairs.length]!;
      return { enc: p.publicKey, dec: p.privateKey };
    }
  }
}

const isJoseFailure = (fn: () => unknown): boolean => {
  try {
    fn();
    return false;
  } catch (e) {
    if (!(e instanceof JoseError)) throw e;
    return true;
  }
};

test('every alg × enc pair round-trips in compact, flattened and general form (with and without zip)', () => {
  let pair = 0;
  for (const alg of ALGS) {
    for (const enc of ENCS) {
      const i = pair++;
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          fc.boolean(),
          fc.constantFrom('compact', 'flattened', 'general'),
          (pt, zip, form) => {
            const k = keysFor(alg, enc, i);
            const o = { alg, enc, p2c: 20, ...(zip ? { zip: 'DEF' as const } : {}) };
            let out: Uint8Array;
            if (form === 'compact')
              out = decryptCompact(encryptCompact(pt, k.enc, o), k.dec, ALL).plaintext;
            else if (form === 'flattened')
              out = decryptFlattened(
                encryptFlattened(pt, k.enc, { ...o, aad: pt }),
                k.dec,
                ALL,
              ).plaintext;
            else
              out = decryptGeneral(
                encryptGeneral(pt, [{ key: k.enc, alg, p2c: 20 }], {
                  enc,
                  ...(zip ? { zip: 'DEF' as const } : {}),
                }),
                k.dec,
                ALL,
              ).plaintext;
            assert.deepEqual(Buffer.from(out), Buffer.from(pt), `${alg} ${enc} ${form}`);
          },
        ),
        { numRuns: 3 },
      );
    }
  }
  assert.equal(pair, 18 * 6);
});

test('arbitrary strings and five-segment strings never crash decryptCompact', () => {
  const key = randomBytes(32);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.array(fc.string(), { minLength: 5, maxLength: 5 }).map((a) => a.join('.')),
      ),
      (s) => {
        assert.ok(isJoseFailure(() => decryptCompact(s, key, ALL)));
      },
    ),
    { numRuns: 300 },
  );
});

test('arbitrary protected headers (with plausible alg/enc/epk/p2c/zip) never crash decryption', () => {
  const { ec } = keyPairs();
  const value = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string()),
    fc.dictionary(fc.string(), fc.string()),
  );
  const header = fc.record(
    {
      alg: fc.oneof(fc.constantFrom(...ALGS), value),
      enc: fc.oneof(fc.constantFrom(...ENCS), value),
      epk: fc.oneof(
        value,
        fc.record({
          kty: fc.constantFrom('EC', 'OKP', 'oct'),
          crv: fc.constantFrom('P-256', 'X25519', 'P-384'),
          x: fc.base64String(),
          y: fc.base64String(),
        }),
      ),
      p2c: fc.oneof(fc.integer({ min: -5, max: 50 }), value),
      p2s: fc.oneof(fc.uint8Array({ maxLength: 20 }).map(encodeBase64url), value),
      zip: fc.oneof(fc.constant('DEF'), value),
      iv: value,
      tag: value,
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(
      header,
      fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 4, maxLength: 4 }),
      (h, segs) => {
        const jwe = [encodeBase64url(JSON.stringify(h)), ...segs.map(encodeBase64url)].join('.');
        const keys: KeyInput[] = [
          ec['P-256'].privateKey,
          randomBytes(32),
          new TextEncoder().encode('pw'),
        ];
        for (const k of keys) assert.ok(isJoseFailure(() => decryptCompact(jwe, k, ALL)));
      },
    ),
    { numRuns: 200 },
  );
});

test('arbitrary JSON values never crash decryptFlattened / decryptGeneral', () => {
  const key = randomBytes(32);
  fc.assert(
    fc.property(fc.anything(), fc.jsonValue(), (a, j) => {
      for (const v of [a, j]) {
        assert.ok(isJoseFailure(() => decryptFlattened(v as never, key, ALL)));
        assert.ok(isJoseFailure(() => decryptGeneral(v as never, key, ALL)));
      }
    }),
    { numRuns: 200 },
  );
});

test('changing any one character of a valid JWE never yields a plaintext', () => {
  const { ec } = keyPairs();
  const kek = randomBytes(16);
  const tokens: [string, KeyInput][] = [
    [encryptCompact('the plaintext', kek, { alg: 'A128KW', enc: 'A128CBC-HS256' }), kek],
    [
      encryptCompact('the plaintext', ec['P-256'].publicKey, {
        alg: 'ECDH-ES',
        enc: 'A128GCM',
        zip: 'DEF',
      }),
      ec['P-256'].privateKey,
    ],
  ];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.nat({ max: alphabet.length - 1 }), (which, pos, c) => {
      const [jwe, key] = tokens[which % tokens.length]!;
      const i = pos % jwe.length;
      const ch = alphabet[c]!;
      fc.pre(jwe[i] !== ch);
      const changed = jwe.slice(0, i) + ch + jwe.slice(i + 1);
      assert.ok(isJoseFailure(() => decryptCompact(changed, key, ALL)));
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- both entries

/** JWK keys for a pair, which both entries take (X448, which Web Crypto lacks, left out). */
function jwkKeysFor(alg: JweKeyManagementAlg, enc: JweContentEncryptionAlg, i: number) {
  const k = keysFor(alg, enc, i);
  const asJwk = (key: KeyInput) =>
    key instanceof Uint8Array ? key : (exportJwk(key as KeyObject) as Jwk | Uint8Array);
  return { enc: asJwk(k.enc), dec: asJwk(k.dec) };
}

test('both entries: every alg × enc pair encrypted by one decrypts on the other, in every form', async () => {
  let pair = 0;
  let crossed = 0;
  for (const alg of ALGS) {
    for (const enc of ENCS) {
      const i = pair++;
      const k = jwkKeysFor(alg, enc, i);
      if ((k.enc as Jwk).crv === 'X448') {
        await assert.rejects(WEB.encryptCompact('x', k.enc, { alg, enc }), {
          code: 'ERR_ALG_UNSUPPORTED',
        });
        continue;
      }
      const o = { alg, enc, p2c: 20, zip: 'DEF' as const };
      for (const [from, to] of [
        [NODE, WEB],
        [WEB, NODE],
      ] as const) {
        const pt = `${alg} ${enc} from ${from.name}`;
        const label = `${pt} to ${to.name}`;
        const c = await to.decryptCompact(await from.encryptCompact(pt, k.enc, o), k.dec, ALL);
        assert.equal(Buffer.from(c.plaintext).toString(), pt, `${label} compact`);
        const f = await from.encryptFlattened(pt, k.enc, { ...o, aad: 'aad' });
        const fd = await to.decryptFlattened(f, k.dec, ALL);
        assert.equal(Buffer.from(fd.plaintext).toString(), pt, `${label} flattened`);
        const g = await from.encryptGeneral(pt, [{ key: k.enc, alg, p2c: 20 }], { enc });
        const gd = await to.decryptGeneral(g, k.dec, ALL);
        assert.equal(Buffer.from(gd.plaintext).toString(), pt, `${label} general`);
        crossed++;
      }
    }
  }
  assert.equal(pair, 18 * 6);
  assert.ok(crossed >= 2 * (18 * 6 - 6 * 4), `${crossed} pairs crossed`);
});

test('both entries: arbitrary protected headers, JSON objects and one-character changes get the same answer (fast-check)', async () => {
  const { ec } = jwkPairs();
  const kek = randomBytes(16);
  const value = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string()),
  );
  const header = fc.record(
    {
      alg: fc.oneof(fc.constantFrom(...ALGS), value),
      enc: fc.oneof(fc.constantFrom(...ENCS), value),
      epk: fc.oneof(
        value,
        fc.record({
          kty: fc.constantFrom('EC', 'OKP'),
          crv: fc.constantFrom('P-256', 'X25519'),
          x: fc.base64String(),
        }),
      ),
      p2c: fc.oneof(fc.integer({ min: -5, max: 50 }), value),
      p2s: fc.oneof(fc.uint8Array({ maxLength: 20 }).map(encodeBase64url), value),
      zip: fc.oneof(fc.constant('DEF'), value),
      crit: fc.oneof(fc.constant(['x']), value),
    },
    { requiredKeys: [] },
  );
  const keys: (Jwk | Uint8Array)[] = [ec['P-256'].privateKey, kek, new TextEncoder().encode('pw')];
  const same = async (run: (E: typeof NODE) => Promise<unknown>, what: string) => {
    const [n, w] = await Promise.all([outcome(() => run(NODE)), outcome(() => run(WEB))]);
    assert.equal(w, n, what);
  };
  await fc.assert(
    fc.asyncProperty(
      header,
      fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 4, maxLength: 4 }),
      async (h, segs) => {
        const jwe = [encodeBase64url(JSON.stringify(h)), ...segs.map(encodeBase64url)].join('.');
        for (const key of keys) await same((E) => E.decryptCompact(jwe, key, ALL), jwe);
      },
    ),
    { numRuns: 150 },
  );
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), async (v) => {
      await same((E) => E.decryptFlattened(v as never, kek, ALL), JSON.stringify(v));
      await same((E) => E.decryptGeneral(v as never, kek, ALL), JSON.stringify(v));
    }),
    { numRuns: 150 },
  );
  const flat = await NODE.encryptFlattened('the plaintext', kek, {
    alg: 'A128KW',
    enc: 'A128GCM',
    aad: 'a',
  });
  const members = Object.keys(flat) as (keyof typeof flat)[];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=';
  await fc.assert(
    fc.asyncProperty(
      fc.nat(),
      fc.nat(),
      fc.nat({ max: alphabet.length - 1 }),
      async (m, pos, c) => {
        const name = members[m % members.length]!;
        const s = String(flat[name]);
        const i = pos % s.length;
        fc.pre(s[i] !== alphabet[c]);
        const changed = { ...flat, [name]: s.slice(0, i) + alphabet[c] + s.slice(i + 1) };
        await same((E) => E.decryptFlattened(changed as never, kek, ALL), `${name}@${i}`);
      },
    ),
    { numRuns: 200 },
  );
});
