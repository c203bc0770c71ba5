import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBase64url, encodeUnsecuredJwt } from '@tessera/jose';
import { run, NOT_VERIFIED } from './decode.js';
import { memoryIo, NOW, NOW_S } from '../test-support/memory-io.js';
import { hsToken, rawToken } from '../test-support/fixtures.js';

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

test('decode shows header, payload, a claims table with dates, and ends with NOT VERIFIED', async () => {
  const io = memoryIo({ now: NOW });
  const code = await run([hsToken()], io);
  assert.equal(code, 0);
  const out = io.out();
  assert.match(out, /Token \(jws\)/);
  assert.match(out, /"alg": "HS256"/);
  assert.match(out, /sub\s+alice\s+Subject: whom the token is about .*\(RFC 7519 §4\.1\.2\)/);
  assert.match(out, /exp\s+2026-01-01T00:10:00Z \(local 00:10 UTC, in 10m\)/);
  assert.match(out, /iat\s+2025-12-31T23:59:00Z \(local 23:59 UTC, 1m ago\)/);
  assert.equal(lastLine(out), NOT_VERIFIED);
  assert.equal(io.err(), '');
});

test('decode accepts "Bearer ", quotes and wrapped whitespace', async () => {
  const t = hsToken();
  const pasted = `  "Bearer ${t.slice(0, 20)}\n  ${t.slice(20)}"\n`;
  const io = memoryIo({ now: NOW });
  assert.equal(await run([pasted, '--json'], io), 0);
  assert.equal(JSON.parse(io.out()).payload.sub, 'alice');
});

test('decode reads a piped token from stdin, and "-" explicitly', async () => {
  for (const args of [[], ['-']]) {
    const io = memoryIo({ stdin: `access_token: ${hsToken()}\n`, now: NOW });
    assert.equal(await run([...args, '--json'], io), 0);
    assert.equal(JSON.parse(io.out()).header.alg, 'HS256');
  }
});

test('decode never returns 1: an expired token still decodes with exit 0 and an "expired" badge', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run([hsToken({ exp: NOW_S - 3600 })], io), 0);
  assert.match(io.out(), /\[expired\]/);
  assert.match(io.out(), /expired 1h ago/);
});

test('decode --json has the documented stable shape', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run([hsToken({}, { kid: 'k1' }), '--json'], io), 0);
  const r = JSON.parse(io.out());
  assert.deepEqual(Object.keys(r).sort(), [
    'dates',
    'error',
    'format',
    'header',
    'payload',
    'signature',
    'verification',
    'warnings',
  ]);
  assert.equal(r.format, 'jws');
  assert.equal(typeof r.signature, 'string');
  assert.deepEqual(r.dates.exp, {
    unix: NOW_S + 600,
    iso: '2026-01-01T00:10:00Z',
    relative: 'in 10m',
  });
  assert.deepEqual(r.verification, {
    status: 'skipped',
    alg: 'HS256',
    kid: 'k1',
    keySource: null,
    errors: [],
  });
  assert.equal(r.error, null);
  assert.ok(Array.isArray(r.warnings));
});

test('decode handles partial tokens: header only, and header.payload without signature', async () => {
  const t = hsToken();
  const [h, p] = t.split('.');
  for (const partial of [h!, `${h}.${p}`, `${h}.${p}.`]) {
    const io = memoryIo({ now: NOW });
    assert.equal(await run([partial, '--json'], io), 0, partial);
    const r = JSON.parse(io.out());
    assert.equal(r.format, 'partial');
    assert.equal(r.header.alg, 'HS256');
    assert.ok(r.warnings.some((w: { code: string }) => w.code === 'malformed'));
  }
});

test('decode shows the header of a JWE and says the payload is encrypted', async () => {
  const jwe = `${encodeBase64url('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"k"}')}.ZW5j.aXY.Y2lwaGVy.dGFn`;
  const io = memoryIo({ now: NOW });
  assert.equal(await run([jwe], io), 0);
  assert.match(io.out(), /Token \(jwe\)/);
  assert.match(io.out(), /"enc": "A256GCM"/);
  assert.match(io.out(), /encrypted/);
  const j = memoryIo({ now: NOW });
  await run([jwe, '--json'], j);
  const r = JSON.parse(j.out());
  assert.equal(r.format, 'jwe');
  assert.equal(r.payload, null);
  assert.equal(r.jwe.ciphertext, 'Y2lwaGVy');
});

test('decode describes a JWE header from RFC 7516, never RFC 7515', async () => {
  const jwe = `${encodeBase64url('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"k"}')}.ZW5j.aXY.Y2lwaGVy.dGFn`;
  const io = memoryIo({ now: NOW });
  assert.equal(await run([jwe], io), 0);
  for (const name of ['alg', 'enc', 'kid'])
    assert.match(io.out(), new RegExp(`^\\s*${name} .*\\(RFC 7516 §4\\.1\\.\\d+\\)$`, 'm'), name);
  assert.doesNotMatch(io.out(), /7515/);
});

test('decode labels alg:none tokens "unsecured" and warns', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run([encodeUnsecuredJwt({ sub: 'x' }), '--json'], io), 0);
  const r = JSON.parse(io.out());
  assert.equal(r.format, 'unsecured');
  assert.ok(r.warnings.some((w: { code: string }) => w.code === 'alg-none'));
});

test('decode warns on duplicate members and non-canonical encoding', async () => {
  const dup = rawToken('{"alg":"HS256"}', '{"sub":"a","sub":"b"}');
  const io = memoryIo({ now: NOW });
  assert.equal(await run([dup, '--json'], io), 0);
  assert.ok(
    JSON.parse(io.out()).warnings.some((w: { code: string }) => w.code === 'duplicate-member'),
  );
  const padded = `${Buffer.from('{"alg":"HS256" }').toString('base64')}.${encodeBase64url('{"sub":"a"}')}.c2ln`;
  const io2 = memoryIo({ now: NOW });
  assert.equal(await run([padded, '--json'], io2), 0);
  assert.ok(
    JSON.parse(io2.out()).warnings.some(
      (w: { code: string }) => w.code === 'non-canonical-encoding',
    ),
  );
});

test('decode: garbled, truncated, binary and huge input → one line and exit 3, no stack', async () => {
  const cases: (string | Buffer)[] = [
    'not a token at all',
    'eyJhbGciOi',
    '%%%.###.$$$',
    Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x02]),
    'a'.repeat(300_000),
    `${'eyJ'.repeat(30_000)}.x.y`,
  ];
  for (const input of cases) {
    const io = memoryIo({ stdin: input, now: NOW });
    const code = await run([], io);
    assert.equal(code, 3, String(input).slice(0, 20));
    const err = io.err();
    assert.equal(err.trimEnd().split('\n').length, 1, err);
    assert.match(err, /^tessera decode: /);
    assert.doesNotMatch(err, /\n\s+at /);
    assert.ok(err.length < 200);
  }
});

test('decode --json on failure still prints the shape on stdout with error set', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run(['garbage', '--json'], io), 3);
  const r = JSON.parse(io.out());
  assert.equal(r.error.exitCode, 3);
  assert.equal(r.error.code, 'ERR_NOT_A_JWT');
  assert.equal(r.header, null);
  assert.equal(r.verification.status, 'skipped');
});

test('decode: unknown flag → exit 2 with a one-line message naming it', async () => {
  const io = memoryIo();
  assert.equal(await run(['--frobnicate', hsToken()], io), 2);
  assert.equal(io.err(), 'tessera decode: unknown option --frobnicate\n');
});

test('decode: no token and stdin is a terminal → usage error 2', async () => {
  const io = memoryIo({ stdinTTY: true });
  assert.equal(await run([], io), 2);
});

test('colour: jwt.io colours on a TTY, none when piped, NO_COLOR and FORCE_COLOR honoured', async () => {
  const t = hsToken();
  const [h, p, s] = t.split('.');
  const tty = memoryIo({ stdoutTTY: true, now: NOW });
  await run([t], tty);
  assert.ok(
    tty.out().includes(`\x1b[38;5;204m${h}\x1b[39m.\x1b[35m${p}\x1b[39m.\x1b[36m${s}\x1b[39m`),
  );
  const piped = memoryIo({ now: NOW });
  await run([t], piped);
  assert.doesNotMatch(piped.out(), /\x1b\[/);
  const noColor = memoryIo({ stdoutTTY: true, env: { NO_COLOR: '1' }, now: NOW });
  await run([t], noColor);
  assert.doesNotMatch(noColor.out(), /\x1b\[/);
  const force = memoryIo({ env: { FORCE_COLOR: '1' }, now: NOW });
  await run([t], force);
  assert.match(force.out(), /\x1b\[35m/);
  const never = memoryIo({ stdoutTTY: true, env: { FORCE_COLOR: '1' }, now: NOW });
  await run([t, '--color=never'], never);
  assert.doesNotMatch(never.out(), /\x1b\[/);
  const bad = memoryIo();
  assert.equal(await run([t, '--color=sometimes'], bad), 2);
});

test('decode --date modes: unix, utc, relative, fixed offset', async () => {
  const t = hsToken();
  const cases: [string, RegExp][] = [
    ['unix', new RegExp(`exp\\s+${NOW_S + 600}\\b`)],
    ['utc', /exp\s+2026-01-01T00:10:00Z\s/],
    ['relative', /exp\s+in 10m/],
    ['+02:00', /exp\s+2026-01-01T02:10:00\+02:00/],
  ];
  for (const [mode, re] of cases) {
    const io = memoryIo({ now: NOW });
    assert.equal(await run([t, `--date=${mode}`], io), 0);
    assert.match(io.out(), re, mode);
  }
  assert.equal(await run([t, '--date=yesterday'], memoryIo()), 2);
});

test('decode flags millisecond timestamps', async () => {
  const io = memoryIo({ now: NOW });
  await run([hsToken({ exp: (NOW_S + 600) * 1000 }), '--json'], io);
  assert.ok(JSON.parse(io.out()).warnings.some((w: { code: string }) => w.code === 'milliseconds'));
});
