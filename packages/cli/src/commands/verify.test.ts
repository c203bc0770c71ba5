import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encodeUnsecuredJwt, generateKeyPair, signJwt, exportJwk } from '@tessera/jose';
import { run } from './verify.js';
import { memoryIo, NOW, NOW_S } from '../test-support/memory-io.js';
import {
  ec,
  ecKid,
  ecPem,
  ecPublicJwk,
  esToken,
  hsToken,
  SECRET,
  tempDir,
} from '../test-support/fixtures.js';

const dir = tempDir({
  'secret.txt': `${SECRET}\n`,
  'ec.pem': ecPem.public,
  'ec.jwk': JSON.stringify(ecPublicJwk),
  'jwks.json': JSON.stringify({ keys: [ecPublicJwk] }),
  'garbage.key': 'this is not a key',
});
const json = (io: { out(): string }) => JSON.parse(io.out());

test('verify with a secret: exit 0, VERIFIED, keySource names the source, not the secret', async () => {
  const io = memoryIo({ now: NOW, env: { TOK_SECRET: SECRET } });
  assert.equal(await run([hsToken(), '--secret', 'env:TOK_SECRET'], io), 0);
  assert.match(io.out(), /✓ signature verified \(HS256, secret \(env:TOK_SECRET\)\)/);
  assert.match(io.out(), /VERIFIED/);
  const j = memoryIo({ now: NOW, env: { TOK_SECRET: SECRET } });
  assert.equal(await run([hsToken(), '--secret', 'env:TOK_SECRET', '--json'], j), 0);
  const r = json(j);
  assert.equal(r.verification.status, 'verified');
  assert.equal(r.verification.keySource, 'secret (env:TOK_SECRET)');
  assert.deepEqual(r.verification.errors, []);
  assert.ok(!j.out().includes(SECRET));
});

test('verify: a wrong secret → exit 1 with ERR_SIGNATURE_INVALID, and the secret is never printed', async () => {
  const wrong = 'another-long-secret-that-is-32-bytes-or-more!!';
  const io = memoryIo({ now: NOW });
  assert.equal(await run([hsToken(), '--secret', wrong, '--json'], io), 1);
  const r = json(io);
  assert.equal(r.verification.status, 'invalid');
  assert.equal(r.verification.errors[0].code, 'ERR_SIGNATURE_INVALID');
  assert.ok(!io.out().includes(wrong) && !io.err().includes(wrong));
  assert.match(io.err(), /^warning: a secret given on the command line/);
});

test('verify reports every claim failure at once (exp, iss, aud, sub, required, typ)', async () => {
  const token = hsToken({ exp: NOW_S - 90 });
  const io = memoryIo({ now: NOW });
  const code = await run(
    [
      token,
      '--secret-file',
      join(dir, 'secret.txt'),
      '--iss',
      'https://other',
      '--aud',
      'web',
      '--sub',
      'bob',
      '--require',
      'jti,nonce',
      '--typ',
      'at+jwt',
      '--json',
    ],
    io,
  );
  assert.equal(code, 1);
  const errors = json(io).verification.errors as {
    code: string;
    claim: string;
    expiredSecondsAgo?: number;
  }[];
  const by = (claim: string) => errors.find((e) => e.claim === claim);
  assert.equal(by('exp')?.code, 'ERR_JWT_EXPIRED');
  assert.equal(by('exp')?.expiredSecondsAgo, 90);
  for (const c of ['iss', 'aud', 'sub', 'jti', 'nonce', 'typ'])
    assert.equal(by(c)?.code, 'ERR_JWT_CLAIM_INVALID', c);
  assert.equal(errors.length, 7);
  const human = memoryIo({ now: NOW });
  await run(
    [token, '--secret-file', join(dir, 'secret.txt'), '--iss', 'https://other', '-q'],
    human,
  );
  assert.match(human.out(), /✓ signature verified/);
  assert.match(human.out(), /✗ "exp" claim timestamp check failed \(expired\) \(1m 30s ago\)/);
  assert.match(
    human.out(),
    /✗ unexpected "iss": expected "https:\/\/other", the token has "https:\/\/issuer\.test"/,
  );
  assert.match(human.out(), /INVALID: claim checks failed/);
});

test('verify: --clock-tolerance, --ignore-exp and --now move the expiry decision', async () => {
  const token = hsToken({ exp: NOW_S - 20 });
  const s = ['--secret-file', join(dir, 'secret.txt')];
  assert.equal(await run([token, ...s], memoryIo({ now: NOW })), 1);
  assert.equal(await run([token, ...s, '--clock-tolerance', '30s'], memoryIo({ now: NOW })), 0);
  assert.equal(await run([token, ...s, '--clock-tolerance', '10s'], memoryIo({ now: NOW })), 1);
  // --leeway is the deprecated alias: the same decision; both at once is a usage error.
  assert.equal(await run([token, ...s, '--leeway', '30s'], memoryIo({ now: NOW })), 0);
  assert.equal(await run([token, ...s, '--leeway', '10s'], memoryIo({ now: NOW })), 1);
  const both = memoryIo({ now: NOW });
  assert.equal(await run([token, ...s, '--leeway', '30s', '--clock-tolerance', '30s'], both), 2);
  assert.match(both.err(), /--leeway is the deprecated name of --clock-tolerance/);
  const bad = memoryIo({ now: NOW });
  assert.equal(await run([token, ...s, '--clock-tolerance', '1 minute'], bad), 2);
  assert.match(bad.err(), /--clock-tolerance must be/);
  assert.equal(await run([token, ...s, '--ignore-exp'], memoryIo({ now: NOW })), 0);
  assert.equal(
    await run([token, ...s, '--now', '2025-12-31T23:59:00Z'], memoryIo({ now: NOW })),
    0,
  );
  assert.equal(await run([token, ...s, '--now', String(NOW_S)], memoryIo({ now: NOW })), 1);
  assert.equal(await run([token, ...s, '--leeway', '1 minute'], memoryIo({ now: NOW })), 2);
});

test('verify: nbf and iat in the future, and --max-age', async () => {
  const s = ['--secret-file', join(dir, 'secret.txt'), '--json'];
  const io = memoryIo({ now: NOW });
  assert.equal(await run([hsToken({ nbf: NOW_S + 100, iat: NOW_S + 100 }), ...s], io), 1);
  const codes = json(io)
    .verification.errors.map((e: { code: string; claim: string }) => `${e.code}:${e.claim}`)
    .sort();
  assert.deepEqual(codes, ['ERR_JWT_NOT_YET_VALID:iat', 'ERR_JWT_NOT_YET_VALID:nbf']);
  const old = memoryIo({ now: NOW });
  assert.equal(await run([hsToken({ iat: NOW_S - 7200 }), ...s, '--max-age', '1h'], old), 1);
  assert.equal(json(old).verification.errors[0].claim, 'iat');
  assert.equal(
    await run([hsToken({ iat: NOW_S - 60 }), ...s, '--max-age', '1h'], memoryIo({ now: NOW })),
    0,
  );
});

test('verify: matching iss/aud/sub pass', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(
    await run(
      [
        hsToken(),
        '--secret-file',
        join(dir, 'secret.txt'),
        '--iss',
        'https://issuer.test',
        '--aud',
        'web,api',
        '--sub',
        'alice',
        '--require',
        'exp,iat',
      ],
      io,
    ),
    0,
  );
});

test('verify: --alg allowlist rejects the token alg (exit 1); --alg none is a usage error', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(
    await run(
      [hsToken(), '--secret-file', join(dir, 'secret.txt'), '--alg', 'HS512', '--json'],
      io,
    ),
    1,
  );
  assert.equal(json(io).verification.errors[0].code, 'ERR_ALG_NOT_ALLOWED');
  assert.equal(
    await run([hsToken(), '--secret-file', join(dir, 'secret.txt'), '--alg', 'none'], memoryIo()),
    2,
  );
  assert.equal(
    await run([hsToken(), '--secret-file', join(dir, 'secret.txt'), '--alg', 'HS999'], memoryIo()),
    2,
  );
});

test('A2 verify: an HS256 token is never checked with the text of a public key (alg confusion)', async () => {
  // The attacker signs HS256 with the PEM text of the public key as the "secret".
  const forged = signJwt({ sub: 'admin' }, new TextEncoder().encode(ecPem.public), {
    alg: 'HS256',
  });
  const io = memoryIo({ now: NOW });
  assert.equal(await run([forged, '--key', join(dir, 'ec.pem'), '--json'], io), 1);
  assert.equal(json(io).verification.errors[0].code, 'ERR_ALG_NOT_ALLOWED');
});

test('verify: alg none tokens are invalid (exit 1)', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(
    await run(
      [encodeUnsecuredJwt({ sub: 'x' }), '--secret-file', join(dir, 'secret.txt'), '--json'],
      io,
    ),
    1,
  );
  assert.equal(json(io).verification.errors[0].code, 'ERR_ALG_NOT_ALLOWED');
});

test('verify with --key PEM, --key JWK, --jwks file (kid shown)', async () => {
  for (const args of [
    ['--key', join(dir, 'ec.pem')],
    ['--key', join(dir, 'ec.jwk')],
    ['--jwks', join(dir, 'jwks.json')],
    ['--jwks', join(dir, 'jwks.json'), `--kid=${ecKid}`],
  ]) {
    const io = memoryIo({ now: NOW });
    assert.equal(await run([esToken(), ...args], io), 0, args.join(' '));
    assert.match(io.out(), new RegExp(`signature verified \\(ES256, .*kid=${ecKid}`));
  }
});

test('verify: key errors exit 4 (kid not in JWKS, key does not fit --alg, weak secret)', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await run([esToken(), '--jwks', join(dir, 'jwks.json'), '--kid', 'nope'], io), 4);
  assert.match(io.err(), /no key with that kid/);
  const other = generateKeyPair('ES256');
  const otherJwks = tempDir({
    'j.json': JSON.stringify({ keys: [{ ...exportJwk(other.publicKey), kid: 'other' }] }),
  });
  assert.equal(
    await run([esToken(), '--jwks', join(otherJwks, 'j.json')], memoryIo({ now: NOW })),
    4,
  );
  assert.equal(
    await run([esToken(), '--key', join(dir, 'ec.pem'), '--alg', 'RS256'], memoryIo({ now: NOW })),
    4,
  );
  const weak = signJwt({ sub: 'a' }, new TextEncoder().encode('short'), {
    alg: 'HS256',
    allowWeakSecret: true,
    currentDate: NOW,
  });
  const w = memoryIo({ now: NOW });
  assert.equal(await run([weak, '--secret', 'short', '-q'], w), 4);
  assert.match(w.err(), /--allow-weak-key/);
  assert.doesNotMatch(w.err(), /short(?!er)/);
  assert.equal(
    await run([weak, '--secret', 'short', '--allow-weak-key', '-q'], memoryIo({ now: NOW })),
    0,
  );
});

test('verify: usage errors exit 2 (no key, two key sources, unknown flag)', async () => {
  const none = memoryIo({ now: NOW });
  assert.equal(await run([hsToken()], none), 2);
  assert.match(none.err(), /no key/);
  assert.equal(
    await run([hsToken(), '--secret', 'x', '--key', join(dir, 'ec.pem')], memoryIo()),
    2,
  );
  assert.equal(await run([hsToken(), '--bogus'], memoryIo()), 2);
});

test('verify: input errors exit 3 (garbage token, JWE, unreadable or non-key key file)', async () => {
  assert.equal(await run(['garbage', '--secret-file', join(dir, 'secret.txt')], memoryIo()), 3);
  const jwe = `${Buffer.from('{"alg":"dir","enc":"A256GCM"}').toString('base64url')}..aXY.Y3Q.dGFn`;
  assert.equal(await run([jwe, '--secret-file', join(dir, 'secret.txt')], memoryIo()), 3);
  assert.equal(await run([esToken(), '--key', join(dir, 'missing.pem')], memoryIo()), 3);
  assert.equal(await run([esToken(), '--key', join(dir, 'garbage.key')], memoryIo()), 3);
  assert.equal(await run([hsToken(), '--secret-file', join(dir, 'nope.txt')], memoryIo()), 3);
});

test('secret sources: @file, stdin "-", hidden prompt, encodings', async () => {
  assert.equal(
    await run([hsToken(), '--secret', `@${join(dir, 'secret.txt')}`], memoryIo({ now: NOW })),
    0,
  );
  assert.equal(
    await run(
      [hsToken(), '--secret', '-'],
      memoryIo({ now: NOW, stdin: `${SECRET}\n`, stdinTTY: false }),
    ),
    0,
  );
  const prompted = memoryIo({ now: NOW, stdinTTY: true, prompt: SECRET });
  assert.equal(await run([hsToken(), '--json'], prompted), 0);
  assert.equal(json(prompted).verification.keySource, 'secret (prompt)');
  const hex = Buffer.from(SECRET).toString('hex');
  assert.equal(await run([hsToken(), '--secret', `hex:${hex}`, '-q'], memoryIo({ now: NOW })), 0);
  const b64 = Buffer.from(SECRET).toString('base64');
  assert.equal(
    await run(
      [hsToken(), '--secret', b64, '--secret-encoding', 'base64', '-q'],
      memoryIo({ now: NOW }),
    ),
    0,
  );
  assert.equal(await run([hsToken(), '--secret', 'hex:zz', '-q'], memoryIo({ now: NOW })), 3);
  assert.equal(
    await run([hsToken(), '--secret', 'x', '--secret-encoding', 'rot13'], memoryIo({ now: NOW })),
    2,
  );
  // The token on stdin and the secret on stdin cannot both work.
  assert.equal(
    await run(['-', '--secret', '-'], memoryIo({ now: NOW, stdin: hsToken(), stdinTTY: false })),
    2,
  );
});

test('a literal --secret warns once on stderr without echoing it; --quiet silences the warning', async () => {
  const io = memoryIo({ now: NOW });
  await run([hsToken(), '--secret', SECRET], io);
  assert.equal(io.err().split('\n').filter(Boolean).length, 1);
  assert.ok(!io.err().includes(SECRET));
  const q = memoryIo({ now: NOW });
  await run([hsToken(), '--secret', SECRET, '--quiet'], q);
  assert.equal(q.err(), '');
});

// --- JWKS over HTTP, against a real node:http server on 127.0.0.1 ---
let hits = 0;
const server: Server = createServer((req, res) => {
  hits++;
  if (req.url === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [ecPublicJwk] }));
  } else if (req.url === '/redirect') {
    res.writeHead(302, { location: '/jwks' });
    res.end();
  } else {
    res.writeHead(500);
    res.end('boom');
  }
});
const ready = new Promise<string>((resolve) =>
  server.listen(0, '127.0.0.1', () =>
    resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
  ),
);
after(() => server.close());

test('verify --jwks URL: fetched only with the explicit loopback allowance; failures exit 5', async () => {
  const base = await ready;
  const before = hits;
  const refused = memoryIo({ now: NOW });
  assert.equal(await run([esToken(), '--jwks', `${base}/jwks`], refused), 2);
  assert.match(refused.err(), /--allow-http-loopback/);
  assert.equal(hits, before, 'no request without the allowance');
  const io = memoryIo({ now: NOW });
  assert.equal(
    await run([esToken(), '--jwks', `${base}/jwks`, '--allow-http-loopback', '--json'], io),
    0,
  );
  assert.match(json(io).verification.keySource, /^JWKS http:\/\/127\.0\.0\.1:\d+\/jwks$/);
  assert.equal(
    await run(
      [esToken(), '--jwks', `${base}/error`, '--allow-http-loopback'],
      memoryIo({ now: NOW }),
    ),
    5,
  );
  assert.equal(
    await run(
      [esToken(), '--jwks', `${base}/redirect`, '--allow-http-loopback'],
      memoryIo({ now: NOW }),
    ),
    5,
  );
  assert.equal(
    await run([esToken(), '--jwks', 'http://example.com/jwks'], memoryIo({ now: NOW })),
    2,
  );
});

test('verify --jwks URL: connection refused → exit 5', async () => {
  const s = createServer();
  const port = await new Promise<number>((r) =>
    s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)),
  );
  await new Promise((r) => s.close(r));
  const io = memoryIo({ now: NOW });
  assert.equal(
    await run(
      [esToken(), '--jwks', `http://127.0.0.1:${port}/jwks`, '--allow-http-loopback', '--json'],
      io,
    ),
    5,
  );
  assert.equal(json(io).error.exitCode, 5);
});

void ec;

test('verify --key MISSING names the path and the reason (no such file; a directory)', async () => {
  const missing = memoryIo({ now: NOW });
  assert.equal(await run([esToken(), '--key', join(dir, 'nope.jwk')], missing), 3);
  assert.match(missing.err(), /cannot read the key file .*nope\.jwk: no such file/);
  const folder = memoryIo({ now: NOW });
  assert.equal(await run([esToken(), '--key', dir], folder), 3);
  assert.match(folder.err(), /: it is a directory/);
});

test('verify: a failed signature whose kid is not this key says so (kid and thumbprint shown)', async () => {
  // A token signed by another key whose kid names that key, checked with ours.
  const other = generateKeyPair('ES256');
  const foreign = signJwt({ sub: 'alice', exp: NOW_S + 600 }, other.privateKey, {
    alg: 'ES256',
    kid: 'other-key',
    currentDate: NOW,
  });
  const io = memoryIo({ now: NOW });
  assert.equal(await run([foreign, '--key', join(dir, 'ec.jwk')], io), 1);
  assert.match(
    io.out(),
    new RegExp(
      `the token's kid "other-key" does not match this key: kid "${ecKid}", thumbprint "${ecKid}"; probably the wrong key`,
    ),
  );
  // The right key with a matching kid says nothing about kids.
  const ok = memoryIo({ now: NOW });
  assert.equal(await run([esToken(), '--key', join(dir, 'ec.jwk')], ok), 0);
  assert.doesNotMatch(ok.out(), /probably the wrong key/);
});

test('verify --aud failure shows the expected audiences and the actual aud', async () => {
  const aud = memoryIo({ now: NOW });
  const s = ['--secret-file', join(dir, 'secret.txt')];
  assert.equal(await run([hsToken({ aud: ['web', 'admin'] }), ...s, '--aud', 'api,api2'], aud), 1);
  assert.match(
    aud.out(),
    /unexpected "aud": expected one of "api", "api2", the token has \["web","admin"\]/,
  );
});

test('verify --iss failure shows the expected and the actual issuer', async () => {
  const io = memoryIo({ now: NOW });
  const s = ['--secret-file', join(dir, 'secret.txt')];
  assert.equal(await run([hsToken(), ...s, '--iss', 'https://login.example'], io), 1);
  assert.match(
    io.out(),
    /✗ unexpected "iss": expected "https:\/\/login\.example", the token has "https:\/\/issuer\.test"/,
  );
  const ok = memoryIo({ now: NOW });
  assert.equal(await run([hsToken(), ...s, '--iss', 'https://issuer.test'], ok), 0, ok.out());
});
