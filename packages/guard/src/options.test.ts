import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuardError } from './bearer.js';
import { createGuard } from './guard.js';
import { isPreparedGuardOptions, prepareGuardOptions } from './options.js';

const base = { issuer: 'https://auth.example', audience: 'https://api.example' } as const;
const refused = (message: RegExp) => (e: unknown) =>
  e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID' && message.test(e.message);

test('prepareGuardOptions: defaults, deeply frozen, accepted by createGuard as is', () => {
  const c = prepareGuardOptions({ ...base, requiredScopes: ['read'], revocation: true });
  assert.ok(isPreparedGuardOptions(c));
  assert.ok(!isPreparedGuardOptions({ ...c }), 'a copy is not a prepared configuration');
  assert.deepEqual(c.algorithms, ['EdDSA', 'ES256', 'RS256']);
  assert.deepEqual(c.audience, ['https://api.example']);
  assert.deepEqual(c.revocation, {
    url: undefined,
    intervalMs: 30_000,
    maxResponseBytes: 1048576,
    push: true,
    authorization: undefined,
    staleness: { onFeedUnavailable: 'refuse' },
  });
  assert.equal(c.verify.typ, 'at+jwt');
  assert.equal(c.verify.clockTolerance, 5);
  assert.deepEqual(c.verify.requiredClaims, [
    'iss',
    'exp',
    'aud',
    'sub',
    'iat',
    'jti',
    'client_id',
  ]);
  assert.equal(c.cached, true);
  for (const o of [c, c.audience, c.algorithms, c.requiredScopes, c.verify, c.keys, c.revocation])
    assert.ok(Object.isFrozen(o));
  assert.equal(prepareGuardOptions(c), c);
  const guard = createGuard(c);
  assert.equal(guard.issuer, 'https://auth.example');
  guard.close();
});

test('prepareGuardOptions: the core validates the verifier options (no throwaway verifier)', () => {
  // Each of these is caught by the core's own checks, with the core's message.
  assert.throws(
    () => prepareGuardOptions({ ...base, clockTolerance: '5 minutes' }),
    refused(/clockTolerance/),
  );
  assert.throws(
    () => prepareGuardOptions({ ...base, currentDate: new Date(Number.NaN) }),
    refused(/currentDate/),
  );
  assert.throws(
    () => prepareGuardOptions({ ...base, algorithms: ['ES999' as never] }),
    (e: unknown) => e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID',
  );
  assert.throws(
    () => prepareGuardOptions({ ...base, algorithms: [] }),
    (e: unknown) => e instanceof GuardError && e.reason === 'ERR_GUARD_OPTIONS_INVALID',
  );
  assert.throws(() => prepareGuardOptions({ ...base, cache: { max: -1 } }), refused(/max/));
  assert.equal(prepareGuardOptions({ ...base, cache: false }).cached, false);
});

test('prepareGuardOptions: guard-level checks fire at configuration time', () => {
  assert.throws(() => prepareGuardOptions(null as never), refused(/required/));
  assert.throws(
    () => prepareGuardOptions({ ...base, issuer: 'http://auth.example' }),
    refused(/https/),
  );
  assert.throws(() => prepareGuardOptions({ ...base, jwksUri: 'ftp://x' }), refused(/jwksUri/));
  assert.throws(() => prepareGuardOptions({ ...base, audience: [] }), refused(/audience/));
  assert.throws(() => prepareGuardOptions({ ...base, audience: ['a b'] }), refused(/audience/));
  assert.throws(
    () => prepareGuardOptions({ ...base, algorithms: ['HS256'] }),
    refused(/asymmetric/),
  );
  assert.throws(
    () => prepareGuardOptions({ ...base, requiredScopes: ['a"b'] }),
    refused(/requiredScopes/),
  );
  assert.throws(() => prepareGuardOptions({ ...base, realm: 'r\r\n' }), refused(/realm/));
  assert.throws(() => prepareGuardOptions({ ...base, cookie: 'a=b' }), refused(/cookie/));
  assert.throws(
    () => prepareGuardOptions({ ...base, discoveryTimeoutMs: 0 }),
    refused(/discoveryTimeoutMs/),
  );
  assert.throws(
    () => prepareGuardOptions({ ...base, revocation: { intervalMs: 1.5 } }),
    refused(/intervalMs/),
  );
  assert.throws(
    () => prepareGuardOptions({ ...base, revocation: { url: 'http://feed.example' } }),
    refused(/revocation\.url/),
  );
  assert.doesNotThrow(() =>
    prepareGuardOptions({ ...base, issuer: 'http://127.0.0.1:1', allowHttpLoopback: true }),
  );
});

test('revocation.credentials: a feed credential becomes the Authorization header of the feed and its stream', () => {
  const header = (credentials: unknown) =>
    prepareGuardOptions({ ...base, revocation: { credentials: credentials as never } }).revocation
      ?.authorization;
  assert.equal(header({ token: 'feed-token-0123456789' }), 'Bearer feed-token-0123456789');
  // RFC 6749 Appendix B: each part form-urlencoded before the Basic encoding.
  const basic = header({ clientId: 'rs orders', clientSecret: 'a:b+c/é' });
  assert.equal(
    Buffer.from(String(basic).replace(/^Basic /, ''), 'base64').toString(),
    'rs+orders:a%3Ab%2Bc%2F%C3%A9',
  );
  for (const bad of [
    'token',
    { token: '' },
    { token: 'has space' },
    { token: 'line\nbreak' },
    { token: 'x', clientId: 'y' },
    { clientId: 'rs' },
    { clientId: '', clientSecret: 's' },
    { clientId: 'rs', clientSecret: 42 },
  ])
    assert.throws(() => header(bad), refused(/revocation\.credentials/), JSON.stringify(bad));
});
