/**
 * DPoP at the token endpoint (RFC 9449 §5, §8, §11.1): binding of access and refresh tokens,
 * per-client requirement, proof replay through the store (shared by nodes), stateless nonces.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createDpopProof,
  decodeJwt,
  generateKeyPair,
  type JwtPayload,
} from '@tessera/jose';
import { buildApp } from './app.js';
import { createClient, setClientRequireDpop } from './clients.js';
import { createKek } from './keys/kek.js';
import {
  ISSUER,
  TEST_ARGON2,
  makeIssuer,
  openTestStore,
  post,
  type TestIssuer,
} from './test-support/harness.js';

const key = generateKeyPair('ES256');
const key2 = generateKeyPair('EdDSA');
const JKT = calculateJwkThumbprint(key.publicKey);
const TOKEN_URL = `${ISSUER}/token`;

let t: TestIssuer;
before(async () => {
  t = await makeIssuer('sqlite', {
    loginProtection: { accountThreshold: 1000, ipThreshold: 1000 },
  });
});
after(() => t.close());

const proof = (
  o: { k?: typeof key; htm?: string; htu?: string; nonce?: string; at?: number } = {},
) =>
  createDpopProof({
    key: (o.k ?? key).privateKey,
    htm: o.htm ?? 'POST',
    htu: o.htu ?? TOKEN_URL,
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
    currentDate: new Date(o.at ?? t.clock.ms),
  });

const loginPublic = (dpop?: string, app = t.app) =>
  post(
    app,
    '/token',
    {
      grant_type: 'password',
      client_id: t.publicClientId,
      username: t.username,
      password: t.password,
    },
    dpop !== undefined ? { dpop } : {},
  );
const refreshPublic = (rt: string, dpop?: string) =>
  post(
    t.app,
    '/token',
    { grant_type: 'refresh_token', client_id: t.publicClientId, refresh_token: rt },
    dpop !== undefined ? { dpop } : {},
  );
const cnf = (at: unknown) => (decodeJwt(String(at)) as JwtPayload & { cnf?: { jkt: string } }).cnf;

test('metadata advertises dpop_signing_alg_values_supported', async () => {
  const m = (await t.app.inject('/.well-known/oauth-authorization-server')).json();
  assert.deepEqual(m.dpop_signing_alg_values_supported, [
    'EdDSA',
    'Ed25519',
    'ES256',
    'ES384',
    'PS256',
    'RS256',
  ]);
});

test('password grant with a proof: token_type DPoP, cnf.jkt; a public client refresh token is bound', async () => {
  const r = await loginPublic(proof());
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json['token_type'], 'DPoP');
  assert.deepEqual(cnf(r.json['access_token']), { jkt: JKT });
  const rt = String(r.json['refresh_token']);
  // Refused: a bound refresh token without a proof, or with a proof by another key.
  const bare = await refreshPublic(rt);
  assert.equal(bare.status, 400);
  assert.equal(bare.json['error'], 'invalid_grant');
  assert.match(String(bare.json['error_description']), /DPoP proof is required/);
  const otherKey = await refreshPublic(rt, proof({ k: key2 }));
  assert.equal(otherKey.json['error'], 'invalid_grant');
  assert.match(String(otherKey.json['error_description']), /another DPoP key/);
  // With the same key it rotates, and the successor stays bound.
  const ok = await refreshPublic(rt, proof());
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json['token_type'], 'DPoP');
  assert.deepEqual(cnf(ok.json['access_token']), { jkt: JKT });
  const next = await refreshPublic(String(ok.json['refresh_token']));
  assert.equal(next.json['error'], 'invalid_grant', 'the successor is bound too');
  // A concurrent retry of the spent token with the same key gets the identical response…
  const retry = await refreshPublic(rt, proof());
  assert.deepEqual(retry.json, ok.json);
});

test('without a proof nothing changes: Bearer, no cnf, unbound refresh token', async () => {
  const r = await loginPublic();
  assert.equal(r.json['token_type'], 'Bearer');
  assert.equal(cnf(r.json['access_token']), undefined);
  const ok = await refreshPublic(String(r.json['refresh_token']));
  assert.equal(ok.status, 200);
});

test('a confidential client: access token bound, refresh token not (client auth binds it)', async () => {
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: t.username, password: t.password },
    { authorization: t.basic(), dpop: proof() },
  );
  assert.equal(r.json['token_type'], 'DPoP');
  assert.deepEqual(cnf(r.json['access_token']), { jkt: JKT });
  const ref = await post(
    t.app,
    '/token',
    { grant_type: 'refresh_token', refresh_token: String(r.json['refresh_token']) },
    { authorization: t.basic() },
  );
  assert.equal(ref.status, 200, ref.body);
  assert.equal(ref.json['token_type'], 'Bearer');
});

test('client_credentials with a proof: a bound access token', async () => {
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: t.basic(t.ccClientId, t.ccClientSecret), dpop: proof({ k: key2 }) },
  );
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json['token_type'], 'DPoP');
  assert.deepEqual(cnf(r.json['access_token']), { jkt: calculateJwkThumbprint(key2.publicKey) });
});

for (const [what, make, why] of [
  ['a proof for another method', () => proof({ htm: 'GET' }), /htm/],
  ['a proof for another path', () => proof({ htu: `${ISSUER}/revoke` }), /htu/],
  ['a proof for another origin', () => proof({ htu: 'http://other.test/token' }), /htu/],
  ['an old proof (iat beyond the window)', () => proof({ at: t.clock.ms - 120_000 }), /iat/],
  ['a future proof (iat ahead of the clock)', () => proof({ at: t.clock.ms + 60_000 }), /iat/],
  ['a proof that is not a JWS', () => 'not-a-jwt', /JWS/],
] as const) {
  test(`refused at /token: ${what}`, async () => {
    const dpop = make();
    const r = await loginPublic(dpop);
    assert.equal(r.status, 400);
    assert.equal(r.json['error'], 'invalid_dpop_proof');
    assert.match(String(r.json['error_description']), why);
    assert.ok(!String(r.json['error_description']).includes(dpop));
  });
}

test('refused at /token: two DPoP headers', async () => {
  const two = await t.app.inject({
    method: 'POST',
    url: '/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: t.basic(t.ccClientId, t.ccClientSecret),
      dpop: [proof(), proof()],
    },
    payload: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  assert.equal(two.statusCode, 400);
  assert.equal(two.json().error, 'invalid_dpop_proof');
  assert.match(two.json().error_description, /more than one DPoP header/);
});

test('refused: a replayed proof jti (also on a second node over the same store)', async () => {
  const p = proof();
  assert.equal((await loginPublic(p)).status, 200);
  const again = await loginPublic(p);
  assert.equal(again.json['error'], 'invalid_dpop_proof');
  assert.match(String(again.json['error_description']), /already used/);
  const node2 = await buildApp({
    config: { issuer: ISSUER, argon2: TEST_ARGON2, now: () => t.clock.ms },
    store: t.store,
    kek: t.kek,
  });
  try {
    const p2 = proof();
    assert.equal((await loginPublic(p2, node2)).status, 200);
    assert.equal(
      (await loginPublic(p2)).json['error'],
      'invalid_dpop_proof',
      'node 1 saw node 2’s proof',
    );
  } finally {
    await node2.close();
  }
});

test('--require-dpop: a client that must send proofs is refused without one', async () => {
  const deps = { store: t.store, defaultAudience: 'api' };
  const { clientSecret } = await createClient(deps, {
    name: 'strict',
    clientId: 'strict',
    scopes: ['read'],
    requireDpop: true,
  });
  const call = (dpop?: string) =>
    post(
      t.app,
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: t.basic('strict', clientSecret!), ...(dpop !== undefined ? { dpop } : {}) },
    );
  const r = await call();
  assert.equal(r.status, 400);
  assert.equal(r.json['error'], 'invalid_dpop_proof');
  assert.equal((await call(proof())).json['token_type'], 'DPoP');
  await setClientRequireDpop(deps, 'strict', false);
  assert.equal((await call()).json['token_type'], 'Bearer');
});

test('nonces (--dpop-nonce): use_dpop_nonce + DPoP-Nonce; shared by nodes; missing/expired/foreign refused', async (tc) => {
  const ts = await openTestStore('sqlite');
  const clock = { ms: Date.now() };
  const kek = createKek(randomBytes(32));
  const config = {
    issuer: ISSUER,
    argon2: TEST_ARGON2,
    now: () => clock.ms,
    dpop: { nonce: true },
  };
  const [a, b] = await Promise.all([
    buildApp({ config, store: ts.store, kek }),
    buildApp({ config, store: ts.store, kek }),
  ]);
  const otherStore = await openTestStore('sqlite');
  const foreign = await buildApp({ config, store: otherStore.store, kek });
  try {
    const { clientSecret } = await createClient(
      { store: ts.store, defaultAudience: 'api' },
      { name: 'm', clientId: 'm', scopes: ['read'] },
    );
    const auth = `Basic ${Buffer.from(`m:${clientSecret}`).toString('base64')}`;
    const call = (app: typeof a, nonce?: string) =>
      post(
        app,
        '/token',
        { grant_type: 'client_credentials' },
        {
          authorization: auth,
          dpop: createDpopProof({
            key: key.privateKey,
            htm: 'POST',
            htu: TOKEN_URL,
            currentDate: new Date(clock.ms),
            ...(nonce !== undefined ? { nonce } : {}),
          }),
        },
      );
    let nonce = '';
    await tc.test(
      'refused: a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce',
      async () => {
        const first = await call(a);
        assert.equal(first.status, 400);
        assert.equal(first.json['error'], 'use_dpop_nonce');
        nonce = String(first.headers['dpop-nonce']);
        assert.match(nonce, /^[A-Za-z0-9_-]{43}$/);
      },
    );
    await tc.test(
      'a nonce issued by node a is accepted by node b (one secret in the store)',
      async () => {
        const ok = await call(b, nonce);
        assert.equal(ok.status, 200, ok.body);
        assert.equal(ok.headers['dpop-nonce'], nonce, 'the current nonce rides on success too');
      },
    );
    await tc.test('refused: a nonce made with another secret (another deployment)', async () => {
      const foreignNonce = String((await call(foreign)).headers['dpop-nonce']);
      assert.notEqual(foreignNonce, nonce);
      assert.equal((await call(a, foreignNonce)).json['error'], 'use_dpop_nonce');
    });
    await tc.test(
      'refused: an expired nonce (two slots later); the new one offered works',
      async () => {
        clock.ms += 11 * 60_000;
        const late = await call(a, nonce);
        assert.equal(late.json['error'], 'use_dpop_nonce');
        assert.notEqual(late.headers['dpop-nonce'], nonce);
        assert.equal((await call(a, String(late.headers['dpop-nonce']))).status, 200);
      },
    );
  } finally {
    await Promise.all([a.close(), b.close(), foreign.close()]);
    await ts.dispose();
    await otherStore.dispose();
  }
});
