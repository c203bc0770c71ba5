/** docs/security.md#headers: #crit, #typ (and #nested where it touches JWS). Test names start with the case's label. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  JwtClaimError,
  normalizeTyp,
  signCompact,
  signFlattened,
  signJwt,
  verifyCompact,
  verifyFlattened,
  verifyGeneral,
  verifyJwt,
  type JwsAlg,
} from '../index.js';
import { assertJoseError } from '../test-support/assert-jose.js';
import { b64, rawSign, rawToken, SECRET } from '../test-support/tokens.js';

const HS = ['HS256'] as JwsAlg[];
const CLAIMS = { sub: 'alice' };
const flattened = (header: Record<string, unknown>, unprotected?: Record<string, unknown>) => {
  const prot = b64(header);
  const payload = b64(CLAIMS);
  return {
    protected: prot,
    payload,
    ...(unprotected ? { header: unprotected } : {}),
    signature: b64(rawSign('HS256', SECRET, `${prot}.${payload}`)),
  };
};

/** @see RFC 7515 §4.1.11, CVE-2026-35042 (fast-jwt), CVE-2026-32597 (PyJWT), CVE-2025-59420 (Authlib) */
describe('D1 · crit (docs/security.md#crit)', () => {
  test('crit cases a-h are refused unless the extension is registered with the verifier and present', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['a) not understood', { alg: 'HS256', crit: ['x-policy'], 'x-policy': 'require-mfa' }],
      ['b) empty array', { alg: 'HS256', crit: [] }],
      ['c) not an array', { alg: 'HS256', crit: 'x', x: 1 }],
      ['d) a registered name', { alg: 'HS256', crit: ['alg'] }],
      ['d) a registered name (kid)', { alg: 'HS256', crit: ['kid'], kid: 'k' }],
      ['e) listed twice', { alg: 'HS256', crit: ['x', 'x'], x: 1 }],
      ['f) listed but absent', { alg: 'HS256', crit: ['x'] }],
      ['g) not a string', { alg: 'HS256', crit: [1] }],
      ['g) null member', { alg: 'HS256', crit: [null] }],
      ['g) empty name', { alg: 'HS256', crit: [''] }],
      ['crit: null', { alg: 'HS256', crit: null }],
      ['crit: {}', { alg: 'HS256', crit: {} }],
    ];
    for (const [name, header] of cases) {
      const token = rawToken(header, CLAIMS, 'HS256', SECRET);
      for (const crit of [
        undefined,
        ['x', 'x-policy', 'alg', 'kid'],
        { x: true, 'x-policy': true, alg: true },
      ]) {
        const o = { algorithms: HS, ...(crit ? { crit } : {}) };
        const isA = name.startsWith('a)');
        if (isA && crit !== undefined) continue; // registered + present: accepted (below)
        assertJoseError(() => verifyJwt(token, SECRET, o), 'ERR_CRIT_UNSUPPORTED', [token]);
        assertJoseError(() => verifyCompact(token, SECRET, o), 'ERR_CRIT_UNSUPPORTED');
        assertJoseError(
          () => verifyFlattened(flattened(header), SECRET, o),
          'ERR_CRIT_UNSUPPORTED',
        );
      }
    }
    // a) accepted once the verifier registers the extension (array or object form)...
    const a = rawToken(cases[0]![1], CLAIMS, 'HS256', SECRET);
    assert.equal(
      verifyJwt(a, SECRET, { algorithms: HS, crit: ['x-policy'] }).protectedHeader['x-policy'],
      'require-mfa',
    );
    assert.ok(verifyJwt(a, SECRET, { algorithms: HS, crit: { 'x-policy': true } }));
    // ...and not when the object form says false.
    assertJoseError(
      () => verifyJwt(a, SECRET, { algorithms: HS, crit: { 'x-policy': false } }),
      'ERR_CRIT_UNSUPPORTED',
    );
    // h) crit only in the unprotected header of a JSON serialization.
    for (const crit of [undefined, ['x']]) {
      const o = { algorithms: HS, ...(crit ? { crit } : {}) };
      assertJoseError(
        () => verifyFlattened(flattened({ alg: 'HS256', x: 1 }, { crit: ['x'] }), SECRET, o),
        'ERR_CRIT_UNSUPPORTED',
      );
      assertJoseError(
        () => verifyFlattened(flattened({ alg: 'HS256' }, { crit: ['x'], x: 1 }), SECRET, o),
        'ERR_CRIT_UNSUPPORTED',
      );
      const f = flattened({ alg: 'HS256' }, { crit: ['x'], x: 1 });
      assertJoseError(
        () =>
          verifyGeneral(
            {
              payload: f.payload,
              signatures: [{ protected: f.protected, header: f.header!, signature: f.signature }],
            },
            SECRET,
            o,
          ),
        'ERR_CRIT_UNSUPPORTED',
      );
    }
    // f) "present" means an own member: a name inherited from Object.prototype is absent.
    for (const name of ['constructor', 'toString', '__proto__']) {
      const t = rawToken({ alg: 'HS256', crit: [name] }, CLAIMS, 'HS256', SECRET);
      assertJoseError(
        () => verifyJwt(t, SECRET, { algorithms: HS, crit: [name] }),
        'ERR_CRIT_UNSUPPORTED',
      );
    }
    // The option itself is validated at configuration time.
    for (const crit of ['x', 1, [1], [null]]) {
      assertJoseError(
        () => verifyJwt(a, SECRET, { algorithms: HS, crit: crit as unknown as string[] }),
        'ERR_OPTIONS_INVALID',
      );
    }
  });
});
/** @see RFC 7797 §6 (b64 must be listed in crit), §7 (JWTs never use b64:false); CVE-2026-48525 */
describe('D1 · crit (docs/security.md#crit)', () => {
  test('b64 (RFC 7797): only with crit, only protected, only a boolean, and never in a JWT', () => {
    const detached = signCompact('$.02', SECRET, { alg: 'HS256', b64: false, detached: true });
    assert.equal(
      Buffer.from(
        verifyCompact(detached, SECRET, { algorithms: HS, detachedPayload: '$.02' }).payload,
      ).toString(),
      '$.02',
    );
    assertJoseError(() => verifyJwt(detached, SECRET, { algorithms: HS }), 'ERR_CRIT_UNSUPPORTED');
    // b64 without crit listing it
    for (const header of [
      { alg: 'HS256', b64: false },
      { alg: 'HS256', b64: true },
      { alg: 'HS256', b64: false, crit: ['x'], x: 1 },
    ]) {
      const t = rawToken(header, CLAIMS, 'HS256', SECRET);
      assertJoseError(
        () => verifyCompact(t, SECRET, { algorithms: HS, crit: ['x'] }),
        'ERR_HEADER_INVALID',
      );
    }
    // b64 of the wrong type
    const wrongType = rawToken(
      { alg: 'HS256', b64: 'false', crit: ['b64'] },
      CLAIMS,
      'HS256',
      SECRET,
    );
    assertJoseError(
      () => verifyCompact(wrongType, SECRET, { algorithms: HS }),
      'ERR_HEADER_INVALID',
    );
    // b64 in the unprotected header
    assertJoseError(
      () =>
        verifyFlattened(flattened({ alg: 'HS256' }, { b64: false }), SECRET, { algorithms: HS }),
      'ERR_HEADER_INVALID',
    );
    // A JWT never carries b64 (RFC 7797 §7), with or without crit, even if the caller lists it.
    for (const header of [
      { alg: 'HS256', b64: false },
      { alg: 'HS256', b64: true },
      { alg: 'HS256', b64: false, crit: ['b64'] },
    ]) {
      const t = rawToken(header, CLAIMS, 'HS256', SECRET);
      assertJoseError(
        () => verifyJwt(t, SECRET, { algorithms: HS }),
        ['ERR_HEADER_INVALID', 'ERR_CRIT_UNSUPPORTED'],
      );
      assertJoseError(
        () => verifyJwt(t, SECRET, { algorithms: HS, crit: ['b64'] }),
        'ERR_HEADER_INVALID',
      );
    }
    // A signer cannot put b64/crit into a JWT header.
    assertJoseError(
      () => signJwt(CLAIMS, SECRET, { alg: 'HS256', header: { b64: false, crit: ['b64'] } }),
      'ERR_OPTIONS_INVALID',
    );
    const flat = signFlattened('$.02', SECRET, { alg: 'HS256', b64: false });
    assert.equal(flat.payload, '$.02');
    assert.ok(verifyFlattened(flat, SECRET, { algorithms: HS }));
  });
});
/** @see RFC 8725 §3.11-3.12, RFC 9068 §2.1, CVE-2026-41164 (nuts-node, GO-2026-5291) */
describe('D2 · typ and token-type confusion (docs/security.md#typ)', () => {
  test('typ: an ID token, logout token or VP JWT is refused where an access token is required', () => {
    const at = signJwt(CLAIMS, SECRET, { alg: 'HS256', typ: 'at+jwt' });
    const o = { algorithms: HS, typ: 'at+jwt' };
    assert.equal(verifyJwt(at, SECRET, o).protectedHeader.typ, 'at+jwt');
    // Normalised: case-insensitive, optional "application/" prefix, on both sides.
    for (const typ of ['AT+JWT', 'application/at+jwt', 'Application/AT+JWT']) {
      assert.ok(verifyJwt(signJwt(CLAIMS, SECRET, { alg: 'HS256', typ }), SECRET, o), typ);
      assert.ok(verifyJwt(at, SECRET, { algorithms: HS, typ }), typ);
    }
    for (const typ of [
      'JWT',
      'jwt',
      'logout+jwt',
      'vp+jwt',
      'at+jwt ',
      ' at+jwt',
      'at+jwt\u0000',
      'application/jwt',
      'xapplication/at+jwt',
      'at',
    ]) {
      const t = signJwt(CLAIMS, SECRET, { alg: 'HS256', typ });
      const e = assertJoseError(() => verifyJwt(t, SECRET, o), 'ERR_JWT_CLAIM_INVALID');
      assert.ok(e instanceof JwtClaimError && e.claim === 'typ' && e.reason === 'mismatch', typ);
    }
    const noTyp = signJwt(CLAIMS, SECRET, { alg: 'HS256', typ: false });
    const e = assertJoseError(() => verifyJwt(noTyp, SECRET, o), 'ERR_JWT_CLAIM_INVALID');
    assert.ok(e instanceof JwtClaimError && e.claim === 'typ' && e.reason === 'missing');
    // Mutually exclusive validators: the access-token verifier refuses the ID token and vice versa.
    const id = signJwt(CLAIMS, SECRET, { alg: 'HS256' });
    assertJoseError(() => verifyJwt(id, SECRET, o), 'ERR_JWT_CLAIM_INVALID');
    assertJoseError(
      () => verifyJwt(at, SECRET, { algorithms: HS, typ: 'JWT' }),
      'ERR_JWT_CLAIM_INVALID',
    );
    // typ of the wrong type is a header error; an empty expected typ is a configuration error.
    for (const typ of [1, null, ['at+jwt'], {}]) {
      assertJoseError(
        () => verifyJwt(rawToken({ alg: 'HS256', typ }, CLAIMS, 'HS256', SECRET), SECRET, o),
        'ERR_HEADER_INVALID',
      );
      assertJoseError(
        () => verifyJwt(rawToken({ alg: 'HS256', cty: typ }, CLAIMS, 'HS256', SECRET), SECRET, o),
        'ERR_HEADER_INVALID',
      );
    }
    assertJoseError(
      () => verifyJwt(at, SECRET, { algorithms: HS, typ: '' }),
      'ERR_OPTIONS_INVALID',
    );
    assert.equal(normalizeTyp('Application/At+JWT'), 'at+jwt');
    assert.equal(normalizeTyp('application/'), '');
  });
});
/** @see CVE-2023-51774 (json-jwt), RFC 8725 §2.3 */
describe('D3 · Nested JWTs and sign/encrypt confusion (docs/security.md#nested)', () => {
  test('nested content and JWEs are not accepted by verifyJwt', () => {
    const inner = signJwt({ sub: 'admin' }, SECRET, { alg: 'HS256' });
    const nested = rawToken({ alg: 'HS256', cty: 'JWT' }, inner, 'HS256', SECRET);
    for (const cty of ['JWT', 'jwt']) {
      assertJoseError(
        () =>
          verifyJwt(rawToken({ alg: 'HS256', cty }, CLAIMS, 'HS256', SECRET), SECRET, {
            algorithms: HS,
          }),
        'ERR_JWT_NESTED',
      );
    }
    assertJoseError(
      () => verifyJwt(nested, SECRET, { algorithms: HS }),
      ['ERR_JWT_NESTED', 'ERR_JSON_INVALID'],
    );
    const jwe = `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
    const err = assertJoseError(
      () => verifyJwt(jwe, SECRET, { algorithms: HS }),
      'ERR_JWS_MALFORMED',
    );
    assert.match(err.message, /JWE/);
  });
});
