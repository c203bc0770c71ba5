/**
 * RFC 9449 §10: `dpop_jkt` on /authorize and /par binds the authorization code to a DPoP key; the
 * authorization_code grant redeems a bound code only with a proof by that key, and a proof on the
 * exchange binds the tokens it issues (§5).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  calculateJwkThumbprint,
  createDpopProof,
  decodeJwt,
  generateKeyPair,
  type JwtPayload,
} from '@tessera/jose';
import { makeIssuer, post, ISSUER, type TestIssuer } from '../test-support/harness.js';
import {
  authorize,
  codeClient,
  codeRequest,
  Jar,
  REDIRECT,
  signIn,
} from '../test-support/code-flow.js';

let t: TestIssuer;
let parSecret: string;
const key = generateKeyPair('ES256');
const other = generateKeyPair('EdDSA');
const JKT = calculateJwkThumbprint(key.publicKey);

before(async () => {
  t = await makeIssuer('sqlite', { loginProtection: { accountThreshold: 1000, ipThreshold: 1000 } });
  await codeClient(t, { clientId: 'dpop-spa', firstParty: true, public: true });
  parSecret = (await codeClient(t, { clientId: 'dpop-par', firstParty: true })).clientSecret!;
});
after(() => t.close());

const basic = () => `Basic ${Buffer.from(`dpop-par:${parSecret}`).toString('base64')}`;
const proof = (k: typeof key = key) =>
  createDpopProof({
    key: k.privateKey,
    htm: 'POST',
    htu: `${ISSUER}/token`,
    currentDate: new Date(t.clock.ms),
  });
const cnf = (at: unknown) => (decodeJwt(String(at)) as JwtPayload & { cnf?: { jkt: string } }).cnf;

/** Sign in through /authorize (as the public SPA client) and return the code and verifier. */
async function spaCode(extra: Record<string, string>) {
  const { params, verifier } = codeRequest('dpop-spa', extra);
  const back = await signIn(t, new Jar(), params);
  assert.equal(back.status, 303, back.body);
  const code = back.location!.searchParams.get('code');
  assert.ok(code, `a code: ${back.location}`);
  return { code, verifier };
}

const exchangeSpa = (code: string, verifier: string, dpop?: string) =>
  post(
    t.app,
    '/token',
    {
      grant_type: 'authorization_code',
      client_id: 'dpop-spa',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    },
    dpop !== undefined ? { dpop } : {},
  );

test('/authorize dpop_jkt: the bound code redeems with a proof by that key (DPoP token, cnf.jkt, bound refresh token)', async () => {
  const { code, verifier } = await spaCode({ dpop_jkt: JKT });
  const r = await exchangeSpa(code, verifier, proof());
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json['token_type'], 'DPoP');
  assert.deepEqual(cnf(r.json['access_token']), { jkt: JKT });
  // RFC 9449 §5: the public client's refresh token is bound too.
  const rt = String(r.json['refresh_token']);
  const bare = await post(t.app, '/token', {
    grant_type: 'refresh_token',
    client_id: 'dpop-spa',
    refresh_token: rt,
  });
  assert.deepEqual([bare.status, bare.json['error']], [400, 'invalid_grant']);
});

test('refused: a dpop_jkt-bound code redeemed with a proof by another key', async () => {
  const { code, verifier } = await spaCode({ dpop_jkt: JKT });
  const r = await exchangeSpa(code, verifier, proof(other));
  assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant'], r.body);
  assert.match(String(r.json['error_description']), /another DPoP key/);
  assert.equal(r.json['access_token'], undefined);
  // The code is spent by the failed attempt (fail closed): the right key cannot use it afterwards.
  const again = await exchangeSpa(code, verifier, proof());
  assert.deepEqual([again.status, again.json['error']], [400, 'invalid_grant']);
});

test('refused: a dpop_jkt-bound code redeemed without a proof', async () => {
  const { code, verifier } = await spaCode({ dpop_jkt: JKT });
  const r = await exchangeSpa(code, verifier);
  assert.deepEqual([r.status, r.json['error']], [400, 'invalid_grant'], r.body);
  assert.match(String(r.json['error_description']), /proof is required/);
  assert.equal(r.json['access_token'], undefined);
});

test('an unbound code with a proof on the exchange: the access token is bound (every grant)', async () => {
  const { code, verifier } = await spaCode({});
  const r = await exchangeSpa(code, verifier, proof(other));
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json['token_type'], 'DPoP');
  assert.deepEqual(cnf(r.json['access_token']), { jkt: calculateJwkThumbprint(other.publicKey) });
  const plain = await spaCode({});
  const b = await exchangeSpa(plain.code, plain.verifier);
  assert.equal(b.status, 200, b.body);
  assert.equal(b.json['token_type'], 'Bearer');
  assert.equal(cnf(b.json['access_token']), undefined);
});

test('refused: a malformed dpop_jkt at /authorize (redirected invalid_request) and at /par (400)', async () => {
  const { params } = codeRequest('dpop-spa', { dpop_jkt: 'not-a-thumbprint' });
  const page = await authorize(t.app, new Jar(), params);
  assert.equal(page.location!.searchParams.get('error'), 'invalid_request');
  assert.match(page.location!.searchParams.get('error_description') ?? '', /dpop_jkt/);
  const pushed = await post(
    t.app,
    '/par',
    codeRequest('dpop-par', { dpop_jkt: 'x'.repeat(42) }).params,
    { authorization: basic() },
  );
  assert.deepEqual([pushed.status, pushed.json['error']], [400, 'invalid_request'], pushed.body);
});

test('/par dpop_jkt: the pushed request binds the code; another key or no proof is refused, the bound key redeems', async () => {
  const run = async (dpop: string | undefined) => {
    const { params, verifier } = codeRequest('dpop-par', { dpop_jkt: JKT });
    const pushed = await post(t.app, '/par', params, { authorization: basic() });
    assert.equal(pushed.status, 201, pushed.body);
    const back = await signIn(t, new Jar(), {
      client_id: 'dpop-par',
      request_uri: String(pushed.json['request_uri']),
    });
    assert.equal(back.status, 303, back.body);
    const code = back.location!.searchParams.get('code')!;
    return post(
      t.app,
      '/token',
      { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT },
      { authorization: basic(), ...(dpop !== undefined ? { dpop } : {}) },
    );
  };
  const wrong = await run(proof(other));
  assert.deepEqual([wrong.status, wrong.json['error']], [400, 'invalid_grant'], wrong.body);
  const none = await run(undefined);
  assert.deepEqual([none.status, none.json['error']], [400, 'invalid_grant'], none.body);
  const ok = await run(proof());
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json['token_type'], 'DPoP');
  assert.deepEqual(cnf(ok.json['access_token']), { jkt: JKT });
});
