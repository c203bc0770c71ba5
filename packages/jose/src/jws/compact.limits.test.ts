/**
 * docs/security.md#token-size (G1, and #durations, H1).
 * Test names start with the case's label there.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSigner,
  createVerifier,
  decodeJwt,
  decodeProtectedHeader,
  decodeUnsecuredJwt,
  parseDuration,
  signJwt,
  verifyJwt,
  DEFAULT_MAX_TOKEN_LENGTH,
  type JwsAlg,
} from '../index.js';
import { assertJoseError, assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES } from '../test-support/entries.js';
import { b64, NOW, NOW_S, rawSign, rawToken, SECRET } from '../test-support/tokens.js';

const HS = { algorithms: ['HS256'] as JwsAlg[] };

/** Run `fn`, expect ERR_TOKEN_TOO_LARGE, and return the milliseconds it took. */
async function tooLarge(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await assertJoseErrorAsync(async () => fn(), 'ERR_TOKEN_TOO_LARGE');
  return performance.now() - t0;
}

/** @see CVE-2025-61920 (Authlib: 500 MB header), CVE-2026-48525 (PyJWT), jose SECURITY.md */
for (const E of ENTRIES)
  describe(`${E.name} G1 · Token size (docs/security.md#token-size)`, () => {
    test('the 16 KB default cap runs before splitting or decoding, for every entry point', async () => {
      assert.equal(DEFAULT_MAX_TOKEN_LENGTH, 16384);
      const good = signJwt({ sub: 'a', pad: 'x'.repeat(11000) }, SECRET, { alg: 'HS256' });
      assert.ok(good.length < 16384);
      assert.ok(await E.verifyJwt(good, SECRET, HS));
      // Inputs that would fail differently if they were split or parsed (no dots, bad base64url):
      // getting ERR_TOKEN_TOO_LARGE shows the cap came first.
      const sizes = [16385, 1 << 20];
      for (const n of sizes) {
        const noDots = '!'.repeat(n);
        const headerOnly = `${'e'.repeat(n)}.e30.AAAA`;
        const sigOnly = `e30.e30.${'A'.repeat(n)}`;
        for (const t of [noDots, headerOnly, sigOnly]) {
          await tooLarge(() => E.verifyJwt(t, SECRET, HS));
          await tooLarge(() => E.verifyCompact(t, SECRET, HS));
          await tooLarge(() => E.createVerifier({ key: SECRET, ...HS })(t));
          await tooLarge(() => decodeJwt(t));
          await tooLarge(() => decodeProtectedHeader(t));
        }
        assertJoseError(
          () => decodeUnsecuredJwt(`${'e'.repeat(n)}.e30.`),
          'ERR_UNSECURED_JWT_INVALID',
        );
        await tooLarge(() =>
          E.verifyFlattened(
            { protected: 'e'.repeat(n), payload: 'e30', signature: 'AA' },
            SECRET,
            HS,
          ),
        );
        await tooLarge(() =>
          E.verifyFlattened(
            { protected: 'e30', payload: 'e'.repeat(n), signature: 'AA' },
            SECRET,
            HS,
          ),
        );
        await tooLarge(() =>
          E.verifyFlattened(
            { protected: 'e30', payload: 'e30', signature: 'A'.repeat(n) },
            SECRET,
            HS,
          ),
        );
        // The general serialization caps each signature entry too.
        await tooLarge(() =>
          E.verifyGeneral(
            { payload: 'e30', signatures: [{ protected: 'e'.repeat(n), signature: 'AA' }] },
            SECRET,
            HS,
          ),
        );
        await tooLarge(() =>
          E.verifyGeneral(
            { payload: 'e30', signatures: [{ protected: 'e30', signature: 'A'.repeat(n) }] },
            SECRET,
            HS,
          ),
        );
        await tooLarge(() =>
          E.verifyGeneral(
            { payload: 'e'.repeat(n), signatures: [{ protected: 'e30', signature: 'AA' }] },
            SECRET,
            HS,
          ),
        );
      }
    });

    test('a 100 MB token fails fast without being parsed', async () => {
      const huge = 'A'.repeat(100 * 1024 * 1024);
      const ms = [
        await tooLarge(() => E.verifyJwt(huge, SECRET, HS)),
        await tooLarge(() => E.verifyCompact(`e30.e30.${huge}`, SECRET, HS)),
        await tooLarge(() => decodeJwt(huge)),
        await tooLarge(() =>
          E.verifyFlattened({ protected: 'e30', payload: huge, signature: 'AA' }, SECRET, HS),
        ),
        await tooLarge(() =>
          E.verifyGeneral(
            { payload: 'e30', signatures: [{ protected: huge, signature: 'AA' }] },
            SECRET,
            HS,
          ),
        ),
      ];
      // A parse of 100 MB would take hundreds of milliseconds; the length check takes microseconds.
      for (const m of ms) assert.ok(m < 200, `took ${m.toFixed(1)} ms`);
    });

    test('segment count, 10,000 dots, deep nesting, a million claims, and the option itself', async () => {
      for (const t of ['.'.repeat(10_000), 'a.b', 'a.b.c.d', 'a', '', 'a.b.c.d.e.f']) {
        await assertJoseErrorAsync(() => E.verifyJwt(t, SECRET, HS), 'ERR_JWS_MALFORMED');
      }
      await assertJoseErrorAsync(() => E.verifyJwt('a.b.c.d.e', SECRET, HS), 'ERR_JWS_MALFORMED');
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      await tooLarge(() => E.verifyJwt(`${b64(deep)}.e30.AA`, SECRET, HS));
      const many = `{${Array.from({ length: 1_000_000 }, (_, i) => `"c${i}":1`).join(',')}}`;
      await tooLarge(() => E.verifyJwt(`e30.${b64(many)}.AA`, SECRET, HS));
      // With the cap raised on purpose, deep nesting still ends in a JoseError (never a RangeError).
      const big = { ...HS, maxTokenLength: 4 << 20 };
      await assertJoseErrorAsync(
        () => E.verifyJwt(`${b64(deep)}.e30.AA`, SECRET, big),
        'ERR_JSON_INVALID',
      );
      const deepObject = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
      const hp = `${b64({ alg: 'HS256' })}.${b64(deepObject)}`;
      const signedDeep = `${hp}.${b64(rawSign('HS256', SECRET, hp))}`;
      try {
        await E.verifyJwt(signedDeep, SECRET, big);
      } catch (e) {
        assertJoseError(() => {
          throw e;
        }, 'ERR_JSON_INVALID');
      }
      // The option is validated at configuration time.
      for (const maxTokenLength of [0, -1, 1.5, Number.NaN, Infinity, '16384']) {
        await assertJoseErrorAsync(
          () => E.verifyJwt('a.b.c', SECRET, { ...HS, maxTokenLength: maxTokenLength as number }),
          'ERR_OPTIONS_INVALID',
        );
      }
      // A smaller cap is honoured.
      const t = signJwt({ sub: 'a' }, SECRET, { alg: 'HS256' });
      await tooLarge(() => E.verifyJwt(t, SECRET, { ...HS, maxTokenLength: t.length - 1 }));
      assert.ok(await E.verifyJwt(t, SECRET, { ...HS, maxTokenLength: t.length }));
      assert.ok(rawToken);
    });
  });
const BAD_DURATIONS: unknown[] = [
  '1 month',
  'P1D',
  '1,5h',
  ' 1h',
  '1h ',
  '1h30m',
  '120',
  '',
  '1H',
  '1.5h',
  '-1h',
  '1e3s',
  '0x10s',
  '1 h',
  '1hour',
  '2 weeks',
  '99999999999999999999w',
  Number.NaN,
  -1,
  Infinity,
  -Infinity,
  null,
  true,
  {},
  [],
  [60],
];

/** @see CVE-2026-107275 (@fastify/jwt), jsonwebtoken "120" = 120 ms, jose secs() */
describe('H1 · Durations (docs/security.md#durations)', () => {
  test('unparseable durations throw at configuration time, for every duration option', () => {
    for (const d of BAD_DURATIONS) {
      assertJoseError(() => parseDuration(d, 'expiresIn'), 'ERR_OPTIONS_INVALID');
      assertJoseError(
        () => createSigner({ key: SECRET, alg: 'HS256', expiresIn: d as string }),
        'ERR_OPTIONS_INVALID',
      );
      assertJoseError(
        () => createSigner({ key: SECRET, alg: 'HS256', notBefore: d as string }),
        'ERR_OPTIONS_INVALID',
      );
      assertJoseError(
        () => signJwt({}, SECRET, { alg: 'HS256', expiresIn: d as string }),
        'ERR_OPTIONS_INVALID',
      );
      assertJoseError(
        () => createVerifier({ key: SECRET, ...HS, maxTokenAge: d as string }),
        'ERR_OPTIONS_INVALID',
      );
      assertJoseError(
        () => createVerifier({ key: SECRET, ...HS, clockTolerance: d as string }),
        'ERR_OPTIONS_INVALID',
      );
      assertJoseError(
        () => verifyJwt('a.b.c', SECRET, { ...HS, maxTokenAge: d as string }),
        'ERR_OPTIONS_INVALID',
      );
      assertJoseError(
        () => decodeUnsecuredJwt('a.b.', { clockTolerance: d as string }),
        'ERR_OPTIONS_INVALID',
      );
    }
  });

  test('numbers are seconds and strings use s/m/h/d/w', () => {
    const table: [unknown, number][] = [
      [0, 0],
      [120, 120],
      [1.5, 1.5],
      ['0s', 0],
      ['45s', 45],
      ['15m', 900],
      ['2h', 7200],
      ['1d', 86400],
      ['1w', 604800],
      ['10m', 600],
    ];
    for (const [d, s] of table) assert.equal(parseDuration(d, 'x'), s, String(d));
    const t = signJwt({}, SECRET, {
      alg: 'HS256',
      currentDate: NOW,
      expiresIn: 120,
      notBefore: '1m',
    });
    const p = decodeJwt(t);
    assert.equal(p.iat, NOW_S);
    assert.equal(p.exp, NOW_S + 120, '120 means 120 seconds, not milliseconds');
    assert.equal(p.nbf, NOW_S + 60);
    assert.equal(
      decodeJwt(signJwt({}, SECRET, { alg: 'HS256', currentDate: NOW, expiresIn: '15m' })).exp,
      NOW_S + 900,
    );
    // The messages name the option, never the value.
    const e = assertJoseError(() => parseDuration('1 month', 'maxTokenAge'), 'ERR_OPTIONS_INVALID');
    assert.match(e.message, /maxTokenAge/);
    assert.doesNotMatch(e.message, /month/);
  });
});
