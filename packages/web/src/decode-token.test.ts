import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { decodeToken } from './decode-token.js';
import { cleanToken, readableDate } from '@tessera/inspect';
import { JWT_IO_TOKEN, rawToken } from './test-support/fixtures.js';

const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z

test('paste cleaning strips Authorization:, Bearer, quotes and whitespace, and says so', () => {
  const wrapped = `Authorization: Bearer "${JWT_IO_TOKEN.slice(0, 40)}\n  ${JWT_IO_TOKEN.slice(40)}"`;
  const c = cleanToken(wrapped);
  assert.equal(c.token, JWT_IO_TOKEN);
  assert.deepEqual(
    [...c.removed].sort(),
    ['"Authorization:" header name', 'Bearer prefix', 'quotes', 'whitespace'].sort(),
  );
  assert.deepEqual(cleanToken(`access_token: ${JWT_IO_TOKEN}`).token, JWT_IO_TOKEN);
  assert.deepEqual(cleanToken(JWT_IO_TOKEN).removed, []);
});

test('a JWS decodes into coloured parts, header, payload and a claims table with descriptions', () => {
  const r = decodeToken(`Bearer ${JWT_IO_TOKEN}`, NOW);
  assert.equal(r.format, 'jws');
  assert.equal(r.verified, false);
  assert.deepEqual(
    r.parts.map((p) => p.kind),
    ['header', 'payload', 'signature'],
  );
  assert.equal(r.parts.map((p) => p.text).join('.'), JWT_IO_TOKEN);
  assert.deepEqual(r.header, { alg: 'HS256', typ: 'JWT' });
  assert.equal(r.payload?.['name'], 'John Doe');
  const iat = r.claims.find((c) => c.claim === 'iat');
  assert.equal(iat?.date?.iso, '2018-01-18T01:30:22Z');
  assert.match(iat?.description ?? '', /Issued at/);
  assert.match(iat?.link ?? '', /rfc7519#section-4\.1\.6/);
  assert.ok(r.warnings.some((w) => w.code === 'exp-missing'));
});

test('expired and not-yet-valid badges follow exp, nbf and iat against the clock', () => {
  const r = decodeToken(
    rawToken('{"alg":"HS256"}', JSON.stringify({ exp: NOW - 60, nbf: NOW + 60, iat: NOW + 30 })),
    NOW,
  );
  const badge = (c: string) => r.claims.find((x) => x.claim === c)?.badge;
  assert.equal(badge('exp'), 'expired');
  assert.equal(badge('nbf'), 'not-yet-valid');
  assert.equal(badge('iat'), 'issued-in-future');
  assert.equal(r.claims.find((x) => x.claim === 'exp')?.date?.relative, '1m ago');
  const ok = decodeToken(
    rawToken('{"alg":"HS256"}', JSON.stringify({ exp: NOW + 840, nbf: NOW - 1 })),
    NOW,
  );
  assert.equal(ok.claims.find((x) => x.claim === 'exp')?.badge, 'valid');
  assert.equal(ok.claims.find((x) => x.claim === 'exp')?.date?.relative, 'in 14m');
  assert.equal(ok.claims.find((x) => x.claim === 'nbf')?.badge, 'valid');
});

test('millisecond timestamps are detected and read as milliseconds', () => {
  const r = decodeToken(
    rawToken('{"alg":"HS256"}', JSON.stringify({ exp: (NOW + 3600) * 1000 })),
    NOW,
  );
  const exp = r.claims.find((c) => c.claim === 'exp');
  assert.equal(exp?.date?.milliseconds, true);
  assert.equal(exp?.date?.iso, '2026-01-01T01:00:00Z');
  assert.ok(r.warnings.some((w) => w.code === 'milliseconds'));
  assert.equal(readableDate(NOW, new Date(NOW * 1000))?.milliseconds, false);
});

test('a JWE is decoded up to its protected header, in five parts', () => {
  const h = Buffer.from('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"k1"}').toString('base64url');
  const r = decodeToken(`${h}.a2V5.aXY.Y2lwaGVy.dGFn`, NOW);
  assert.equal(r.format, 'jwe');
  assert.deepEqual(
    r.parts.map((p) => p.kind),
    ['header', 'encrypted_key', 'iv', 'ciphertext', 'tag'],
  );
  assert.equal(r.header?.['enc'], 'A256GCM');
  assert.equal(r.payload, undefined);
});

test('partial tokens decode as far as possible', () => {
  const h = Buffer.from('{"alg":"ES256"}').toString('base64url');
  const one = decodeToken(h, NOW);
  assert.equal(one.format, 'partial');
  assert.equal(one.header?.['alg'], 'ES256');
  const broken = decodeToken(`${h}.!!!.sig`, NOW);
  assert.equal(broken.header?.['alg'], 'ES256');
  assert.match(broken.payloadError ?? '', /not base64url/);
  const noSig = decodeToken(`${h}.${Buffer.from('{"a":1}').toString('base64url')}.`, NOW);
  assert.equal(noSig.format, 'partial');
  assert.ok(
    noSig.warnings.some(
      (w) => w.code === 'malformed' && /signature segment is empty/.test(w.message),
    ),
  );
  assert.equal(decodeToken('a.b.c.d', NOW).format, 'invalid');
  assert.equal(decodeToken('   ', NOW).format, 'invalid');
});

test('leniencies are decoded but warned about: duplicate members, padding, alg none, key headers', () => {
  const dup = decodeToken(rawToken('{"alg":"HS256"}', '{"sub":"a","sub":"b"}'), NOW);
  assert.ok(dup.warnings.some((w) => w.code === 'duplicate-member'));
  assert.equal(dup.payload?.['sub'], 'b');
  const padded = Buffer.from('{"alg":"HS256" }').toString('base64');
  assert.ok(padded.endsWith('='));
  const pad = decodeToken(`${padded}.e30.c2ln`, NOW);
  assert.ok(pad.warnings.some((w) => w.code === 'non-canonical-encoding'));
  assert.equal(pad.header?.['alg'], 'HS256');
  const none = decodeToken(rawToken('{"alg":"none"}', '{}', ''), NOW);
  assert.equal(none.format, 'unsecured');
  assert.ok(none.warnings.some((w) => w.code === 'alg-none'));
  const jku = decodeToken(rawToken('{"alg":"RS256","jku":"https://evil.example/jwks"}', '{}'), NOW);
  assert.ok(jku.warnings.some((w) => w.code === 'header-jku'));
});

test('garbage is "not a JWT", in the same words as the CLI', () => {
  for (const garbage of ['hello world', 'not.a.jwt', '%%%']) {
    const r = decodeToken(garbage, NOW);
    assert.equal(r.format, 'invalid');
    assert.equal(r.formatLabel, 'not a JWT');
    assert.match(r.headerError ?? '', /not a JWT/);
  }
});

test('a JWE header is described from RFC 7516, never RFC 7515', () => {
  const h = Buffer.from('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"k1","typ":"JWT"}').toString(
    'base64url',
  );
  const r = decodeToken(`${h}.a2V5.aXY.Y2lwaGVy.dGFn`, NOW);
  assert.ok(r.headerRows.length >= 4);
  for (const row of r.headerRows) {
    assert.doesNotMatch(row.spec ?? '', /7515/, row.claim);
    assert.match(row.spec ?? '', /RFC 751[68]/, row.claim);
  }
});

test('oversized input is refused before decoding', () => {
  const r = decodeToken('a'.repeat(70_000), NOW);
  assert.equal(r.format, 'invalid');
  assert.ok(r.warnings.some((w) => w.code === 'ERR_INPUT_TOO_LARGE'));
});

test('input far over the cap is refused before cleaning', () => {
  const r = decodeToken(' '.repeat(200_000), NOW);
  assert.equal(r.format, 'invalid');
  assert.ok(r.warnings.some((w) => w.code === 'ERR_INPUT_TOO_LARGE'));
});

test('property: decoding never throws and the parts always rebuild the cleaned token', () => {
  const segment = fc.oneof(
    fc.base64String().map((s) => s.replace(/=/g, '')),
    fc.string({ maxLength: 40 }),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
  );
  fc.assert(
    fc.property(
      fc.array(segment, { minLength: 1, maxLength: 6 }),
      fc.constantFrom('', 'Bearer ', '"'),
      (segs, prefix) => {
        const r = decodeToken(prefix + segs.join('.'), NOW);
        if (r.format !== 'invalid' || r.parts.length > 0) {
          assert.equal(r.parts.map((p) => p.text).join('.'), r.token);
        }
        assert.equal(r.verified, false);
      },
    ),
    { numRuns: 300 },
  );
});
