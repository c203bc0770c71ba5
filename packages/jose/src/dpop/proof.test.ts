/** DPoP proofs (RFC 9449 §4): what createDpopProof writes, and every refusal of verifyDpopProof. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as jose from 'jose';
import {
  calculateAccessTokenHash,
  calculateJwkThumbprint,
  createDpopProof,
  createDpopVerifier,
  decodeJwt,
  decodeProtectedHeader,
  encodeBase64url,
  encodeUnsecuredJwt,
  exportJwk,
  generateKeyPair,
  signCompact,
  verifyDpopProof,
  type JwsAlg,
} from '../index.js';
import { assertJoseError } from '../test-support/assert-jose.js';

const es = generateKeyPair('ES256');
const ed = generateKeyPair('EdDSA');
const other = generateKeyPair('ES256');
const HTU = 'https://api.example.com/orders';
const AT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln';
const NOW = new Date('2026-12-03T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const ALGS: JwsAlg[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];
const req = { htm: 'GET', htu: HTU, algorithms: ALGS, currentDate: NOW };

/** Sign arbitrary header and claims with a key, as a forger would. */
function forge(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key = es.privateKey,
  alg: JwsAlg = 'ES256',
): string {
  return signCompact(JSON.stringify(claims), key, { alg, header });
}
const goodClaims = () => ({ jti: 'j1', htm: 'GET', htu: HTU, iat: NOW_S });
const goodHeader = () => ({ typ: 'dpop+jwt', jwk: exportJwk(es.publicKey) });

test('createDpopProof writes typ, alg, the public jwk, jti, htm, htu without query, iat, ath, nonce', () => {
  const proof = createDpopProof({
    key: es.privateKey,
    htm: 'POST',
    htu: 'https://API.example.com:443/token?x=1#frag',
    accessToken: AT,
    nonce: 'n-1',
    currentDate: NOW,
  });
  const h = decodeProtectedHeader(proof);
  assert.equal(h.typ, 'dpop+jwt');
  assert.equal(h.alg, 'ES256');
  assert.deepEqual(Object.keys(h.jwk as object).sort(), ['crv', 'kty', 'x', 'y']);
  const c = decodeJwt(proof);
  assert.equal(c['htm'], 'POST');
  assert.equal(c['htu'], 'https://api.example.com/token');
  assert.equal(c.iat, NOW_S);
  assert.equal(c['nonce'], 'n-1');
  assert.equal(c['ath'], createHash('sha256').update(AT).digest('base64url'));
  assert.match(c.jti!, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(
    decodeJwt(createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU })).jti,
    c.jti,
  );
  // EdDSA keys get EdDSA proofs; a private JWK works as a key too.
  const edProof = createDpopProof({ key: exportJwk(ed.privateKey), htm: 'GET', htu: HTU });
  assert.equal(decodeProtectedHeader(edProof).alg, 'EdDSA');
  assert.equal((decodeProtectedHeader(edProof).jwk as { d?: string }).d, undefined);
});

test('createDpopProof refuses public keys, secrets, HS* and bad options', () => {
  assertJoseError(
    () => createDpopProof({ key: es.publicKey, htm: 'GET', htu: HTU }),
    'ERR_KEY_INVALID',
  );
  assertJoseError(
    () => createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU, alg: 'HS256' }),
    'ERR_ALG_NOT_ALLOWED',
  );
  assertJoseError(
    () => createDpopProof({ key: es.privateKey, htm: 'G ET', htu: HTU }),
    'ERR_OPTIONS_INVALID',
  );
  assertJoseError(
    () => createDpopProof({ key: es.privateKey, htm: 'GET', htu: 'ftp://x/' }),
    'ERR_OPTIONS_INVALID',
  );
  assertJoseError(
    () => createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU, ath: 'a', accessToken: AT }),
    'ERR_OPTIONS_INVALID',
  );
});

test('verifyDpopProof accepts a fresh proof and returns jkt, jti, iat', () => {
  for (const pair of [es, ed, generateKeyPair('RS256')]) {
    const proof = createDpopProof({
      key: pair.privateKey,
      htm: 'GET',
      htu: HTU,
      accessToken: AT,
      currentDate: NOW,
    });
    const r = verifyDpopProof(proof, { ...req, accessToken: AT });
    assert.equal(r.jkt, calculateJwkThumbprint(pair.publicKey));
    assert.equal(r.iat, NOW_S);
    assert.equal(r.jti, decodeJwt(proof).jti);
  }
});

test('htu is compared after RFC 9449 §4.3 normalisation: query and fragment ignored', () => {
  const proof = createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU, currentDate: NOW });
  for (const htu of [
    'https://api.example.com/orders?page=2',
    'https://api.example.com/orders#x',
    'HTTPS://API.EXAMPLE.COM:443/orders',
    'https://api.example.com/a/../orders',
    'https://api.example.com/%6Frders',
  ])
    assert.ok(verifyDpopProof(proof, { ...req, htu }).jkt, htu);
  // A proof whose htu carries a query still matches the path (the query is never compared).
  const withQuery = forge(goodHeader(), { ...goodClaims(), htu: `${HTU}?a=1` });
  assert.ok(verifyDpopProof(withQuery, req).jkt);
});

test('refused: a proof for another method', () => {
  const proof = createDpopProof({ key: es.privateKey, htm: 'POST', htu: HTU, currentDate: NOW });
  const e = assertJoseError(() => verifyDpopProof(proof, req), 'ERR_DPOP_PROOF_INVALID', [proof]);
  assert.match(e.message, /htm/);
});

test('refused: a proof for another URL (path, host, scheme, port)', () => {
  for (const htu of [
    'https://api.example.com/orders/1',
    'https://evil.example.com/orders',
    'http://api.example.com/orders',
    'https://api.example.com:8443/orders',
  ]) {
    const proof = createDpopProof({ key: es.privateKey, htm: 'GET', htu, currentDate: NOW });
    const e = assertJoseError(() => verifyDpopProof(proof, req), 'ERR_DPOP_PROOF_INVALID');
    assert.match(e.message, /htu/);
  }
});

test('refused: signed by another key than the header jwk', () => {
  const proof = forge(goodHeader(), goodClaims(), other.privateKey);
  assertJoseError(() => verifyDpopProof(proof, req), 'ERR_SIGNATURE_INVALID');
});

test('refused: missing ath when an access token is presented', () => {
  const none = createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU, currentDate: NOW });
  assert.match(
    assertJoseError(
      () => verifyDpopProof(none, { ...req, accessToken: AT }),
      'ERR_DPOP_PROOF_INVALID',
    ).message,
    /"ath" is required/,
  );
});

test('refused: wrong ath (the hash of another access token)', () => {
  const wrong = createDpopProof({
    key: es.privateKey,
    htm: 'GET',
    htu: HTU,
    accessToken: `${AT}x`,
    currentDate: NOW,
  });
  assert.match(
    assertJoseError(
      () => verifyDpopProof(wrong, { ...req, accessToken: AT }),
      'ERR_DPOP_PROOF_INVALID',
      [AT],
    ).message,
    /"ath" does not match/,
  );
});

test('one verifier, alternating access tokens: each proof is checked against its own ath', () => {
  // The verifier keeps the hash of the last access token: switching tokens must not reuse it.
  const verify = createDpopVerifier({ algorithms: ALGS });
  const proofFor = (accessToken: string) =>
    createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU, accessToken, currentDate: NOW });
  const at2 = `${AT}2`;
  const r = { htm: 'GET', htu: HTU, currentDate: NOW };
  assert.equal(typeof verify(proofFor(AT), { ...r, accessToken: AT }).jkt, 'string');
  assertJoseError(() => verify(proofFor(AT), { ...r, accessToken: at2 }), 'ERR_DPOP_PROOF_INVALID');
  assertJoseError(() => verify(proofFor(at2), { ...r, accessToken: AT }), 'ERR_DPOP_PROOF_INVALID');
  assert.equal(typeof verify(proofFor(at2), { ...r, accessToken: at2 }).jkt, 'string');
  assertJoseError(() => verify(proofFor(AT), { ...r, accessToken: at2 }), 'ERR_DPOP_PROOF_INVALID');
  assert.equal(typeof verify(proofFor(AT), { ...r, accessToken: AT }).jkt, 'string');
});

test('refused: old iat (beyond maxAge); accepted with a longer maxAge or clockTolerance', () => {
  const old = createDpopProof({
    key: es.privateKey,
    htm: 'GET',
    htu: HTU,
    currentDate: new Date(NOW.getTime() - 61_000),
  });
  const e = assertJoseError(() => verifyDpopProof(old, req), 'ERR_JWT_EXPIRED');
  assert.equal((e as unknown as { claim: string }).claim, 'iat');
  assert.ok(verifyDpopProof(old, { ...req, maxAge: 120 }).jkt);
  assert.ok(verifyDpopProof(old, { ...req, clockTolerance: 2 }).jkt);
});

test('refused: future iat (beyond clockTolerance); accepted within it', () => {
  const future = createDpopProof({
    key: es.privateKey,
    htm: 'GET',
    htu: HTU,
    currentDate: new Date(NOW.getTime() + 10_000),
  });
  assertJoseError(() => verifyDpopProof(future, req), 'ERR_JWT_NOT_YET_VALID');
  assert.ok(verifyDpopProof(future, { ...req, clockTolerance: '10s' }).jkt);
});

test('refused: a private key in the jwk header (EC d, RSA members, an oct key)', () => {
  const ecPrivate = forge({ typ: 'dpop+jwt', jwk: exportJwk(es.privateKey) }, goodClaims());
  assert.match(
    assertJoseError(() => verifyDpopProof(ecPrivate, req), 'ERR_DPOP_PROOF_INVALID').message,
    /private/,
  );
  const rsa = generateKeyPair('RS256');
  const rsaPrivate = forge(
    { typ: 'dpop+jwt', jwk: exportJwk(rsa.privateKey) },
    goodClaims(),
    rsa.privateKey,
    'RS256',
  );
  assertJoseError(() => verifyDpopProof(rsaPrivate, req), 'ERR_DPOP_PROOF_INVALID');
  const withOct = forge(
    { typ: 'dpop+jwt', jwk: { kty: 'oct', k: encodeBase64url(new Uint8Array(32)) } },
    goodClaims(),
  );
  assertJoseError(() => verifyDpopProof(withOct, req), 'ERR_DPOP_PROOF_INVALID');
});

test('refused: a symmetric alg (HS256) in a proof, and HS* as a configured algorithm', () => {
  const secret = new Uint8Array(32).fill(7);
  const hs = signCompact(JSON.stringify(goodClaims()), secret, {
    alg: 'HS256',
    header: { typ: 'dpop+jwt', jwk: { kty: 'oct', k: encodeBase64url(secret) } },
  });
  assertJoseError(() => verifyDpopProof(hs, req), 'ERR_ALG_NOT_ALLOWED');
  assertJoseError(
    () => createDpopVerifier({ algorithms: ['HS256', 'ES256'] }),
    'ERR_OPTIONS_INVALID',
  );
});

test('refused: alg none', () => {
  const unsecured = encodeUnsecuredJwt(goodClaims());
  assertJoseError(() => verifyDpopProof(unsecured, req), 'ERR_ALG_NOT_ALLOWED');
  // Hand-made, whatever the unsecured API writes: header alg none and an empty signature.
  const h = encodeBase64url(JSON.stringify({ alg: 'none', ...goodHeader() }));
  const p = encodeBase64url(JSON.stringify(goodClaims()));
  assertJoseError(() => verifyDpopProof(`${h}.${p}.`, req), 'ERR_ALG_NOT_ALLOWED');
});

test('refused: wrong or missing typ, missing jwk, missing jti/htm/htu/iat, bad claim types', () => {
  assertJoseError(
    () => verifyDpopProof(forge({ typ: 'JWT', jwk: exportJwk(es.publicKey) }, goodClaims()), req),
    'ERR_JWT_CLAIM_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(forge({ jwk: exportJwk(es.publicKey) }, goodClaims()), req),
    'ERR_JWT_CLAIM_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(forge({ typ: 'dpop+jwt' }, goodClaims()), req),
    'ERR_DPOP_PROOF_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(forge({ typ: 'dpop+jwt', jwk: 'x' }, goodClaims()), req),
    'ERR_DPOP_PROOF_INVALID',
  );
  for (const claim of ['jti', 'htm', 'htu', 'iat']) {
    const c: Record<string, unknown> = goodClaims();
    delete c[claim];
    const e = assertJoseError(
      () => verifyDpopProof(forge(goodHeader(), c), req),
      'ERR_JWT_CLAIM_INVALID',
    );
    assert.match(e.message, new RegExp(claim));
  }
  assertJoseError(
    () => verifyDpopProof(forge(goodHeader(), { ...goodClaims(), jti: '' }), req),
    'ERR_DPOP_PROOF_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(forge(goodHeader(), { ...goodClaims(), jti: 5 }), req),
    'ERR_JWT_CLAIM_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(forge(goodHeader(), { ...goodClaims(), iat: '1' }), req),
    'ERR_JWT_CLAIM_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(forge(goodHeader(), { ...goodClaims(), htu: 'not a uri' }), req),
    'ERR_DPOP_PROOF_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(forge(goodHeader(), { ...goodClaims(), nonce: 3 }), req),
    'ERR_DPOP_PROOF_INVALID',
  );
  // A jwk for another curve than alg: the key must fit the algorithm.
  assertJoseError(
    () =>
      verifyDpopProof(forge({ typ: 'dpop+jwt', jwk: exportJwk(ed.publicKey) }, goodClaims()), req),
    'ERR_KEY_INVALID',
  );
});

test('refused: nonce missing when one is expected', () => {
  const without = createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU, currentDate: NOW });
  assert.match(
    assertJoseError(
      () => verifyDpopProof(without, { ...req, nonce: 'abc' }),
      'ERR_DPOP_NONCE_INVALID',
    ).message,
    /no nonce/,
  );
});

test('refused: a nonce that is not the expected one (string, list, predicate); accepted when it matches', () => {
  const stale = createDpopProof({
    key: es.privateKey,
    htm: 'GET',
    htu: HTU,
    nonce: 'old',
    currentDate: NOW,
  });
  assertJoseError(() => verifyDpopProof(stale, { ...req, nonce: 'abc' }), 'ERR_DPOP_NONCE_INVALID');
  assertJoseError(
    () => verifyDpopProof(stale, { ...req, nonce: ['a', 'b'] }),
    'ERR_DPOP_NONCE_INVALID',
  );
  assertJoseError(
    () => verifyDpopProof(stale, { ...req, nonce: () => false }),
    'ERR_DPOP_NONCE_INVALID',
  );
  assert.equal(verifyDpopProof(stale, { ...req, nonce: ['x', 'old'] }).nonce, 'old');
  assert.equal(verifyDpopProof(stale, { ...req, nonce: (n) => n === 'old' }).nonce, 'old');
});

test('the JWS rules still apply: crit, b64:false, size cap, malformed input', () => {
  assertJoseError(
    () => verifyDpopProof(forge({ ...goodHeader(), crit: ['x'], x: 1 }, goodClaims()), req),
    'ERR_CRIT_UNSUPPORTED',
  );
  assertJoseError(() => verifyDpopProof('a.b', req), 'ERR_JWS_MALFORMED');
  assertJoseError(() => verifyDpopProof('x'.repeat(9000), req), 'ERR_TOKEN_TOO_LARGE');
  assertJoseError(() => verifyDpopProof(42 as never, req), 'ERR_JWS_MALFORMED');
  assertJoseError(
    () =>
      verifyDpopProof(createDpopProof({ key: es.privateKey, htm: 'GET', htu: HTU }), {
        ...req,
        htu: 'nope',
      }),
    'ERR_OPTIONS_INVALID',
  );
});

test('interop: proofs made with the jose package verify, and ours verify with jose', async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = await jose.exportJWK(publicKey);
  const proof = await new jose.SignJWT({ htm: 'GET', htu: HTU, ath: calculateAccessTokenHash(AT) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
    .setIssuedAt(NOW_S)
    .setJti('jose-1')
    .sign(privateKey);
  const r = verifyDpopProof(proof, { ...req, accessToken: AT });
  assert.equal(r.jkt, await jose.calculateJwkThumbprint(jwk));
  const ours = createDpopProof({ key: ed.privateKey, htm: 'GET', htu: HTU, currentDate: NOW });
  const { payload, protectedHeader } = await jose.jwtVerify(ours, jose.EmbeddedJWK, {
    typ: 'dpop+jwt',
    currentDate: NOW,
  });
  assert.equal(payload['htu'], HTU);
  assert.equal(
    await jose.calculateJwkThumbprint(protectedHeader.jwk!),
    calculateJwkThumbprint(ed.publicKey),
  );
});
