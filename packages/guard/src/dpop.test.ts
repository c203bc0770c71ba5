/**
 * DPoP at the guard (RFC 9449 §7, §9, §11.1): every refusal as its own test, the replay window,
 * the Redis replay store (shared by two guard processes; fallback when Redis is down), nonces,
 * the external origin behind a proxy, and the client fetch wrapper with its nonce retry.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  calculateAccessTokenHash,
  calculateJwkThumbprint,
  createDpopNonces,
  createDpopProof,
  encodeBase64url,
  exportJwk,
  generateKeyPair,
  signCompact,
} from '@tessera/jose';
import { GuardError } from './bearer.js';
import { createGuard, type GuardOptions } from './guard.js';
import { withGuard } from './adapters/node-http.js';
import { createDpopFetch } from './dpop-fetch.js';
import { AUDIENCE, startIssuer, type TestIssuer } from './test-support/issuer.js';

const REDIS = process.env['TESSERA_TEST_REDIS_URL'];
const REDIS_SKIP = REDIS === undefined ? 'TESSERA_TEST_REDIS_URL is not set' : false;
const key = generateKeyPair('ES256');
const edKey = generateKeyPair('EdDSA');
const otherKey = generateKeyPair('ES256');
const JKT = calculateJwkThumbprint(key.publicKey);
const ORIGIN = 'https://api.test';
const URL_ORDERS = `${ORIGIN}/orders`;

const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

let shared: TestIssuer | undefined;
async function issuer(): Promise<TestIssuer> {
  if (shared === undefined) {
    shared = await startIssuer();
    const s = shared;
    closers.push(() => s.close());
  }
  return shared;
}

async function setup(dpop: GuardOptions['dpop'] = {}) {
  const iss = await issuer();
  const guard = createGuard({
    issuer: iss.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    dpop: dpop === false ? false : { origin: ORIGIN, ...(dpop === true ? {} : dpop) },
  });
  closers.push(() => guard.close());
  const token = iss.mint({ cnf: { jkt: JKT } });
  return { iss, guard, token };
}

const proofFor = (
  token: string | undefined,
  o: { k?: typeof key; htm?: string; htu?: string; at?: number; nonce?: string } = {},
) =>
  createDpopProof({
    key: (o.k ?? key).privateKey,
    htm: o.htm ?? 'GET',
    htu: o.htu ?? URL_ORDERS,
    ...(token !== undefined ? { accessToken: token } : {}),
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
    ...(o.at !== undefined ? { currentDate: new Date(o.at) } : {}),
  });

const input = (token: string, dpop: string | undefined, extra: Record<string, string> = {}) => ({
  authorization: `DPoP ${token}`,
  dpop,
  method: 'GET',
  url: '/orders?page=2',
  origin: 'http://127.0.0.1:1234',
  ...extra,
});

/** Assert a DPoP refusal: 401, the error code, a `WWW-Authenticate: DPoP … algs` challenge. */
async function refused(
  p: Promise<unknown>,
  error: 'invalid_dpop_proof' | 'invalid_token' | 'use_dpop_nonce',
  reason?: string | RegExp,
): Promise<GuardError> {
  let caught: unknown;
  await p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => {
      caught = e;
    },
  );
  assert.ok(caught instanceof GuardError, String(caught));
  assert.equal(caught.status, 401);
  assert.equal(caught.error, error);
  assert.ok(caught.dpop !== undefined, 'a DPoP challenge');
  if (reason !== undefined)
    assert.ok(
      typeof reason === 'string' ? caught.reason === reason : reason.test(caught.reason),
      caught.reason,
    );
  return caught;
}

test('a DPoP-bound token with a fresh proof passes (ES256 and EdDSA proofs)', async () => {
  const { iss, guard, token } = await setup();
  const auth = await guard.authenticate(input(token, proofFor(token)));
  assert.equal(auth.subject, 'user-1');
  const edToken = iss.mint({ cnf: { jkt: calculateJwkThumbprint(edKey.publicKey) } });
  assert.equal(
    (await guard.authenticate(input(edToken, proofFor(edToken, { k: edKey })))).subject,
    'user-1',
  );
});

test('refused: a proof for another method', async () => {
  const { guard, token } = await setup();
  await refused(
    guard.authenticate(input(token, proofFor(token, { htm: 'POST' }))),
    'invalid_dpop_proof',
    'ERR_DPOP_PROOF_INVALID',
  );
});

test('refused: a proof for another path', async () => {
  const { guard, token } = await setup();
  await refused(
    guard.authenticate(input(token, proofFor(token, { htu: `${ORIGIN}/admin` }))),
    'invalid_dpop_proof',
  );
});

test('refused: a proof for another origin', async () => {
  const { guard, token } = await setup();
  await refused(
    guard.authenticate(input(token, proofFor(token, { htu: 'https://other.test/orders' }))),
    'invalid_dpop_proof',
  );
});

test('refused: a proof by another key than the token is bound to', async () => {
  const { guard, token } = await setup();
  await refused(
    guard.authenticate(input(token, proofFor(token, { k: otherKey }))),
    'invalid_dpop_proof',
    'dpop_jkt_mismatch',
  );
});

test('refused: a proof without ath', async () => {
  const { guard, token } = await setup();
  const e = await refused(
    guard.authenticate(input(token, proofFor(undefined))),
    'invalid_dpop_proof',
  );
  assert.match(String((e.cause as Error).message), /"ath" is required/);
});

test('refused: a proof with the ath of another token', async () => {
  const { iss, guard, token } = await setup();
  const other = iss.mint({ cnf: { jkt: JKT } });
  const e2 = await refused(guard.authenticate(input(token, proofFor(other))), 'invalid_dpop_proof');
  assert.match(String((e2.cause as Error).message), /"ath" does not match/);
});

test('refused: a replayed proof (same guard)', async () => {
  const { guard, token } = await setup();
  const p = proofFor(token);
  await guard.authenticate(input(token, p));
  await refused(guard.authenticate(input(token, p)), 'invalid_dpop_proof', 'dpop_replay');
});

test('refused: an old iat (beyond the 60 s window)', async () => {
  const { guard, token } = await setup();
  await refused(
    guard.authenticate(input(token, proofFor(token, { at: Date.now() - 70_000 }))),
    'invalid_dpop_proof',
    'ERR_JWT_EXPIRED',
  );
});

test('refused: a future iat', async () => {
  const { guard, token } = await setup();
  await refused(
    guard.authenticate(input(token, proofFor(token, { at: Date.now() + 30_000 }))),
    'invalid_dpop_proof',
    'ERR_JWT_NOT_YET_VALID',
  );
});

const forged = (
  token: string,
  header: Record<string, unknown>,
  alg: 'ES256' | 'HS256',
  signKey: unknown,
) =>
  signCompact(
    JSON.stringify({
      jti: encodeBase64url(randomBytes(12)),
      htm: 'GET',
      htu: URL_ORDERS,
      iat: Math.floor(Date.now() / 1000),
      ath: calculateAccessTokenHash(token),
    }),
    signKey as never,
    { alg, header: { typ: 'dpop+jwt', ...header } },
  );

test('refused: a private key in the proof header', async () => {
  const { guard, token } = await setup();
  const p = forged(token, { jwk: exportJwk(key.privateKey) }, 'ES256', key.privateKey);
  await refused(
    guard.authenticate(input(token, p)),
    'invalid_dpop_proof',
    'ERR_DPOP_PROOF_INVALID',
  );
});

test('refused: a symmetric alg (HS256) proof', async () => {
  const { guard, token } = await setup();
  const secret = randomBytes(32);
  const p = forged(
    token,
    { jwk: { kty: 'oct', k: encodeBase64url(secret) } },
    'HS256',
    new Uint8Array(secret),
  );
  await refused(guard.authenticate(input(token, p)), 'invalid_dpop_proof', 'ERR_ALG_NOT_ALLOWED');
});

test('refused: an alg none proof', async () => {
  const { guard, token } = await setup();
  const h = encodeBase64url(
    JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: exportJwk(key.publicKey) }),
  );
  const body = encodeBase64url(
    JSON.stringify({
      jti: 'n1',
      htm: 'GET',
      htu: URL_ORDERS,
      iat: Math.floor(Date.now() / 1000),
      ath: calculateAccessTokenHash(token),
    }),
  );
  await refused(
    guard.authenticate(input(token, `${h}.${body}.`)),
    'invalid_dpop_proof',
    'ERR_ALG_NOT_ALLOWED',
  );
});

test('refused: a DPoP-bound token sent as Bearer (RFC 9449 §7.1), with DPoP on and off', async () => {
  const { guard, token } = await setup();
  const e = await refused(
    guard.authenticate({ authorization: `Bearer ${token}` }),
    'invalid_token',
    'dpop_bound_as_bearer',
  );
  assert.deepEqual(e.dpop?.algs, ['EdDSA', 'Ed25519', 'ES256', 'ES384', 'PS256', 'RS256']);
  const off = (await setup(false)).guard;
  await assert.rejects(
    off.authenticate({ authorization: `Bearer ${token}` }),
    (x: unknown) =>
      x instanceof GuardError && x.status === 401 && x.reason === 'dpop_bound_as_bearer',
  );
  // An unbound token still works as Bearer, and is refused with the DPoP scheme.
  const plain = (await issuer()).mint();
  assert.equal((await guard.authenticate({ authorization: `Bearer ${plain}` })).subject, 'user-1');
  await refused(guard.authenticate(input(plain, proofFor(plain))), 'invalid_token', 'dpop_unbound');
});

test('refused: the DPoP scheme without a proof', async () => {
  const { guard, token } = await setup();
  await refused(guard.authenticate(input(token, undefined)), 'invalid_dpop_proof', 'dpop_missing');
});

test('refused: two DPoP headers; a bad token with the DPoP scheme gets the DPoP challenge', async () => {
  const { guard, token } = await setup();
  await refused(
    guard.authenticate(input(token, `${proofFor(token)}, ${proofFor(token)}`)),
    'invalid_dpop_proof',
    'dpop_many',
  );
  // A bad token with the DPoP scheme gets the DPoP challenge too.
  await refused(
    guard.authenticate(input(`${token.slice(0, -4)}AAAA`, proofFor(token))),
    'invalid_token',
  );
});

test('guard nonces (RFC 9449 §9): a proof without the nonce gets use_dpop_nonce with a DPoP-Nonce; with it, it passes on any guard sharing the secret', async () => {
  const secret = randomBytes(32);
  const { guard, token } = await setup({ nonce: { secret, period: 60 } });
  const e = await refused(guard.authenticate(input(token, proofFor(token))), 'use_dpop_nonce');
  const nonce = e.dpop!.nonce!;
  assert.match(nonce, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(
    (await guard.authenticate(input(token, proofFor(token, { nonce })))).subject,
    'user-1',
  );
  // A second guard with the same secret accepts the same nonce: nothing is stored.
  const twin = (await setup({ nonce: { secret, period: 60 } })).guard;
  assert.equal(
    (await twin.authenticate(input(token, proofFor(token, { nonce })))).subject,
    'user-1',
  );
});

test('refused: an expired guard nonce', async () => {
  const secret = randomBytes(32);
  const { guard, token } = await setup({ nonce: { secret, period: 60 } });
  const expired = createDpopNonces({ secret, period: 60, purpose: 'resource' }).current(
    new Date(Date.now() - 5 * 60_000),
  );
  await refused(
    guard.authenticate(input(token, proofFor(token, { nonce: expired }))),
    'use_dpop_nonce',
  );
});

test('refused: a guard nonce made with another secret', async () => {
  const { guard, token } = await setup({ nonce: { secret: randomBytes(32), period: 60 } });
  const foreign = createDpopNonces({
    secret: randomBytes(32),
    period: 60,
    purpose: 'resource',
  }).current();
  await refused(
    guard.authenticate(input(token, proofFor(token, { nonce: foreign }))),
    'use_dpop_nonce',
  );
});

test('fetch entry: guard.verifyRequest checks DPoP against the Request (method, URL, ath, cnf.jkt) and answers refusals as DPoP Responses', async () => {
  const iss = await issuer();
  // No origin option: htu is the Request's own URL (without the query).
  const guard = createGuard({
    issuer: iss.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    dpop: { nonce: { secret: randomBytes(32), period: 60 } },
  });
  closers.push(() => guard.close());
  const token = iss.mint({ cnf: { jkt: JKT } });
  const target = 'http://api.local:8080/orders';
  const req = (headers: Record<string, string>, method = 'GET') =>
    new Request(`${target}?page=2`, { method, headers });
  const challenge = (r: Response) => r.headers.get('www-authenticate') ?? '';
  // First a nonce challenge (RFC 9449 §9), then the proof with that nonce passes.
  const first = await guard.verifyRequest(
    req({ authorization: `DPoP ${token}`, dpop: proofFor(token, { htu: target }) }),
  );
  assert.ok(first instanceof Response);
  assert.equal(first.status, 401);
  assert.match(challenge(first), /^DPoP .*error="use_dpop_nonce"/);
  const nonce = first.headers.get('dpop-nonce');
  assert.match(nonce ?? '', /^[A-Za-z0-9_-]{43}$/);
  const ok = await guard.verifyRequest(
    req({ authorization: `DPoP ${token}`, dpop: proofFor(token, { htu: target, nonce: nonce! }) }),
  );
  assert.ok(!(ok instanceof Response), 'an auth context');
  assert.equal(ok.subject, 'user-1');
  // Another method, another URL, another token's ath, another key: invalid_dpop_proof answers.
  for (const dpop of [
    proofFor(token, { htu: target, nonce: nonce!, htm: 'POST' }),
    proofFor(token, { htu: 'http://api.local:8080/other', nonce: nonce! }),
    proofFor(iss.mint({ cnf: { jkt: JKT } }), { htu: target, nonce: nonce! }),
    proofFor(token, { htu: target, nonce: nonce!, k: otherKey }),
  ]) {
    const r = await guard.verifyRequest(req({ authorization: `DPoP ${token}`, dpop }));
    assert.ok(r instanceof Response);
    assert.equal(r.status, 401);
    assert.match(challenge(r), /^DPoP .*error="invalid_dpop_proof".*algs="[^"]+"/);
  }
  // The bound token as Bearer (RFC 9449 §7.1), and with the DPoP scheme but no proof.
  for (const headers of [
    { authorization: `Bearer ${token}` },
    { authorization: `DPoP ${token}` },
  ]) {
    const r = await guard.verifyRequest(req(headers));
    assert.ok(r instanceof Response);
    assert.equal(r.status, 401);
    assert.match(challenge(r), /^DPoP /);
  }
});

test('the replay window is bounded: the oldest entries go first when it is full', async () => {
  const { guard, token } = await setup({ maxReplayEntries: 2 });
  const proofs = [proofFor(token), proofFor(token), proofFor(token)];
  for (const p of proofs) await guard.authenticate(input(token, p));
  await refused(guard.authenticate(input(token, proofs[2]!)), 'invalid_dpop_proof', 'dpop_replay');
  // The first fell out of the full window (documented): only maxAge and a larger window stop it.
  assert.equal((await guard.authenticate(input(token, proofs[0]!))).subject, 'user-1');
});

test('configuration: origin must be an origin, algorithms asymmetric, replayStore a redis URL', async () => {
  const iss = await issuer();
  const base = { issuer: iss.url, audience: AUDIENCE, allowHttpLoopback: true };
  for (const dpop of [
    { origin: 'https://api.test/path' },
    { origin: 'ftp://api.test' },
    { algorithms: ['HS256' as const] },
    { replayStore: 'http://127.0.0.1:6379' },
    { nonce: { secret: new Uint8Array(8) } },
    { maxAge: '1 minute' },
  ])
    assert.throws(
      () => createGuard({ ...base, dpop } as GuardOptions),
      /dpop|HS256|secret|maxAge|origin/i,
    );
});

/** A node:http server behind withGuard, answering the subject. */
async function serve(guard: ReturnType<typeof createGuard>): Promise<string> {
  const server: Server = createServer(withGuard(guard, (req, res) => res.end(req.auth.subject)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('over HTTP: the request URL gives htu (no origin option); behind a proxy the configured origin wins', async () => {
  const iss = await issuer();
  const direct = createGuard({ issuer: iss.url, audience: AUDIENCE, allowHttpLoopback: true });
  closers.push(() => direct.close());
  const base = await serve(direct);
  const token = iss.mint({ cnf: { jkt: JKT } });
  let res = await fetch(`${base}/orders?x=1`, {
    headers: { authorization: `DPoP ${token}`, dpop: proofFor(token, { htu: `${base}/orders` }) },
  });
  assert.equal(res.status, 200, await res.clone().text());
  res = await fetch(`${base}/orders`, {
    headers: { authorization: `DPoP ${token}`, dpop: proofFor(token, { htu: URL_ORDERS }) },
  });
  assert.equal(res.status, 401);
  assert.match(
    res.headers.get('www-authenticate')!,
    /^DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="EdDSA Ed25519 ES256 ES384 PS256 RS256"$/,
  );
  await res.arrayBuffer();
  // The proxied guard: clients address https://api.test, the socket is plain http on loopback.
  const proxied = await serve((await setup()).guard);
  res = await fetch(`${proxied}/orders`, {
    headers: { authorization: `DPoP ${token}`, dpop: proofFor(token, { htu: URL_ORDERS }) },
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'user-1');
});

test('createDpopFetch: proofs with ath, the nonce challenge retried once, the nonce remembered', async () => {
  const secret = randomBytes(32);
  const iss = await issuer();
  const guard = createGuard({
    issuer: iss.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    dpop: { nonce: { secret } },
  });
  closers.push(() => guard.close());
  const base = await serve(guard);
  let calls = 0;
  const dpopFetch = createDpopFetch({
    privateKey: edKey.privateKey,
    fetch: (u, i) => {
      calls++;
      return fetch(u, i);
    },
  });
  assert.equal(dpopFetch.jkt, calculateJwkThumbprint(edKey.publicKey));
  const token = iss.mint({ cnf: { jkt: dpopFetch.jkt } });
  let res = await dpopFetch(`${base}/orders`, { accessToken: token });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'user-1');
  assert.equal(calls, 2, 'one challenge, one retry');
  res = await dpopFetch(`${base}/orders`, { accessToken: token });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  assert.equal(calls, 3, 'the nonce was remembered');
  // A refusal that is not a nonce challenge is returned as is, without a retry.
  res = await dpopFetch(`${base}/orders`, { accessToken: iss.mint({ cnf: { jkt: JKT } }) });
  assert.equal(res.status, 401);
  await res.arrayBuffer();
  assert.equal(calls, 4);
});

test('Redis down: the guard keeps working on its local window and says so once', async () => {
  const logs: string[] = [];
  const { guard, token } = await setup({
    replayStore: 'redis://127.0.0.1:1',
    log: (m) => logs.push(m),
  });
  const p = proofFor(token);
  assert.equal((await guard.authenticate(input(token, p))).subject, 'user-1');
  assert.equal((await guard.authenticate(input(token, proofFor(token)))).subject, 'user-1');
  await refused(guard.authenticate(input(token, p)), 'invalid_dpop_proof', 'dpop_replay');
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /unreachable/);
});

test(
  'Redis replay store: a proof used at one guard is refused by another (same process)',
  { skip: REDIS_SKIP },
  async () => {
    const prefix = `tessera:test:${process.pid}:${randomBytes(4).toString('hex')}:`;
    const opts = { replayStore: { url: REDIS!, keyPrefix: prefix }, log: () => undefined };
    const a = (await setup(opts)).guard;
    const { guard: b, token } = await setup(opts);
    const p = proofFor(token);
    assert.equal((await a.authenticate(input(token, p))).subject, 'user-1');
    await refused(b.authenticate(input(token, p)), 'invalid_dpop_proof', 'dpop_replay');
  },
);

/** A guard in its own process (dist/test-support/dpop-guard-child.js), serving on a free port. */
async function guardProcess(
  issuerUrl: string,
  prefix: string,
): Promise<{ url: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    [new URL('./test-support/dpop-guard-child.js', import.meta.url).pathname],
    {
      env: {
        ...process.env,
        ISSUER_URL: issuerUrl,
        REDIS_URL: REDIS!,
        KEY_PREFIX: prefix,
        DPOP_ORIGIN: ORIGIN,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const stop = () => child.kill('SIGTERM');
  closers.push(stop);
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    const m = /READY (\S+)/.exec(out);
    if (m !== null) return { url: m[1]!, stop };
  }
  throw new Error('the guard process exited before it was ready');
}

test(
  'Redis replay store: replay across two guard processes sharing the real Redis',
  { skip: REDIS_SKIP },
  async () => {
    const iss = await issuer();
    const prefix = `tessera:test:${process.pid}:${randomBytes(4).toString('hex')}:`;
    const [a, b] = await Promise.all([
      guardProcess(iss.url, prefix),
      guardProcess(iss.url, prefix),
    ]);
    // Both processes have the issuer's keys before the check (a plain token verifies).
    const plain = iss.mint();
    for (const g of [a, b]) {
      for (let i = 0; ; i++) {
        const r = await fetch(`${g.url}/orders`, { headers: { authorization: `Bearer ${plain}` } });
        await r.arrayBuffer();
        if (r.status === 200) break;
        assert.ok(i < 40, `the guard process never got the keys (${r.status})`);
        await new Promise((done) => setTimeout(done, 250));
      }
    }
    const token = iss.mint({ cnf: { jkt: JKT } });
    const p = proofFor(token);
    const call = (base: string, dpop: string) =>
      fetch(`${base}/orders`, { headers: { authorization: `DPoP ${token}`, dpop } });
    let res = await call(a.url, p);
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    res = await call(b.url, p);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate')!, /error="invalid_dpop_proof"/);
    await res.arrayBuffer();
    // A fresh proof is fine on the other process.
    res = await call(b.url, proofFor(token));
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    a.stop();
    b.stop();
  },
);
