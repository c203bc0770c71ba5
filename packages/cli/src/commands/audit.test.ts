import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeBase64url, encodeUnsecuredJwt, signJwt } from '@tessera/jose';
import { run } from './audit.js';
import { auditToken } from '@tessera/inspect';
import { memoryIo, NOW, NOW_S } from '../test-support/memory-io.js';
import { hsToken, rawToken, tempDir } from '../test-support/fixtures.js';

const ids = (token: string, opts: Parameters<typeof auditToken>[1] = {}) =>
  auditToken(token, { now: NOW, ...opts }).map((f) => f.id);
const enc = (s: string) => new TextEncoder().encode(s);

test('a well-formed short-lived token has no findings, and audit exits 0', async () => {
  assert.deepEqual(ids(hsToken()), []);
  const io = memoryIo({ now: NOW });
  assert.equal(await run([hsToken()], io), 0);
  assert.match(io.out(), /no findings/);
});

test('A1 alg none and its case variants are critical', () => {
  assert.ok(ids(encodeUnsecuredJwt({ sub: 'a', exp: NOW_S + 60 })).includes('alg-none'));
  for (const alg of ['None', 'NONE', 'nOnE']) {
    const f = auditToken(rawToken(`{"alg":"${alg}"}`, `{"exp":${NOW_S + 60}}`, ''), { now: NOW });
    const hit = f.find((x) => x.id === 'alg-none');
    assert.equal(hit?.severity, 'critical', alg);
    assert.match(hit!.message, /case variant/);
  }
  assert.ok(ids(rawToken('{"alg":"none"}', '{}', 'c2ln')).includes('alg-none-with-signature'));
  assert.ok(ids(rawToken('{"typ":"JWT"}', '{}')).includes('alg-missing'));
});

test("HS256 signed with a known weak secret (jwt.io's your-256-bit-secret) is critical; the secret is not printed", () => {
  const t = signJwt({ sub: 'a', exp: NOW_S + 60 }, enc('your-256-bit-secret'), {
    alg: 'HS256',
    allowWeakSecret: true,
    currentDate: NOW,
  });
  const f = auditToken(t, { now: NOW }).find((x) => x.id === 'weak-secret');
  assert.equal(f?.severity, 'critical');
  assert.doesNotMatch(f!.message, /your-256-bit-secret/);
  for (const secret of ['secret', 'changeme']) {
    const u = signJwt({ exp: NOW_S + 60 }, enc(secret), {
      alg: 'HS384',
      allowWeakSecret: true,
      currentDate: NOW,
    });
    assert.ok(ids(u).includes('weak-secret'), secret);
  }
});

test('--wordlist tries your own secrets; without it a custom secret is not found', async () => {
  const mine = 'corporate-default-2024';
  const t = signJwt({ exp: NOW_S + 60 }, enc(mine), {
    alg: 'HS256',
    allowWeakSecret: true,
    currentDate: NOW,
  });
  assert.ok(!ids(t).includes('weak-secret'));
  const dir = tempDir({ 'words.txt': `foo\nbar\n${mine}\n` });
  const io = memoryIo({ now: NOW });
  assert.equal(await run([t, '--wordlist', join(dir, 'words.txt'), '--json'], io), 1);
  const r = JSON.parse(io.out());
  const hit = r.findings.find((f: { id: string }) => f.id === 'weak-secret');
  assert.match(hit.message, /wordlist entry 3/);
  assert.ok(!io.out().includes(mine));
});

test('C5/C6 jku, x5u, jwk and x5c headers are flagged', () => {
  const t = rawToken(
    '{"alg":"RS256","jku":"https://evil/jwks","x5u":"https://evil/c","jwk":{"kty":"oct","k":"AA"},"x5c":["MII"]}',
    `{"exp":${NOW_S + 60}}`,
  );
  const found = ids(t);
  for (const h of ['header-jku', 'header-x5u', 'header-jwk', 'header-x5c'])
    assert.ok(found.includes(h), h);
});

test('C7 suspicious kid: path traversal, quotes and SQL', () => {
  for (const kid of ['../../dev/null', "x' OR '1'='1", 'k; DROP TABLE keys--', '$(id)']) {
    const t = rawToken(JSON.stringify({ alg: 'HS256', kid }), `{"exp":${NOW_S + 60}}`);
    assert.ok(ids(t).includes('kid-suspicious'), kid);
  }
  assert.ok(
    !ids(rawToken('{"alg":"HS256","kid":"2024-key_1.a"}', `{"exp":${NOW_S + 60}}`)).includes(
      'kid-suspicious',
    ),
  );
});

test('time rules: missing exp, distant exp, iat in the future, milliseconds, expired', () => {
  assert.ok(ids(hsToken({ exp: undefined })).includes('exp-missing'));
  assert.ok(ids(hsToken({ exp: NOW_S + 30 * 86400 })).includes('exp-distant'));
  assert.ok(
    !ids(hsToken({ exp: NOW_S + 30 * 86400 }), { maxLifetimeSeconds: 60 * 86400 }).includes(
      'exp-distant',
    ),
  );
  assert.ok(ids(hsToken({ iat: NOW_S + 3600 })).includes('iat-future'));
  assert.ok(ids(hsToken({ exp: (NOW_S + 600) * 1000 })).includes('milliseconds'));
  assert.ok(ids(hsToken({ exp: NOW_S - 10 })).includes('expired'));
  assert.ok(ids(rawToken('{"alg":"HS256"}', '{"exp":"2030-01-01"}')).includes('time-claim-type'));
});

test('F1/B3 duplicate members and non-canonical encoding are flagged', () => {
  assert.ok(
    ids(rawToken('{"alg":"HS256","alg":"none"}', `{"exp":${NOW_S + 60}}`)).includes(
      'duplicate-member',
    ),
  );
  const padded = `${Buffer.from('{"alg":"HS256" }').toString('base64')}.${encodeBase64url(`{"exp":${NOW_S + 60}}`)}.c2ln`;
  assert.ok(ids(padded).includes('non-canonical-encoding'));
});

test('typ anomalies and crit present', () => {
  assert.ok(
    ids(rawToken('{"alg":"HS256","typ":"weird"}', `{"exp":${NOW_S + 60}}`)).includes('typ-unusual'),
  );
  assert.ok(
    !ids(rawToken('{"alg":"HS256","typ":"at+jwt"}', `{"exp":${NOW_S + 60}}`)).includes(
      'typ-unusual',
    ),
  );
  assert.ok(
    ids(rawToken('{"alg":"HS256","crit":["exp"]}', `{"exp":${NOW_S + 60}}`)).includes(
      'crit-present',
    ),
  );
});

test("sensitive data: passwords, secrets, Luhn-valid card numbers, national ids (don't put passwords in a JWT)", () => {
  const f = auditToken(
    hsToken({
      password: 'hunter2',
      profile: { client_secret: 's3' },
      card: '4111 1111 1111 1111',
      ssn: '123-45-6789',
      ni_number: 'AB123456C',
      note: '4111111111111112',
    }),
    { now: NOW },
  );
  const sensitive = f
    .filter((x) => x.id.startsWith('sensitive-'))
    .map((x) => `${x.id}:${x.name}`)
    .sort();
  assert.deepEqual(sensitive, [
    'sensitive-card-number:card',
    'sensitive-identifier-name:ssn',
    'sensitive-national-id:ni_number',
    'sensitive-secret-name:password',
    'sensitive-secret-name:profile.client_secret',
  ]);
  // An ssn is personal data, not a password.
  const ssn = f.find((x) => x.name === 'ssn')!;
  assert.doesNotMatch(ssn.message, /password/);
  assert.match(ssn.message, /national identifier/);
  for (const x of f) assert.ok(!x.message.includes('hunter2') && !x.message.includes('4111'));
  // A national id under an innocent name is still caught.
  assert.ok(ids(hsToken({ taxpayer: '123-45-6789' })).includes('sensitive-national-id'));
});

test('tessera audit calls an ssn claim a national identifier, never a password', async () => {
  const io = memoryIo({ now: NOW });
  await run([hsToken({ ssn: '123-45-6789' }), '--json'], io);
  const { findings } = JSON.parse(io.out()) as {
    findings: { id: string; name?: string; message: string }[];
  };
  const ssn = findings.filter((x) => x.name === 'ssn');
  assert.equal(ssn.length, 1, io.out());
  assert.equal(ssn[0]!.id, 'sensitive-identifier-name');
  assert.match(ssn[0]!.message, /national identifier/);
  assert.doesNotMatch(ssn[0]!.message, /password|secret/i);
  assert.ok(!io.out().includes('123-45-6789'), 'the value is never echoed');
});

test('--fail-on decides exit 1; --json shape; never → 0', async () => {
  const t = hsToken({ exp: NOW_S + 30 * 86400 }); // one low finding
  assert.equal(await run([t], memoryIo({ now: NOW })), 0);
  assert.equal(await run([t, '--fail-on', 'low'], memoryIo({ now: NOW })), 1);
  const io = memoryIo({ now: NOW });
  assert.equal(await run([encodeUnsecuredJwt({ exp: NOW_S + 60 }), '--json'], io), 1);
  const r = JSON.parse(io.out());
  assert.deepEqual(Object.keys(r).sort(), [
    'counts',
    'error',
    'failOn',
    'failed',
    'findings',
    'format',
  ]);
  assert.equal(r.failed, true);
  assert.equal(r.counts.critical, 1);
  assert.deepEqual(Object.keys(r.findings[0]).sort(), [
    'id',
    'message',
    'name',
    'part',
    'severity',
  ]);
  assert.equal(
    await run([encodeUnsecuredJwt({}), '--fail-on', 'never'], memoryIo({ now: NOW })),
    0,
  );
  assert.equal(await run([t, '--fail-on', 'severe'], memoryIo({ now: NOW })), 2);
});

test('audit: garbage → 3 with --json error shape; unreadable wordlist → 3', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run(['%%%', '--json'], io), 3);
  assert.equal(JSON.parse(io.out()).error.exitCode, 3);
  assert.equal(
    await run([hsToken(), '--wordlist', '/nonexistent/words'], memoryIo({ now: NOW })),
    3,
  );
  // The library never throws on garbage: it reports why it is not a token.
  assert.deepEqual(
    auditToken('not a token').map((f) => f.id),
    ['malformed'],
  );
});
