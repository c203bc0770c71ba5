import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader, decodeJwt, verifyJwt } from '@tessera/jose';
import { run } from './sign.js';
import { memoryIo, NOW, NOW_S } from '../test-support/memory-io.js';
import {
  ec,
  ecKid,
  ecPem,
  ecPublicJwk,
  SECRET,
  SECRET_BYTES,
  tempDir,
} from '../test-support/fixtures.js';

const dir = tempDir({
  'secret.txt': SECRET,
  'claims.json': '{"sub":"alice","scope":"read write"}',
  'dup.json': '{"sub":"a","sub":"b"}',
  'bad.json': '{"sub":',
  'ec.pem': ecPem.private,
  'ec-pub.pem': ecPem.public,
  'ec-pub.jwk': JSON.stringify(ecPublicJwk),
});
const s = ['--secret-file', join(dir, 'secret.txt')];

test('sign with a secret and flags: --exp +15m, iat now, iss/sub/aud, verifiable by the core', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(
    await run([...s, '--sub', 'alice', '--iss', 'https://i', '--aud', 'api', '--exp', '+15m'], io),
    0,
  );
  const token = io.out().trim();
  const { payload, protectedHeader } = verifyJwt(token, SECRET_BYTES, {
    algorithms: ['HS256'],
    currentDate: NOW,
  });
  assert.deepEqual(payload, {
    iss: 'https://i',
    sub: 'alice',
    aud: 'api',
    iat: NOW_S,
    exp: NOW_S + 900,
  });
  assert.deepEqual(protectedHeader, { alg: 'HS256', typ: 'JWT' });
  assert.equal(io.err(), '');
});

test('sign: claims from a file, from stdin, and -c typed values on top', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(
    await run(
      [
        join(dir, 'claims.json'),
        ...s,
        '-c',
        'admin=true',
        '-c',
        'n=3',
        '-c',
        'tags=["a","b"]',
        '-c',
        'name=Bob',
        '--no-iat',
      ],
      io,
    ),
    0,
  );
  assert.deepEqual(decodeJwt(io.out().trim()), {
    sub: 'alice',
    scope: 'read write',
    admin: true,
    n: 3,
    tags: ['a', 'b'],
    name: 'Bob',
  });
  const piped = memoryIo({ now: NOW, stdin: '{"sub":"carol"}', stdinTTY: false });
  assert.equal(await run([...s, '--jti', 'auto'], piped), 0);
  const p = decodeJwt(piped.out().trim());
  assert.equal(p['sub'], 'carol');
  assert.match(String(p['jti']), /^[0-9a-f-]{36}$/);
});

test('sign with an EC private key: alg ES256 and kid = RFC 7638 thumbprint by default', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run(['--key', join(dir, 'ec.pem'), '--sub', 'x'], io), 0);
  const token = io.out().trim();
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', typ: 'JWT', kid: ecKid });
  verifyJwt(token, ec.publicKey, { algorithms: ['ES256'] });
  const nokid = memoryIo({ now: NOW });
  await run(['--key', join(dir, 'ec.pem'), '--no-kid', '--no-typ', '--header', 'x-extra=1'], nokid);
  assert.deepEqual(decodeProtectedHeader(nokid.out().trim()), { alg: 'ES256', 'x-extra': 1 });
});

test('sign: HMAC tokens get no default kid (a thumbprint of a secret would leak a hash of it)', async () => {
  const io = memoryIo({ now: NOW });
  await run([...s], io);
  assert.equal(decodeProtectedHeader(io.out().trim()).kid, undefined);
});

test('sign warns but signs on a weak secret and on a past exp', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run(['--secret', 'short', '--exp=-1h'], io), 0);
  assert.match(io.err(), /the secret is 5 bytes; HS256 needs at least 32/);
  assert.match(io.err(), /exp is in the past \(expired 1h ago\)/);
  assert.ok(!io.err().includes('short'));
  const token = io.out().trim();
  assert.equal(decodeJwt(token)['exp'], NOW_S - 3600);
});

test('sign -o writes the token with mode 0600; --json gives token + shape', async () => {
  const out = join(tempDir(), 'token.jwt');
  assert.equal(await run([...s, '-o', out], memoryIo({ now: NOW })), 0);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  assert.match(readFileSync(out, 'utf8'), /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const j = memoryIo({ now: NOW });
  assert.equal(await run([...s, '--sub', 'a', '--json'], j), 0);
  const r = JSON.parse(j.out());
  assert.equal(r.format, 'jws');
  assert.equal(r.payload.sub, 'a');
  assert.equal(r.token.split('.').length, 3);
});

/**
 * #12 item 10: `sign -o FILE` over a file another local user can read used to keep its mode (a
 * mode given to writeFile applies at creation only), leaving the token world-readable.
 */
test('sign -o over an existing world-readable file (0644) leaves it 0600 with the new token', async () => {
  const d = tempDir();
  const out = join(d, 'token.jwt');
  writeFileSync(out, 'an old token\n');
  chmodSync(out, 0o644);
  assert.equal(await run([...s, '--sub', 'fresh', '-o', out], memoryIo({ now: NOW })), 0);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const token = readFileSync(out, 'utf8');
  assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  assert.equal(decodeJwt(token.trim())['sub'], 'fresh');
  assert.deepEqual(readdirSync(d), ['token.jwt'], 'no temporary file left behind');
  // A folder that does not exist: exit 3, one line that names no token.
  const io = memoryIo({ now: NOW });
  assert.equal(await run([...s, '-o', join(d, 'missing', 'token.jwt')], io), 3);
  assert.match(io.err(), /cannot write the output file/);
  assert.doesNotMatch(io.err() + io.out(), /eyJ/);
});

test('sign: input errors exit 3 (bad JSON, duplicate members, missing file)', async () => {
  assert.equal(await run([join(dir, 'bad.json'), ...s], memoryIo()), 3);
  assert.equal(await run([join(dir, 'dup.json'), ...s], memoryIo()), 3);
  assert.equal(await run([join(dir, 'missing.json'), ...s], memoryIo()), 3);
  assert.equal(await run([...s], memoryIo({ stdin: '[1,2]', stdinTTY: false })), 3);
});

test('sign: key errors exit 4 (public key, secret with ES256)', async () => {
  assert.equal(await run(['--key', join(dir, 'ec-pub.pem')], memoryIo()), 4);
  assert.equal(await run(['--key', join(dir, 'ec-pub.jwk')], memoryIo()), 4);
  assert.equal(await run([...s, '--alg', 'ES256'], memoryIo()), 4);
});

test('sign: usage errors exit 2 (no key, alg none, conflicting flags, bad --exp)', async () => {
  assert.equal(await run([], memoryIo()), 2);
  assert.equal(await run([...s, '--alg', 'none'], memoryIo()), 2);
  assert.equal(await run([...s, '--typ', 'x', '--no-typ'], memoryIo()), 2);
  assert.equal(await run([...s, '--exp', 'tomorrow'], memoryIo()), 2);
  assert.equal(await run([...s, '-c', 'novalue'], memoryIo()), 2);
  assert.equal(await run([...s, '--header', 'alg=none'], memoryIo()), 2);
});

test('sign --exp -1h takes the dash value (a past exp warns, no "does not take a value")', async () => {
  const past = memoryIo({ now: NOW });
  assert.equal(await run([...s, '--sub', 'alice', '--exp', '-1h'], past), 0, past.err());
  assert.equal(decodeJwt(past.out().trim()).exp, NOW_S - 3600);
  assert.match(past.err(), /exp is in the past/);
  assert.doesNotMatch(past.err(), /never expires|does not take a value/);
});

test('sign without --exp warns "never expires" (and -q silences it)', async () => {
  const never = memoryIo({ now: NOW });
  assert.equal(await run([...s, '--sub', 'alice'], never), 0);
  assert.equal(decodeJwt(never.out().trim()).exp, undefined);
  assert.match(never.err(), /warning: no exp: this token never expires/);
  const quiet = memoryIo({ now: NOW });
  assert.equal(await run([...s, '--sub', 'alice', '-q'], quiet), 0);
  assert.equal(quiet.err(), '');
});
