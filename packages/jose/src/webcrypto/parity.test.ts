/**
 * The Web Crypto entry under Node.js against the Node.js core: the same tokens, keys and options
 * give the same outcome (result or error code) on both backends — the shared layers proven on
 * both — over a hostile corpus, random mutations (fast-check), and the RFC vectors in the repo.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as N from '../index.js';
import * as W from './index.js';
import { b64, NOW, NOW_S, pair, rawToken, SECRET } from '../test-support/tokens.js';
import { readVector, rfcExamples } from '../test-support/vectors.js';

type Outcome = string;
const outcomeOf = (e: unknown): Outcome => (N.isJoseError(e) ? e.code : `throw ${String(e)}`);

function nodeVerify(token: string, key: unknown, o: N.VerifyJwtOptions): Outcome {
  try {
    return `ok ${JSON.stringify(N.verifyJwt(token, key as N.KeyInput, o).payload)}`;
  } catch (e) {
    return outcomeOf(e);
  }
}
async function webVerify(token: string, key: unknown, o: N.VerifyJwtOptions): Promise<Outcome> {
  try {
    return `ok ${JSON.stringify((await W.verifyJwt(token, key as W.WebKeyInput, o)).payload)}`;
  } catch (e) {
    return outcomeOf(e);
  }
}
async function same(token: string, nodeKey: unknown, webKey: unknown, o: N.VerifyJwtOptions) {
  const n = nodeVerify(token, nodeKey, o);
  const w = await webVerify(token, webKey, o);
  assert.equal(w, n, `token ${token.slice(0, 60)}… options ${JSON.stringify(o)}`);
  return n;
}

const ES = pair('p256');
const ED = pair('ed25519');
const RSA = pair('rsa2048');
const jwkOf = (k: N.KeyInput) => N.exportJwk(k as never);

test('parity: every Web Crypto JWS alg signs on one backend and verifies on the other', async () => {
  for (const alg of W.WEBCRYPTO_JWS_ALGORITHMS) {
    const hs = alg.startsWith('HS');
    const p = hs ? undefined : N.generateKeyPair(alg);
    const priv = hs ? { kty: 'oct', k: b64(SECRET) } : jwkOf(p!.privateKey);
    const pub = hs ? priv : jwkOf(p!.publicKey);
    const o = { algorithms: [alg], issuer: 'https://i.example' };
    const fromWeb = await W.signJwt({ a: 1 }, priv, { alg, issuer: 'https://i.example' });
    assert.match(nodeVerify(fromWeb, pub, o), /^ok /, `${alg} web → node`);
    const fromNode = N.signJwt({ a: 2 }, priv, { alg, issuer: 'https://i.example' });
    assert.match(await webVerify(fromNode, pub, o), /^ok /, `${alg} node → web`);
    assert.equal(await W.calculateJwkThumbprint(pub), N.calculateJwkThumbprint(pub));
  }
  await assert.rejects(
    W.signJwt({}, jwkOf(pair('k256').privateKey), { alg: 'ES256K' }),
    (e: unknown) => N.isJoseError(e, 'ERR_ALG_UNSUPPORTED') && /on Node\.js/.test(e.message),
  );
});

/** Hostile tokens: the security corpus of headers and claims, signed for real with HS256. */
function corpus(): { token: string; o: N.VerifyJwtOptions }[] {
  const base = { algorithms: ['HS256'] as N.JwsAlg[], currentDate: NOW };
  const t = (header: unknown, payload: unknown) => rawToken(header, payload, 'HS256', SECRET);
  const ok = { alg: 'HS256', typ: 'JWT' };
  const claims = { sub: 'u', iat: NOW_S, exp: NOW_S + 60 };
  const out: { token: string; o: N.VerifyJwtOptions }[] = [];
  const add = (token: string, o: Partial<N.VerifyJwtOptions> = {}) =>
    out.push({ token, o: { ...base, ...o } });
  add(t(ok, claims));
  add(t({ alg: 'none' }, claims));
  add(t({ alg: 'HS512' }, claims));
  add(t({ ...ok, crit: ['exp'] }, claims));
  add(t({ ...ok, crit: [] }, claims));
  add(t({ ...ok, crit: ['x'], x: 1 }, claims));
  add(t({ ...ok, crit: ['x'], x: 1 }, claims), { crit: ['x'] });
  add(t({ ...ok, b64: false, crit: ['b64'] }, claims));
  add(t({ ...ok, cty: 'JWT' }, claims));
  add(t({ ...ok, kid: 7 }, claims));
  add(t({ ...ok, kid: 'x'.repeat(300) }, claims));
  add(t('{"alg":"HS256","alg":"HS256"}', claims));
  add(t(ok, '{"sub":"a","sub":"b"}'));
  add(t(ok, '{"sub":"a","sub":"b"}'), { allowDuplicateClaims: true });
  add(t(ok, '{"sub":"\\ud800"}'));
  add(t(ok, '[1,2]'));
  add(t(ok, 'null'));
  add(t(ok, { ...claims, exp: NOW_S - 1 }));
  add(t(ok, { ...claims, exp: NOW_S - 1 }), { clockTolerance: 5 });
  add(t(ok, { ...claims, nbf: NOW_S + 100 }));
  add(t(ok, { ...claims, iat: NOW_S + 100 }));
  add(t(ok, { ...claims, exp: '1' }));
  add(t(ok, { ...claims, iat: NOW_S - 1000 }), { maxTokenAge: 60 });
  add(t(ok, { ...claims, aud: ['a', 1] }), { audience: 'a' });
  add(t(ok, { ...claims, aud: ['a', 'b'] }), { audience: 'b' });
  add(t(ok, { ...claims, iss: 'x' }), { issuer: 'y' });
  add(t(ok, { ...claims }), { requiredClaims: ['constructor'] });
  add(t(ok, { ...claims }), { typ: 'at+jwt' });
  add(t({ ...ok, typ: 'application/AT+JWT' }, claims), { typ: 'at+jwt' });
  const good = t(ok, claims);
  add(`${good}x`);
  add(`${good.slice(0, -1)}`);
  add(good.replace('.', '..'));
  add(`${good}.a.b`);
  add(good.replace(/^./, '+'));
  add(good, { maxTokenLength: 20 });
  add(`${good.split('.').slice(0, 2).join('.')}.`);
  return out;
}

test('parity: the hostile corpus gets the same answer from both backends', async () => {
  const key = { kty: 'oct', k: b64(SECRET) };
  const seen = new Set<string>();
  for (const { token, o } of corpus()) seen.add(await same(token, key, key, o));
  // The corpus reaches many distinct failures, not one.
  assert.ok(seen.size >= 12, [...seen].join(', '));
  // Key confusion: an RSA public key offered as an HMAC secret, weak secrets, small RSA keys.
  const rsaJwk = jwkOf(RSA.publicKey);
  const hsWithRsa = rawToken(
    { alg: 'HS256' },
    {},
    'HS256',
    new TextEncoder().encode(JSON.stringify(rsaJwk)),
  );
  await same(hsWithRsa, rsaJwk, rsaJwk, { algorithms: ['HS256'] });
  const weak = { kty: 'oct', k: b64(SECRET.slice(0, 16)) };
  const weakToken = rawToken({ alg: 'HS256' }, {}, 'HS256', SECRET.slice(0, 16));
  await same(weakToken, weak, weak, { algorithms: ['HS256'] });
  await same(weakToken, weak, weak, { algorithms: ['HS256'], allowWeakSecret: true });
  const small = jwkOf(pair('rsa1024').publicKey);
  const smallToken = rawToken({ alg: 'RS256' }, {}, 'RS256', pair('rsa1024').privateKey);
  await same(smallToken, small, small, { algorithms: ['RS256'] });
  // ECDSA r = s = 0 (CVE-2022-21449) and a wrong-length signature; Ed25519 small-order key.
  const esJwk = jwkOf(ES.publicKey);
  const zero = rawToken({ alg: 'ES256' }, {}, 'ES256', ES.privateKey, new Uint8Array(64));
  assert.equal(await same(zero, esJwk, esJwk, { algorithms: ['ES256'] }), 'ERR_SIGNATURE_INVALID');
  const short = rawToken({ alg: 'ES256' }, {}, 'ES256', ES.privateKey, new Uint8Array(63).fill(1));
  await same(short, esJwk, esJwk, { algorithms: ['ES256'] });
  const smallOrder = { kty: 'OKP', crv: 'Ed25519', x: b64(new Uint8Array(32)) };
  const edToken = rawToken({ alg: 'EdDSA' }, {}, 'EdDSA', ED.privateKey);
  assert.equal(
    await same(edToken, smallOrder, smallOrder, { algorithms: ['EdDSA'] }),
    'ERR_JWK_INVALID',
  );
  // Key sets: kid selection, unknown kid, ambiguity without kid.
  const set = {
    keys: [
      { ...esJwk, kid: 'a' },
      { ...jwkOf(ED.publicKey), kid: 'b' },
    ],
  };
  const nodeSet = N.createLocalKeySet(set);
  const webSet = W.createLocalKeySet(set);
  for (const kid of ['a', 'b', 'zz', undefined]) {
    const header = kid === undefined ? { alg: 'EdDSA' } : { alg: 'EdDSA', kid };
    await same(rawToken(header, {}, 'EdDSA', ED.privateKey), nodeSet, webSet, {
      algorithms: ['EdDSA', 'ES256'],
    });
  }
  const many = { keys: Array.from({ length: 9 }, () => jwkOf(ED.publicKey)) };
  await same(edToken, N.createLocalKeySet(many), W.createLocalKeySet(many), {
    algorithms: ['EdDSA'],
  });
});

test('parity: random mutations of a valid token get the same answer (fast-check)', async () => {
  const key = { kty: 'oct', k: b64(SECRET) };
  const good = rawToken(
    { alg: 'HS256', typ: 'JWT' },
    { sub: 'u', exp: NOW_S + 60 },
    'HS256',
    SECRET,
  );
  const o = { algorithms: ['HS256'] as N.JwsAlg[], currentDate: NOW };
  await fc.assert(
    fc.asyncProperty(
      fc.nat(good.length - 1),
      fc.constantFrom(...'AZaz09-_.+/= ~'.split('')),
      fc.constantFrom<'replace' | 'insert' | 'delete'>('replace', 'insert', 'delete'),
      async (i, c, op) => {
        const token =
          op === 'replace'
            ? good.slice(0, i) + c + good.slice(i + 1)
            : op === 'insert'
              ? good.slice(0, i) + c + good.slice(i)
              : good.slice(0, i) + good.slice(i + 1);
        assert.equal(await webVerify(token, key, o), nodeVerify(token, key, o));
      },
    ),
    { numRuns: 300 },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(
        fc.constantFrom('alg', 'typ', 'kid', 'crit', 'b64', 'cty', 'x'),
        fc.jsonValue(),
      ),
      async (h) => {
        const token = rawToken({ alg: 'HS256', ...h }, { sub: 'u' }, 'HS256', SECRET);
        assert.equal(await webVerify(token, key, o), nodeVerify(token, key, o));
      },
    ),
    { numRuns: 200 },
  );
});

test('parity: the RFC vectors verify on the Web Crypto entry (RFC 7515 A.1-A.3, RFC 8037 A.5, RFC 7520 §4, RFC 7638, RFC 7797)', async () => {
  const r7515 = rfcExamples(7515);
  const pubOf = (jwk: Record<string, unknown>) => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
    return rest as N.Jwk;
  };
  for (const [section, alg] of [
    ['A.1', 'HS256'],
    ['A.2', 'RS256'],
    ['A.3', 'ES256'],
  ] as const) {
    const e = r7515.get(section);
    const r = await W.verifyCompact(e.compact, pubOf(e.jwk), { algorithms: [alg] });
    assert.equal(new TextDecoder().decode(r.payload), e.payload_utf8, section);
  }
  // RFC 7515 A.2 is deterministic: signing again reproduces the token.
  const a2 = r7515.get('A.2');
  assert.equal(
    await W.signCompact(a2.payload_utf8, a2.jwk, {
      alg: 'RS256',
      header: JSON.parse(a2.protected_header_utf8),
    }),
    a2.compact,
  );
  const r8037 = rfcExamples(8037);
  const a5 = r8037.get('A.5');
  assert.equal(
    new TextDecoder().decode(
      (await W.verifyCompact(a5.compact, r8037.get('A.2').jwk, { algorithms: ['EdDSA'] })).payload,
    ),
    a5.payload_utf8,
  );
  assert.equal(
    await W.signCompact(r8037.get('A.4').payload_utf8, r8037.get('A.4').jwk, { alg: 'EdDSA' }),
    r8037.get('A.4').compact,
  );
  assert.equal(
    await W.calculateJwkThumbprint(r8037.get('A.3').jwk ?? r8037.get('A.2').jwk),
    'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
  );
  for (const f of [
    '4_1.rsa_v15_signature.json',
    '4_2.rsa-pss_signature.json',
    '4_3.ecdsa_signature.json',
    '4_4.hmac-sha2_integrity_protection.json',
  ]) {
    const v = readVector(`rfc7520/jws/${f}`);
    const key = v.input.key.kty === 'oct' ? v.input.key : pubOf(v.input.key);
    const r = await W.verifyCompact(v.output.compact, key, { algorithms: [v.input.alg] });
    assert.equal(new TextDecoder().decode(r.payload), v.input.payload, f);
    const set = W.createLocalKeySet({ keys: [key] });
    if (key.kty !== 'oct')
      assert.equal(
        (await W.verifyCompact(v.output.compact, set, { algorithms: [v.input.alg] }))
          .protectedHeader.kid,
        v.input.key.kid,
      );
  }
  const detached = readVector('rfc7520/jws/4_5.signature_with_detached_content.json');
  await W.verifyCompact(detached.output.compact, pubOf(detached.input.key), {
    algorithms: [detached.input.alg],
    detachedPayload: detached.input.payload,
  });
});

test('parity: the verified-token cache and the remote key set cache are shared code', async () => {
  const key = { kty: 'oct', k: b64(SECRET) };
  const verify = W.createVerifier({ key, algorithms: ['HS256'], cache: true, currentDate: NOW });
  const token = rawToken({ alg: 'HS256' }, { exp: NOW_S + 10 }, 'HS256', SECRET);
  const first = await verify(token);
  assert.equal(await verify(token), first, 'a cache hit returns the same frozen result');
  assert.ok(Object.isFrozen(first.payload));
  assert.throws(
    () => W.createVerifier({ key, algorithms: ['HS256'], cache: { max: 0 } }),
    (e: unknown) => N.isJoseError(e, 'ERR_OPTIONS_INVALID'),
  );
  assert.throws(
    () => W.createRemoteKeySet('http://auth.example/jwks'),
    (e: unknown) => N.isJoseError(e, 'ERR_OPTIONS_INVALID'),
  );
  assert.throws(
    () => W.createVerifier({ key, algorithms: ['ES256K', 'HS256'] }),
    (e: unknown) => N.isJoseError(e, 'ERR_ALG_UNSUPPORTED'),
  );
});
