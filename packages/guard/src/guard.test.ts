import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSecret, signCompact, signJwt, isJoseError, JoseError } from '@tessera/jose';
import { createGuard, type GuardOptions } from './guard.js';
import { GuardError } from './bearer.js';
import { oauthMetadataUrl, openidMetadataUrl } from './discovery.js';
import { AUDIENCE, startIssuer, type TestIssuer } from './test-support/issuer.js';

const issuers: TestIssuer[] = [];
const guards: { close(): void }[] = [];
after(async () => {
  for (const g of guards) g.close();
  await Promise.all(issuers.map((i) => i.close()));
});

async function setup(extra: Partial<GuardOptions> = {}) {
  const issuer = await startIssuer();
  issuers.push(issuer);
  const guard = createGuard({
    issuer: issuer.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    keys: { cooldownMs: 200, timeoutMs: 500 },
    discoveryTimeoutMs: 500,
    ...extra,
  });
  guards.push(guard);
  return { issuer, guard };
}

const refused = (status: number, error?: string, reason?: string) => (e: unknown) =>
  e instanceof GuardError &&
  e.status === status &&
  e.error === error &&
  (reason === undefined || e.reason === reason);

test('an http loopback issuer is refused with a message that names allowHttpLoopback (and is accepted with it)', () => {
  const make = (o: Partial<GuardOptions>) =>
    createGuard({ issuer: 'http://127.0.0.1:1', audience: 'api', ...o } as GuardOptions);
  assert.throws(
    () => make({}),
    (e: unknown) => {
      assert.ok(e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID');
      assert.match(
        e.message,
        /issuer http:\/\/127\.0\.0\.1:1 must use https \(set allowHttpLoopback: true/,
      );
      return true;
    },
  );
  guards.push(make({ allowHttpLoopback: true }));
});

test('configuration is checked at once: https issuer, asymmetric algorithms, audience, realm, cookie', () => {
  const base = { issuer: 'https://auth.test', audience: 'api' };
  const bad = (o: Partial<GuardOptions>) => () => createGuard({ ...base, ...o } as GuardOptions);
  const invalid = (e: unknown) =>
    e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID';
  assert.throws(bad({ issuer: 'http://auth.test' }), invalid);
  assert.throws(bad({ algorithms: ['HS256'] }), invalid);
  assert.throws(bad({ algorithms: ['EdDSA', 'HS512'] }), invalid);
  assert.throws(bad({ algorithms: ['none' as never] }), invalid);
  assert.throws(bad({ audience: [] }), invalid);
  assert.throws(bad({ audience: '' }), invalid);
  assert.throws(bad({ realm: 'a\r\nb' }), invalid);
  assert.throws(bad({ cookie: 'a b' }), invalid);
  assert.throws(bad({ clockTolerance: '1 minute' }), invalid);
  assert.throws(bad({ jwksUri: 'http://keys.test/jwks' }), invalid);
  assert.throws(bad({ revocation: { intervalMs: 0 } }), invalid);
  const g = createGuard(base);
  assert.equal(g.issuer, 'https://auth.test');
  g.close();
});

test('RFC 8414 §3.1 and OIDC discovery URLs', () => {
  assert.equal(
    oauthMetadataUrl(new URL('https://as.test')).href,
    'https://as.test/.well-known/oauth-authorization-server',
  );
  assert.equal(
    oauthMetadataUrl(new URL('https://as.test/t1')).href,
    'https://as.test/.well-known/oauth-authorization-server/t1',
  );
  assert.equal(
    openidMetadataUrl(new URL('https://as.test/t1')).href,
    'https://as.test/t1/.well-known/openid-configuration',
  );
});

test('a valid RFC 9068 access token gives the auth context', async () => {
  const { issuer, guard } = await setup();
  const auth = await guard.verify(issuer.mint({ roles: ['admin'] }));
  assert.equal(auth.subject, 'user-1');
  assert.equal(auth.clientId, 'client-1');
  assert.deepEqual(auth.scopes, ['orders:read', 'profile']);
  assert.deepEqual(auth.roles, ['admin']);
  assert.equal(auth.claims.iss, issuer.url);
  assert.ok(Object.isFrozen(auth) && Object.isFrozen(auth.claims));
  // Both published algorithms verify; discovery and JWKS were fetched once.
  await guard.verify(issuer.mint({}, { key: issuer.published[1]! }));
  assert.equal(issuer.hitsOf('/.well-known/oauth-authorization-server'), 1);
  assert.equal(issuer.hitsOf('/jwks'), 1);
  assert.equal(guard.status().jwksUri, `${issuer.url}/jwks`);
});

test('RFC 9068: typ, required claims, exact iss and aud, asymmetric alg', async () => {
  const { issuer, guard } = await setup();
  const bad = async (token: string, reason?: string) =>
    assert.rejects(guard.verify(token), refused(401, 'invalid_token', reason));
  await bad(issuer.mint({}, { typ: 'JWT' }), 'ERR_JWT_CLAIM_INVALID');
  await bad(issuer.mint({}, { typ: false }), 'ERR_JWT_CLAIM_INVALID');
  assert.equal(
    (await guard.verify(issuer.mint({}, { typ: 'application/AT+JWT' }))).subject,
    'user-1',
  );
  for (const claim of ['iss', 'exp', 'aud', 'sub', 'iat', 'jti', 'client_id']) {
    await bad(issuer.mint({ [claim]: undefined }), 'ERR_JWT_CLAIM_INVALID');
  }
  await bad(issuer.mint({ iss: `${issuer.url}/` }));
  await bad(issuer.mint({ aud: 'https://other.test' }));
  const k = issuer.published[0]!;
  const claims = JSON.parse(Buffer.from(issuer.mint().split('.')[1]!, 'base64url').toString());
  const raw = (c: Record<string, unknown>) =>
    signCompact(JSON.stringify({ ...claims, ...c }), k.privateKey, {
      alg: k.alg,
      kid: k.kid,
      header: { typ: 'at+jwt' },
    });
  assert.equal((await guard.verify(raw({}))).subject, 'user-1');
  await bad(raw({ aud: [AUDIENCE, 1] }), 'ERR_JWT_CLAIM_INVALID');
  await bad(raw({ iss: [issuer.url] }), 'ERR_JWT_CLAIM_INVALID');
  await bad(raw({ exp: '9999999999' }), 'ERR_JWT_CLAIM_INVALID');
  await bad(issuer.mint({ client_id: 42 }), 'client_id');
  await bad(issuer.mint({ scope: ['orders:read'] }), 'scope');
  await bad(issuer.mint({ roles: 'admin' }), 'roles');
  await bad(issuer.mint({ sub: '' }), 'sub');
  const secret = generateSecret('HS256');
  const hs = signJwt(
    { iss: issuer.url, sub: 'a', aud: AUDIENCE, exp: 9e9, jti: 'j', client_id: 'c' },
    secret,
    { alg: 'HS256', typ: 'at+jwt', kid: 'ed-1' },
  );
  await bad(hs, 'ERR_ALG_NOT_ALLOWED');
  await bad('not-a-jwt');
  // A forged signature: header and claims of a valid token, signature of another.
  const [h, p] = issuer.mint({ sub: 'admin' }).split('.');
  await bad(`${h}.${p}.${issuer.mint().split('.')[2]}`, 'ERR_SIGNATURE_INVALID');
  const expired = issuer.mint({ iat: 1000, exp: 2000 });
  await assert.rejects(
    guard.verify(expired),
    (e: unknown) =>
      e instanceof GuardError && e.status === 401 && e.description === 'The access token expired',
  );
});

test('scopes and roles per route, and required scopes for every request', async () => {
  const { issuer, guard } = await setup({ requiredScopes: ['profile'] });
  const input = (claims: Record<string, unknown>) => ({
    authorization: `Bearer ${issuer.mint(claims)}`,
  });
  const auth = await guard.authenticate(input({}), { scopes: ['orders:read'] });
  assert.deepEqual(auth.scopes, ['orders:read', 'profile']);
  await assert.rejects(
    guard.authenticate(input({}), { scopes: ['orders:write'] }),
    (e: unknown) =>
      e instanceof GuardError &&
      e.status === 403 &&
      e.error === 'insufficient_scope' &&
      e.scope?.join(' ') === 'profile orders:write',
  );
  await assert.rejects(
    guard.authenticate(input({ scope: 'orders:read' })),
    refused(403, 'insufficient_scope'),
  );
  await assert.rejects(
    guard.authenticate(input({ scope: undefined })),
    refused(403, 'insufficient_scope'),
  );
  await assert.rejects(
    guard.authenticate(input({ roles: ['user'] }), { roles: ['admin', 'ops'] }),
    refused(403, 'insufficient_scope', 'role'),
  );
  assert.equal(
    (await guard.authenticate(input({ roles: ['ops'] }), { roles: ['admin', 'ops'] })).subject,
    'user-1',
  );
  await assert.rejects(
    guard.authenticate({ authorization: undefined }),
    refused(401, undefined, 'no_token'),
  );
  await assert.rejects(
    guard.authenticate({ authorization: 'Bearer x', url: '/?access_token=x' }),
    refused(400, 'invalid_request'),
  );
  // The b68token syntax is checked lazily, after a failed verification: still a 400.
  for (const h of ['Bearer a b', 'Bearer a"b', `Bearer ${issuer.mint()}"`, 'Bearer\tabc']) {
    assert.throws(
      () => guard.authenticateFast({ authorization: h }),
      refused(400, 'invalid_request', 'malformed_header'),
      h,
    );
  }
  await assert.rejects(
    guard.authenticate({ authorization: 'Bearer abc.def.ghi' }),
    refused(401, 'invalid_token'),
  );
  // authenticateFast answers synchronously once the keys are cached.
  const fastAuth = guard.authenticateFast(input({}), { scopes: ['orders:read'] });
  assert.ok(!(fastAuth instanceof Promise));
  assert.equal((fastAuth as { subject: string }).subject, 'user-1');
});

test('the cookie extractor (opt-in) and the cache switched off', async () => {
  const { issuer, guard } = await setup({ cookie: 'at', cache: false });
  const token = issuer.mint();
  assert.equal(
    (await guard.authenticate({ authorization: undefined, cookie: `theme=dark; at=${token}` }))
      .subject,
    'user-1',
  );
  assert.equal((await guard.authenticate({ authorization: `Bearer ${token}` })).subject, 'user-1');
  await assert.rejects(
    guard.authenticate({ authorization: `Bearer ${token}`, cookie: `at=${token}` }),
    refused(400, 'invalid_request'),
  );
  await assert.rejects(
    guard.authenticate({ authorization: undefined, cookie: 'at=a"b' }),
    refused(401, 'invalid_token'),
  );
  assert.throws(
    () => createGuard({ issuer: 'https://auth.test', audience: 'api', cache: { max: 0 } }),
    (e: unknown) => e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID',
  );
});

test('discovery: a metadata issuer that differs is refused, and the cause shows both values', async () => {
  const { issuer, guard } = await setup({ discoveryTimeoutMs: 15_000 });
  issuer.metadata = { issuer: `${issuer.url}/` };
  await assert.rejects(guard.verify(issuer.mint()), (e: unknown) => {
    assert.ok(refused(503, undefined, 'ERR_METADATA_ISSUER_MISMATCH')(e));
    // The log-side cause shows both values; the answer itself stays a fixed description.
    assert.equal(
      ((e as GuardError).cause as Error).message,
      `the metadata "issuer" "${issuer.url}/" does not match the configured issuer "${issuer.url}"`,
    );
    return true;
  });
  assert.equal(issuer.hitsOf('/jwks'), 0);
});

test('discovery: a non-https jwks_uri in the metadata is refused', async () => {
  const other = await setup();
  other.issuer.metadata = { jwks_uri: 'http://keys.example/jwks' };
  await assert.rejects(
    other.guard.verify(other.issuer.mint()),
    refused(503, undefined, 'ERR_METADATA_INVALID'),
  );
});

test('discovery falls back to OpenID Connect metadata; jwksUri skips discovery', async () => {
  const { issuer, guard } = await setup();
  issuer.mode = { metadata: 'missing', openid: 'ok' };
  assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
  assert.equal(issuer.hitsOf('/.well-known/openid-configuration'), 1);
  const direct = await setup({ jwksUri: `${issuer.url}/jwks` });
  // The keys come from the first issuer's JWKS; the token's iss is the second guard's issuer.
  assert.equal(
    (await direct.guard.verify(issuer.mint({ iss: direct.issuer.url }))).subject,
    'user-1',
  );
  assert.equal(direct.issuer.hitsOf('/jwks'), 0);
  assert.equal(direct.issuer.hitsOf('/.well-known/oauth-authorization-server'), 0);
  const none = await setup();
  none.issuer.mode = { metadata: 'missing' };
  await assert.rejects(
    none.guard.verify(none.issuer.mint()),
    refused(503, undefined, 'ERR_METADATA_FETCH_FAILED'),
  );
});

test('key rotation: a new kid causes one refetch, then verifies', async () => {
  const { issuer, guard } = await setup();
  await guard.verify(issuer.mint());
  await sleep(210);
  const next = issuer.newKey('ES256', 'es-2');
  issuer.published = [...issuer.published, next];
  const token = issuer.mint({}, { key: next });
  const all = await Promise.all(Array.from({ length: 20 }, () => guard.verify(token)));
  assert.equal(all.length, 20);
  assert.equal(issuer.hitsOf('/jwks'), 2);
});

test('issuer down: cached keys keep working; an unknown kid fails fast without a fetch', async () => {
  const { issuer, guard } = await setup({ keys: { cooldownMs: 60_000, timeoutMs: 500 } });
  await guard.verify(issuer.mint());
  issuer.mode = { metadata: 'down', jwks: 'down', revocations: 'down' };
  assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
  const stranger = issuer.newKey('EdDSA', 'unknown-1');
  const t0 = Date.now();
  await assert.rejects(
    guard.verify(issuer.mint({}, { key: stranger })),
    refused(401, 'invalid_token', 'ERR_JWKS_COOLDOWN'),
  );
  assert.ok(Date.now() - t0 < 300);
  assert.equal(issuer.hitsOf('/jwks'), 1);
});

test('issuer down at start: 503 at once, retried after the cooldown, then served', async () => {
  const { issuer, guard } = await setup();
  issuer.mode = { metadata: 'down' };
  await assert.rejects(
    guard.verify(issuer.mint()),
    refused(503, undefined, 'ERR_METADATA_FETCH_FAILED'),
  );
  await assert.rejects(guard.verify(issuer.mint()), refused(503));
  assert.equal(issuer.hitsOf('/.well-known/oauth-authorization-server'), 1);
  issuer.mode = { jwks: 'error' };
  await sleep(210);
  await assert.rejects(
    guard.verify(issuer.mint()),
    refused(503, undefined, 'ERR_JWKS_FETCH_FAILED'),
  );
  issuer.mode = {};
  await sleep(210);
  assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
});

test('JWKS down at start: ready() rejects (no keys is not ready), fast within the cooldown, then resolves', async () => {
  const { issuer, guard } = await setup();
  issuer.mode = { jwks: 'down' };
  const fetchFailed = (e: unknown) => e instanceof JoseError && e.code === 'ERR_JWKS_FETCH_FAILED';
  await assert.rejects(guard.ready(), fetchFailed);
  const t0 = Date.now();
  await assert.rejects(guard.ready(), fetchFailed);
  assert.ok(Date.now() - t0 < 100, 'answered from the failure, without a fetch');
  assert.equal(issuer.hitsOf('/jwks'), 1);
  assert.equal(issuer.hitsOf('/.well-known/oauth-authorization-server'), 1);
  issuer.mode = {};
  await sleep(210);
  await guard.ready();
  assert.equal(guard.status().keys?.keys, 2);
  assert.equal((await guard.verify(issuer.mint())).subject, 'user-1');
  assert.equal(issuer.hitsOf('/.well-known/oauth-authorization-server'), 1, 'discovered once');
});

test('discovery timing out at start: ready() rejects (a 503 ERR_METADATA_FETCH_FAILED, the timeout its cause) and nothing escapes unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const { issuer, guard } = await setup({ discoveryTimeoutMs: 200 });
    issuer.mode = { metadata: 'slow' };
    const more = Array.from({ length: 3 }, () => {
      const g = createGuard({
        issuer: issuer.url,
        audience: AUDIENCE,
        allowHttpLoopback: true,
        keys: { cooldownMs: 200, timeoutMs: 500 },
        discoveryTimeoutMs: 200,
      });
      guards.push(g);
      return g;
    });
    const timedOut = (e: unknown) =>
      refused(503, undefined, 'ERR_METADATA_FETCH_FAILED')(e) &&
      isJoseError(((e as Error).cause as Error | undefined)?.cause, 'ERR_JWKS_TIMEOUT');
    for (const r of await Promise.allSettled([guard, ...more].map((g) => g.ready())))
      assert.ok(
        r.status === 'rejected' && timedOut(r.reason),
        r.status === 'rejected' ? String(r.reason) : 'fulfilled',
      );
    await assert.rejects(guard.verify(issuer.mint()), timedOut);
    assert.equal(
      issuer.hitsOf('/.well-known/oauth-authorization-server'),
      1,
      'one shared discovery',
    );
    issuer.mode = {};
    await sleep(210);
    await Promise.all([guard, ...more].map((g) => g.ready()));
    await sleep(50);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a slow issuer times out; redirects and oversized key sets are refused', async () => {
  // Only the slow case needs the short timeout; the others get room, so a loaded machine cannot
  // turn a redirect or an oversized answer into a timeout.
  for (const [mode, reason, timeoutMs] of [
    ['slow', 'ERR_JWKS_TIMEOUT', 300],
    ['redirect', 'ERR_JWKS_FETCH_FAILED', 3000],
    ['oversized', 'ERR_JWKS_INVALID', 3000],
  ] as const) {
    const { issuer, guard } = await setup({
      keys: { cooldownMs: 200, timeoutMs, maxResponseBytes: 64 * 1024 },
    });
    issuer.mode = { jwks: mode };
    const t0 = Date.now();
    await assert.rejects(guard.verify(issuer.mint()), refused(503, undefined, reason), mode);
    assert.ok(Date.now() - t0 < timeoutMs + 1200, mode);
    assert.equal(issuer.hitsOf('/elsewhere'), 0);
  }
});

test('C7/G2: a thousand tokens with random unknown kids cause at most one fetch per cooldown', async () => {
  const { issuer, guard } = await setup({ keys: { cooldownMs: 250, timeoutMs: 500 } });
  await guard.verify(issuer.mint());
  await sleep(260);
  const stranger = issuer.newKey('EdDSA', 'stranger');
  const tokens = Array.from({ length: 1000 }, (_, i) =>
    issuer.mint({}, { key: stranger, kid: `kid-${i}-${Math.random()}` }),
  );
  const t0 = Date.now();
  const results = await Promise.allSettled(tokens.map((t) => guard.verify(t)));
  const elapsed = Date.now() - t0;
  assert.ok(
    results.every(
      (r) => r.status === 'rejected' && r.reason instanceof GuardError && r.reason.status === 401,
    ),
  );
  const fetches = issuer.hitsOf('/jwks') - 1;
  assert.ok(
    fetches >= 1 && fetches <= 1 + Math.floor(elapsed / 250),
    `${fetches} fetches in ${elapsed} ms`,
  );
});

test('revocation: a revoked jti or sid is refused within one poll interval; entries leave at exp', async () => {
  const { issuer, guard } = await setup({ revocation: { intervalMs: 150 } });
  const now = Math.floor(Date.now() / 1000);
  const token = issuer.mint({ jti: 'jti-1', sid: 'sid-a' });
  const other = issuer.mint({ jti: 'jti-2', sid: 'sid-b' });
  await guard.verify(token);
  issuer.revoked = [
    { jti: 'jti-1', exp: now + 600 },
    { jti: 'gone', exp: now - 1 },
  ];
  await sleep(400);
  await assert.rejects(guard.verify(token), refused(401, 'invalid_token', 'revoked'));
  assert.equal((await guard.verify(other)).subject, 'user-1');
  assert.equal(guard.status().revocations?.entries, 1);
  issuer.revoked = [{ sid: 'sid-b', exp: now + 600 }];
  await guard.pollRevocations();
  await assert.rejects(guard.verify(other), refused(401, 'invalid_token', 'revoked'));
  // The feed never un-revokes: jti-1 stays refused though the new feed no longer lists it.
  await assert.rejects(guard.verify(token), refused(401, 'invalid_token', 'revoked'));
  assert.ok(issuer.hitsOf('/revocations') >= 3);
});

test('revocation: a feed larger than a token limit (300 entries) is accepted', async () => {
  const { issuer, guard } = await setup({ revocation: { intervalMs: 60_000 } });
  const exp = Math.floor(Date.now() / 1000) + 600;
  issuer.revoked = Array.from({ length: 300 }, (_, i) => ({
    jti: `bulk-${i}-${'x'.repeat(40)}`,
    exp,
  }));
  await guard.ready();
  assert.equal(guard.status().revocations?.entries, 300);
  await assert.rejects(
    guard.verify(issuer.mint({ jti: `bulk-7-${'x'.repeat(40)}` })),
    refused(401, 'invalid_token', 'revoked'),
  );
});

test('revocation: a feed not signed by the issuer is ignored and reported', async () => {
  const errors: unknown[] = [];
  const { issuer, guard } = await setup({
    revocation: { intervalMs: 60_000 },
    onError: (e) => errors.push(e),
  });
  const token = issuer.mint({ jti: 'jti-x' });
  await guard.verify(token);
  issuer.feedSignedByStranger = true;
  issuer.revoked = [{ jti: 'jti-x', exp: Math.floor(Date.now() / 1000) + 600 }];
  await guard.pollRevocations();
  assert.ok(errors.some((e) => e instanceof JoseError && e.code === 'ERR_SIGNATURE_INVALID'));
  assert.equal((await guard.verify(token)).subject, 'user-1');
  issuer.feedSignedByStranger = false;
  await guard.pollRevocations();
  await assert.rejects(guard.verify(token), refused(401, 'invalid_token', 'revoked'));
});

test('the verified-token cache still enforces exp at every hit', async () => {
  const { issuer, guard } = await setup({ clockTolerance: 0 });
  // exp two to three seconds ahead (whole seconds): alive for both verifies even on a loaded
  // machine, and past after the sleep.
  const token = issuer.mint({ exp: Math.floor(Date.now() / 1000) + 3 });
  assert.equal((await guard.verify(token)).subject, 'user-1');
  assert.equal((await guard.verify(token)).subject, 'user-1');
  await sleep(3100);
  await assert.rejects(guard.verify(token), refused(401, 'invalid_token', 'ERR_JWT_EXPIRED'));
});
