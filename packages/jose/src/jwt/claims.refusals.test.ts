/**
 * docs/security.md#json-and-claims (F1–F5: JSON and claim parsing).
 * Test names start with the case's label there.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { JwtClaimError, decodeJwt, type JwsAlg, type VerifyJwtOptions } from '../index.js';
import { assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES, type Entry } from '../test-support/entries.js';
import { NOW, NOW_S, rawToken, SECRET } from '../test-support/tokens.js';

const HS = ['HS256'] as JwsAlg[];
/** An HS256 token over exact header and payload text, correctly MACed. */
const tok = (payload: unknown, header: unknown = { alg: 'HS256' }) =>
  rawToken(header, payload, 'HS256', SECRET);
/** verifyJwt of one entry, with the HS256 secret and the fixed clock. */
const verifier =
  (E: Entry) =>
  (t: string, o: Partial<VerifyJwtOptions> = {}) =>
    E.verifyJwt(t, SECRET, { algorithms: HS, currentDate: NOW, ...o });

async function claimError(
  fn: () => Promise<unknown>,
  code: JwtClaimError['code'],
  claim: string,
  reason: JwtClaimError['reason'],
): Promise<void> {
  const e = await assertJoseErrorAsync(fn, code);
  assert.ok(e instanceof JwtClaimError, `a JwtClaimError for ${claim}`);
  assert.equal(e.claim, claim);
  assert.equal(e.reason, reason, `${claim}: ${e.message}`);
}

/** @see RFC 7515 §4 / §5.2, RFC 8725 §2.6, IETF JOSE list (Schaad / Barnes 2013-2014) */
for (const E of ENTRIES)
  describe(`${E.name} F1 · Duplicate member names (docs/security.md#duplicate-members)`, () => {
    const verify = verifier(E);
    test('duplicate member names are refused in the header and in the claims, escaped names included', async () => {
      const headers = [
        '{"alg":"RS256","alg":"HS256"}',
        '{"alg":"HS256","kid":"a","kid":"b"}',
        '{"alg":"HS256","\\u0061lg":"HS256"}',
        '{"alg":"HS256","x":{"y":1,"y":2}}',
      ];
      for (const h of headers) {
        await assertJoseErrorAsync(() => verify(tok({ sub: 'a' }, h)), 'ERR_JSON_DUPLICATE_MEMBER');
        // Header duplicates are never allowed, whatever the claims option says.
        await assertJoseErrorAsync(
          () => verify(tok({ sub: 'a' }, h), { allowDuplicateClaims: true }),
          'ERR_JSON_DUPLICATE_MEMBER',
        );
      }
      const payloads = [
        '{"sub":"user","sub":"admin"}',
        '{"exp":1,"exp":9999999999}',
        '{"sub":"user","s\\u0075b":"admin"}',
        '{"\\u0073ub":"user","sub":"admin"}',
        '{"a":[{"role":"user","role":"admin"}]}',
        '{"__proto__":1,"__proto__":2}',
      ];
      for (const p of payloads) {
        await assertJoseErrorAsync(() => verify(tok(p)), 'ERR_JSON_DUPLICATE_MEMBER');
        await assertJoseErrorAsync(() => decodeJwt(tok(p)), 'ERR_JSON_DUPLICATE_MEMBER');
      }
      // The explicit opt-in accepts them with JSON.parse's last-wins.
      assert.equal(
        (await verify(tok(payloads[0]), { allowDuplicateClaims: true })).payload.sub,
        'admin',
      );
      // (This is why the default refuses: a first-wins reader elsewhere would see exp 1.)
      assert.equal(
        (await verify(tok('{"exp":1,"exp":9999999999}'), { allowDuplicateClaims: true })).payload
          .exp,
        9999999999,
      );
      // No false positives: colons and quotes inside strings, empty objects, arrays.
      for (const p of [
        '{"a:b":"c:d","e":"\\":\\""}',
        '{"x":{},"y":[],"z":[{}, {"a":1}],"w":"::"}',
        '{"k":"\\\\","l":"\\\\\\""}',
      ]) {
        assert.deepEqual((await verify(tok(p))).payload, JSON.parse(p));
      }
    });
  });
/** @see RFC 7515 §4; never Object.assign untrusted objects */
for (const E of ENTRIES)
  describe(`${E.name} F1 · Duplicate member names (docs/security.md#duplicate-members)`, () => {
    const verify = verifier(E);
    test('__proto__ stays an inert own property (claims and header), and signing keeps it as data', async () => {
      const { payload, protectedHeader } = await verify(
        tok('{"__proto__":{"admin":true},"sub":"u"}', '{"alg":"HS256","__proto__":{"alg":"none"}}'),
      );
      assert.equal(Object.getPrototypeOf(payload), Object.prototype);
      assert.ok(Object.hasOwn(payload, '__proto__'));
      assert.equal((payload as Record<string, unknown>)['admin'], undefined);
      assert.equal(({} as Record<string, unknown>)['admin'], undefined);
      assert.equal(protectedHeader.alg, 'HS256');
      assert.equal(
        decodeJwt<Record<string, unknown>>(tok('{"__proto__":{"admin":true}}'))['admin'],
        undefined,
      );
      // A claims object carrying an own __proto__ member (as JSON.parse makes) signs it as data.
      const claims = JSON.parse('{"sub":"u","__proto__":{"exp":1}}');
      const t = await E.signJwt(claims, SECRET, { alg: 'HS256', currentDate: NOW });
      const text = Buffer.from(t.split('.')[1]!, 'base64url').toString();
      assert.match(text, /"__proto__":\{"exp":1\}/);
      const back = (await verify(t)).payload;
      assert.equal(back.exp, undefined);
      assert.deepEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, { exp: 1 });
    });
  });
/** @see CVE-2026-107723 (fast-jwt array payload), jose strictDecoder */
for (const E of ENTRIES)
  describe(`${E.name} F2 · Header and claims are JSON objects in strict UTF-8 (docs/security.md#json-objects)`, () => {
    const verify = verifier(E);
    test('header and claims must be JSON objects in strict UTF-8; lone surrogates are refused (decided)', async () => {
      for (const p of [
        '[{"sub":"admin"}]',
        '"admin"',
        '1',
        'null',
        'true',
        '',
        ' ',
        '{"sub":"admin"} x',
        '{"sub":"admin",}',
        "{'sub':'admin'}",
        'NaN',
      ]) {
        await assertJoseErrorAsync(() => verify(tok(p)), 'ERR_JSON_INVALID');
      }
      for (const h of ['["HS256"]', 'null', '"HS256"', '{"alg":"HS256"']) {
        await assertJoseErrorAsync(() => verify(tok({ sub: 'a' }, h)), 'ERR_JSON_INVALID');
      }
      const bytes = (b: number[]) => new Uint8Array(b);
      // Invalid UTF-8: a lone continuation byte, an overlong "/", a truncated sequence, a surrogate encoded in UTF-8.
      const json = (inner: number[]) =>
        bytes([...Buffer.from('{"sub":"'), ...inner, ...Buffer.from('"}')]);
      for (const bad of [[0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xff]]) {
        await assertJoseErrorAsync(() => verify(tok(json(bad))), 'ERR_JSON_INVALID');
      }
      // A leading BOM is refused (not silently dropped).
      await assertJoseErrorAsync(
        () => verify(tok(bytes([0xef, 0xbb, 0xbf, ...Buffer.from('{"sub":"a"}')]))),
        'ERR_JSON_INVALID',
      );
      await assertJoseErrorAsync(
        () =>
          verify(tok({ sub: 'a' }, bytes([0xef, 0xbb, 0xbf, ...Buffer.from('{"alg":"HS256"}')]))),
        'ERR_JSON_INVALID',
      );
      // Lone surrogates (escaped) in values and names are refused; a proper pair is fine.
      for (const p of [
        '{"sub":"\\ud800"}',
        '{"sub":"a\\udc00b"}',
        '{"\\ud83d":1}',
        '{"x":["\\uDBFF"]}',
        '{"sub":"\\ude00\\ud83d"}',
      ]) {
        await assertJoseErrorAsync(() => verify(tok(p)), 'ERR_JSON_INVALID');
      }
      await assertJoseErrorAsync(
        () => verify(tok({ sub: 'a' }, '{"alg":"HS256","kid":"\\ud800"}')),
        'ERR_JSON_INVALID',
      );
      assert.equal((await verify(tok('{"sub":"\\ud83d\\ude00"}'))).payload.sub, '\u{1F600}');
      // The signer never writes what verifiers refuse.
      for (const bad of ['\ud800', 'a\udc00', '\ude00\ud83d']) {
        await assertJoseErrorAsync(
          () => E.signJwt({ sub: bad }, SECRET, { alg: 'HS256' }),
          'ERR_OPTIONS_INVALID',
        );
        await assertJoseErrorAsync(
          () => E.signJwt({ [bad]: 1 }, SECRET, { alg: 'HS256' }),
          'ERR_OPTIONS_INVALID',
        );
      }
      assert.equal(
        (
          await verify(
            await E.signJwt({ sub: '\u{1F600}', lit: '\\ud800' }, SECRET, {
              alg: 'HS256',
              currentDate: NOW,
            }),
          )
        ).payload.lit,
        '\\ud800',
      );
      assert.equal((await verify(tok('{"sub":"\\\\ud800"}'))).payload.sub, '\\ud800'); // an escaped backslash, not an escape
    });
  });
/** @see CVE-2026-25537 (rust jsonwebtoken: wrong type treated as absent), jsonwebtoken / jose Infinity */
for (const E of ENTRIES)
  describe(`${E.name} F3 · exp, nbf, iat (docs/security.md#time-claims)`, () => {
    const verify = verifier(E);
    test('exp/nbf/iat must be finite numbers; present-but-wrong is never absent', async () => {
      const wrong: unknown[] = ['9999999999', '2099-01-01', null, true, [1], {}, 1e400, -1e400];
      for (const claim of ['exp', 'nbf', 'iat']) {
        for (const v of wrong) {
          const p = claim === 'exp' && v === 1e400 ? '{"exp":1e400}' : { [claim]: v };
          await claimError(() => verify(tok(p)), 'ERR_JWT_CLAIM_INVALID', claim, 'type');
        }
      }
      await claimError(() => verify(tok('{"nbf":1e400}')), 'ERR_JWT_CLAIM_INVALID', 'nbf', 'type');
      // Floats are allowed.
      assert.equal((await verify(tok({ exp: NOW_S + 0.5 }))).payload.exp, NOW_S + 0.5);
      // Huge but finite: formatting the failure never throws (new Date(1e303) would be invalid).
      const e = await assertJoseErrorAsync(
        () => verify(tok({ nbf: 1e300 })),
        'ERR_JWT_NOT_YET_VALID',
      );
      assert.equal(typeof e.message, 'string');
      assert.ok(await verify(tok({ exp: 9007199254740993 })));
      await claimError(() => verify(tok({ exp: -1 })), 'ERR_JWT_EXPIRED', 'exp', 'expired');
      await claimError(() => verify(tok({ exp: 0 })), 'ERR_JWT_EXPIRED', 'exp', 'expired');
      await claimError(() => verify(tok({ exp: -1e300 })), 'ERR_JWT_EXPIRED', 'exp', 'expired');
    });

    test('boundaries: expired when now >= exp, active when now >= nbf, tolerance widens both', async () => {
      await claimError(() => verify(tok({ exp: NOW_S })), 'ERR_JWT_EXPIRED', 'exp', 'expired');
      assert.ok(await verify(tok({ exp: NOW_S + 1 })));
      assert.ok(await verify(tok({ nbf: NOW_S })));
      await claimError(
        () => verify(tok({ nbf: NOW_S + 1 })),
        'ERR_JWT_NOT_YET_VALID',
        'nbf',
        'not_yet_valid',
      );
      assert.ok(await verify(tok({ exp: NOW_S - 30, nbf: NOW_S + 30 }), { clockTolerance: 31 }));
      assert.ok(await verify(tok({ exp: NOW_S - 30 }), { clockTolerance: '1m' }));
      await claimError(
        () => verify(tok({ exp: NOW_S - 30 }), { clockTolerance: 30 }),
        'ERR_JWT_EXPIRED',
        'exp',
        'expired',
      );
      await claimError(
        () => verify(tok({ nbf: NOW_S + 31 }), { clockTolerance: 30 }),
        'ERR_JWT_NOT_YET_VALID',
        'nbf',
        'not_yet_valid',
      );
      // A fractional current time (milliseconds) is compared exactly.
      const justBefore = new Date(NOW.getTime() - 1);
      assert.ok(
        await E.verifyJwt(tok({ exp: NOW_S }), SECRET, { algorithms: HS, currentDate: justBefore }),
      );
    });
  });
/** Decided (package README): iat in the future beyond the clock tolerance is refused, always. */
for (const E of ENTRIES)
  describe(`${E.name} F3 · exp, nbf, iat (docs/security.md#time-claims)`, () => {
    const verify = verifier(E);
    test('iat in the future beyond the tolerance is refused (with or without maxTokenAge)', async () => {
      await claimError(
        () => verify(tok({ iat: NOW_S + 1 })),
        'ERR_JWT_NOT_YET_VALID',
        'iat',
        'future',
      );
      await claimError(
        () => verify(tok({ iat: NOW_S + 61 }), { clockTolerance: 60 }),
        'ERR_JWT_NOT_YET_VALID',
        'iat',
        'future',
      );
      await claimError(
        () => verify(tok({ iat: NOW_S + 3600 }), { maxTokenAge: '1d' }),
        'ERR_JWT_NOT_YET_VALID',
        'iat',
        'future',
      );
      assert.ok(await verify(tok({ iat: NOW_S + 60 }), { clockTolerance: 60 }));
      assert.ok(await verify(tok({ iat: NOW_S })));
    });
  });
/** @see CVE-2025-30144 (fast-jwt), CVE-2024-53861 (PyJWT), CVE-2020-26160 (jwt-go), GHSA-r74j-q665-7rpj */
for (const E of ENTRIES)
  describe(`${E.name} F4 · iss, sub, jti, aud (docs/security.md#string-claims)`, () => {
    const verify = verifier(E);
    test('iss/sub/jti are strings compared exactly; aud is a string or an array of strings', async () => {
      const o = { issuer: 'https://valid', audience: 'api' };
      const base = { iss: 'https://valid', aud: 'api' };
      assert.ok(await verify(tok(base), o));
      assert.ok(await verify(tok({ ...base, aud: ['x', 'api'] }), o));
      assert.ok(await verify(tok({ ...base, aud: 'b' }), { ...o, audience: ['a', 'b'] }));
      await claimError(
        () => verify(tok({ ...base, iss: ['https://attacker', 'https://valid'] }), o),
        'ERR_JWT_CLAIM_INVALID',
        'iss',
        'type',
      );
      await claimError(
        () => verify(tok({ ...base, iss: 'https://vali' }), o),
        'ERR_JWT_CLAIM_INVALID',
        'iss',
        'mismatch',
      );
      await claimError(
        () => verify(tok({ ...base, iss: 'https://valid/' }), o),
        'ERR_JWT_CLAIM_INVALID',
        'iss',
        'mismatch',
      );
      await claimError(
        () => verify(tok({ ...base, iss: 'HTTPS://VALID' }), o),
        'ERR_JWT_CLAIM_INVALID',
        'iss',
        'mismatch',
      );
      await claimError(
        () => verify(tok({ aud: 'api' }), o),
        'ERR_JWT_CLAIM_INVALID',
        'iss',
        'missing',
      );
      await claimError(
        () => verify(tok({ ...base, aud: [['api']] }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'type',
      );
      await claimError(
        () => verify(tok({ ...base, aud: ['api', 1] }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'type',
      );
      await claimError(
        () => verify(tok({ ...base, aud: ['x', 1] }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'type',
      );
      await claimError(
        () => verify(tok({ ...base, aud: null }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'type',
      );
      await claimError(
        () => verify(tok({ ...base, aud: { api: true } }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'type',
      );
      await claimError(
        () => verify(tok({ ...base, aud: [] }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'mismatch',
      );
      await claimError(
        () => verify(tok({ iss: 'https://valid' }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'missing',
      );
      await claimError(
        () => verify(tok({ ...base, aud: 'api.evil' }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'mismatch',
      );
      await claimError(
        () => verify(tok({ ...base, aud: 'ap' }), o),
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'mismatch',
      );
      await claimError(
        () => verify(tok({ sub: ['admin'] }), { subject: 'admin' }),
        'ERR_JWT_CLAIM_INVALID',
        'sub',
        'type',
      );
      await claimError(
        () => verify(tok({ sub: ['admin'] })),
        'ERR_JWT_CLAIM_INVALID',
        'sub',
        'type',
      );
      await claimError(
        () => verify(tok({ sub: 'admin ' }), { subject: 'admin' }),
        'ERR_JWT_CLAIM_INVALID',
        'sub',
        'mismatch',
      );
      await claimError(
        () => verify(tok({}), { subject: 'admin' }),
        'ERR_JWT_CLAIM_INVALID',
        'sub',
        'missing',
      );
      await claimError(
        () => verify(tok({ jti: { id: 1 } })),
        'ERR_JWT_CLAIM_INVALID',
        'jti',
        'type',
      );
      await claimError(() => verify(tok({ iss: 1 })), 'ERR_JWT_CLAIM_INVALID', 'iss', 'type');
      // Types are checked even when no expected value is configured.
      await claimError(() => verify(tok({ aud: [1] })), 'ERR_JWT_CLAIM_INVALID', 'aud', 'type');
      // requiredClaims
      await claimError(
        () => verify(tok({ sub: 'a' }), { requiredClaims: ['jti'] }),
        'ERR_JWT_CLAIM_INVALID',
        'jti',
        'missing',
      );
      // Options are validated at configuration time; RegExp matchers are not offered at all.
      for (const bad of [
        { issuer: '' },
        { issuer: [] },
        { audience: /api/ },
        { audience: [1] },
        { subject: 1 },
        { requiredClaims: 'exp' },
      ]) {
        await assertJoseErrorAsync(
          () => verify(tok(base), bad as Partial<VerifyJwtOptions>),
          'ERR_OPTIONS_INVALID',
        );
      }
    });
  });
/** @see fast-jwt maxAge footgun (skipped without requiredClaims: ['iat']) */
for (const E of ENTRIES)
  describe(`${E.name} F5 · maxTokenAge without iat (docs/security.md#max-age)`, () => {
    const verify = verifier(E);
    test('maxTokenAge requires a numeric iat and refuses older tokens', async () => {
      await claimError(
        () => verify(tok({ sub: 'a' }), { maxTokenAge: 60 }),
        'ERR_JWT_CLAIM_INVALID',
        'iat',
        'missing',
      );
      await claimError(
        () => verify(tok({ iat: '0' }), { maxTokenAge: '60s' }),
        'ERR_JWT_CLAIM_INVALID',
        'iat',
        'type',
      );
      await claimError(
        () => verify(tok({ iat: NOW_S - 61 }), { maxTokenAge: 60 }),
        'ERR_JWT_EXPIRED',
        'iat',
        'too_old',
      );
      assert.ok(await verify(tok({ iat: NOW_S - 60 }), { maxTokenAge: 60 }));
      assert.ok(await verify(tok({ iat: NOW_S - 90 }), { maxTokenAge: 60, clockTolerance: 30 }));
    });
  });
