import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkClaims, nowSeconds, prepareClaimChecks } from './claims.js';
import { JoseError, JwtClaimError } from '../base/errors.js';

const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z

function fails(
  payload: Record<string, unknown>,
  o: Parameters<typeof prepareClaimChecks>[0],
  claim: string,
  reason: string,
  typ?: unknown,
): void {
  assert.throws(
    () => checkClaims(payload as never, typ, prepareClaimChecks(o), NOW),
    (e: unknown) => e instanceof JwtClaimError && e.claim === claim && e.reason === reason,
    `${claim} ${reason}`,
  );
}

test('prepareClaimChecks validates options once and freezes lists', () => {
  const c = prepareClaimChecks({
    issuer: ['a', 'b'],
    audience: 'api',
    maxTokenAge: '1h',
    clockTolerance: '30s',
    requiredClaims: ['jti'],
    typ: 'Application/AT+JWT',
  });
  assert.deepEqual(c.issuers, ['a', 'b']);
  assert.ok(Object.isFrozen(c.issuers));
  assert.equal(c.tolerance, 30);
  assert.equal(c.maxTokenAge, 3600);
  assert.deepEqual(c.required, ['jti', 'iat']);
  assert.equal(c.typ, 'at+jwt');
  for (const bad of [
    { issuer: 1 },
    { audience: [''] },
    { subject: '' },
    { typ: 7 },
    { currentDate: new Date(NaN) },
    { currentDate: 5 },
    { requiredClaims: [1] },
    { clockTolerance: '5' },
  ]) {
    assert.throws(
      () => prepareClaimChecks(bad as never),
      (e: unknown) => e instanceof JoseError && e.code === 'ERR_OPTIONS_INVALID',
      JSON.stringify(bad),
    );
  }
});

test('checkClaims: each rule fires with its claim and reason', () => {
  fails({ exp: NOW }, {}, 'exp', 'expired');
  fails({ nbf: NOW + 1 }, {}, 'nbf', 'not_yet_valid');
  fails({ iat: NOW + 1 }, {}, 'iat', 'future');
  fails({ iat: NOW - 100 }, { maxTokenAge: 99 }, 'iat', 'too_old');
  fails({}, { maxTokenAge: 99 }, 'iat', 'missing');
  fails({ exp: '1' }, {}, 'exp', 'type');
  fails({ iss: 'x' }, { issuer: 'y' }, 'iss', 'mismatch');
  fails({}, { issuer: 'y' }, 'iss', 'missing');
  fails({ sub: 1 }, {}, 'sub', 'type');
  fails({ jti: 1 }, {}, 'jti', 'type');
  fails({ aud: ['a', 2] }, {}, 'aud', 'type');
  fails({ aud: 'b' }, { audience: ['a'] }, 'aud', 'mismatch');
  fails({}, { requiredClaims: ['scope'] }, 'scope', 'missing');
  fails({}, { typ: 'at+jwt' }, 'typ', 'missing', undefined);
  fails({}, { typ: 'at+jwt' }, 'typ', 'mismatch', 'jwt');
  checkClaims(
    { exp: NOW + 1, nbf: NOW, iat: NOW, iss: 'y', aud: ['a'], sub: 's', jti: 'j' } as never,
    'AT+JWT',
    prepareClaimChecks({ issuer: 'y', audience: 'a', subject: 's', typ: 'at+jwt', maxTokenAge: 1 }),
    NOW,
  );
});

test('messages name the claim, never its value', () => {
  try {
    checkClaims(
      { iss: 'https://evil.example/secret-path' } as never,
      undefined,
      prepareClaimChecks({ issuer: 'https://good' }),
      NOW,
    );
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof JwtClaimError);
    assert.match(e.message, /iss/);
    assert.doesNotMatch(e.message, /evil|secret/);
  }
});

test('nowSeconds uses currentDate when given', () => {
  assert.equal(
    nowSeconds(prepareClaimChecks({ currentDate: new Date(NOW * 1000 + 500) })),
    NOW + 0.5,
  );
  assert.ok(Math.abs(nowSeconds(prepareClaimChecks({})) - Date.now() / 1000) < 5);
});

test('requiredClaims counts own members only (never names inherited from Object.prototype)', () => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    fails({}, { requiredClaims: [name] }, name, 'missing');
  }
  checkClaims(
    JSON.parse('{"constructor":1,"__proto__":2}'),
    undefined,
    prepareClaimChecks({ requiredClaims: ['constructor', '__proto__'] }),
    NOW,
  );
});

test('collectClaimFailures lists every failure; checkClaims throws the first of the same list', async () => {
  const { collectClaimFailures } = await import('./claims.js');
  const payload = { exp: NOW - 10, nbf: NOW + 100, iss: 'other', aud: ['x', 1] };
  const options = {
    issuer: 'https://as',
    audience: 'api',
    subject: 'u1',
    typ: 'at+jwt',
    requiredClaims: ['jti'],
    currentDate: new Date(NOW * 1000),
  };
  const all = collectClaimFailures(payload, options, { typ: 'JWT' });
  assert.deepEqual(
    all.map((e) => `${e.claim}:${e.reason}`),
    [
      'typ:mismatch',
      'jti:missing',
      'exp:expired',
      'nbf:not_yet_valid',
      'iss:mismatch',
      'sub:missing',
      'aud:type',
    ],
  );
  assert.ok(all.every((e) => e instanceof JwtClaimError));
  assert.throws(
    () => checkClaims(payload as never, 'JWT', prepareClaimChecks(options), NOW),
    (e: unknown) =>
      e instanceof JwtClaimError && e.claim === all[0]!.claim && e.message === all[0]!.message,
  );
  assert.deepEqual(
    collectClaimFailures({ exp: NOW + 60 }, { currentDate: new Date(NOW * 1000) }),
    [],
  );
  // Options are validated exactly as verifyJwt validates them.
  assert.throws(
    () => collectClaimFailures({}, { issuer: '' }),
    (e: unknown) => e instanceof JoseError && e.code === 'ERR_OPTIONS_INVALID',
  );
});

test('collectClaimFailures: a claim missing for two reasons is reported once', async () => {
  const { collectClaimFailures } = await import('./claims.js');
  const f = collectClaimFailures(
    {},
    { issuer: 'a', audience: 'b', requiredClaims: ['iss', 'aud'] },
  );
  assert.deepEqual(
    f.map((e) => `${e.claim}:${e.reason}`),
    ['iss:missing', 'aud:missing'],
  );
});

test('required "constructor", "toString", "__proto__" are never present through the prototype', async () => {
  const { collectClaimFailures } = await import('./claims.js');
  for (const claim of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    fails({ sub: 'u' }, { requiredClaims: [claim] }, claim, 'missing');
    assert.deepEqual(
      collectClaimFailures({ sub: 'u' }, { requiredClaims: [claim] }).map((e) => e.claim),
      [claim],
    );
  }
});
