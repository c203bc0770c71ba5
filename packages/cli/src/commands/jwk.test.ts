import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run } from './jwk.js';
import { memoryIo } from '../test-support/memory-io.js';
import { ecKid, ecPem, ecPublicJwk, tempDir } from '../test-support/fixtures.js';

// RFC 7638 §3.1 example JWK and thumbprint (provenance: packages/jose/vectors/README.md, rfc7638.json,
// from latchset/jose tests/vectors/rfc7638_3.1.*).
const rfc = {
  jwk: {
    kty: 'RSA',
    n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    e: 'AQAB',
    alg: 'RS256',
    kid: '2011-04-29',
  },
  thumbprint_sha256_b64u: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
};

test('jwk thumbprint: the RFC 7638 §3.1 example, from a file, stdin and inline JSON', async () => {
  const dir = tempDir({ 'rsa.jwk': JSON.stringify(rfc.jwk) });
  const f = memoryIo();
  assert.equal(await run(['thumbprint', join(dir, 'rsa.jwk')], f), 0);
  assert.equal(f.out(), `${rfc.thumbprint_sha256_b64u}\n`);
  const s = memoryIo({ stdin: JSON.stringify(rfc.jwk), stdinTTY: false });
  assert.equal(await run(['thumbprint', '-'], s), 0);
  assert.equal(s.out().trim(), rfc.thumbprint_sha256_b64u);
  const i = memoryIo();
  assert.equal(await run(['thumbprint', JSON.stringify(rfc.jwk), '--uri'], i), 0);
  assert.equal(
    i.out().trim(),
    `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${rfc.thumbprint_sha256_b64u}`,
  );
});

test('jwk thumbprint of a PEM and of a JWKS (one line per key)', async () => {
  const dir = tempDir({
    'ec.pem': ecPem.public,
    'jwks.json': JSON.stringify({ keys: [ecPublicJwk, rfc.jwk] }),
  });
  const p = memoryIo();
  assert.equal(await run(['thumbprint', join(dir, 'ec.pem')], p), 0);
  assert.equal(p.out().trim(), ecKid);
  const j = memoryIo();
  assert.equal(await run(['thumbprint', join(dir, 'jwks.json'), '--json'], j), 0);
  assert.deepEqual(JSON.parse(j.out()).thumbprints, [
    { kid: ecKid, thumbprint: ecKid },
    { kid: '2011-04-29', thumbprint: rfc.thumbprint_sha256_b64u },
  ]);
});

test('jwk: usage 2, input 3, key 4', async () => {
  assert.equal(await run([], memoryIo()), 2);
  assert.equal(await run(['fingerprint', '{}'], memoryIo()), 2);
  assert.equal(await run(['thumbprint', '{}', '--hash', 'md5'], memoryIo()), 2);
  assert.equal(await run(['thumbprint', '{not json'], memoryIo()), 3);
  assert.equal(await run(['thumbprint', '/nonexistent/key.jwk'], memoryIo()), 3);
  assert.equal(await run(['thumbprint', '{"kty":"EC","crv":"P-256","x":"AA"}'], memoryIo()), 4);
});
