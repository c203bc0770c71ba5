import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from './config.js';

test('defaults: EdDSA, 10-minute access tokens, OWASP Argon2id, retention = ttl + skew + cache', () => {
  const c = resolveConfig({ issuer: 'https://auth.example.com' });
  assert.equal(c.alg, 'EdDSA');
  assert.equal(c.accessTokenTtl, 600);
  assert.deepEqual(c.argon2, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
  assert.equal(c.keyRetention, 600 + 60 + 300);
});

test('the issuer must be an origin only', () => {
  for (const issuer of [
    'https://auth.example.com/',
    'https://auth.example.com/tenant',
    'auth.example.com',
    'ftp://x.example',
    'https://a.example?x=1',
  ]) {
    assert.throws(() => resolveConfig({ issuer }), ConfigError, issuer);
  }
  assert.equal(resolveConfig({ issuer: 'http://127.0.0.1:4000' }).issuer, 'http://127.0.0.1:4000');
});

test('custom claims over the byte budget are refused at configuration time', () => {
  assert.throws(
    () => resolveConfig({ issuer: 'https://a.example', customClaims: { blob: 'x'.repeat(2000) } }),
    /over the budget of 1024/,
  );
  assert.throws(
    () =>
      resolveConfig({
        issuer: 'https://a.example',
        customClaims: { tenant: 'acme' },
        claimBudgetBytes: 5,
      }),
    ConfigError,
  );
  assert.ok(resolveConfig({ issuer: 'https://a.example', customClaims: { tenant: 'acme' } }));
});

test('custom claims may not override what the issuer sets', () => {
  for (const k of ['sub', 'iss', 'aud', 'exp', 'client_id', 'scope', 'sid', 'roles']) {
    assert.throws(
      () => resolveConfig({ issuer: 'https://a.example', customClaims: { [k]: 'x' } }),
      /reserved/,
    );
  }
});

test('wrong durations, algorithms and limits refuse to start', () => {
  assert.throws(
    () => resolveConfig({ issuer: 'https://a.example', accessTokenTtl: '10 minutes' }),
    ConfigError,
  );
  assert.throws(
    () => resolveConfig({ issuer: 'https://a.example', accessTokenTtl: 2 }),
    ConfigError,
  );
  assert.throws(
    () => resolveConfig({ issuer: 'https://a.example', alg: 'HS256' as never }),
    ConfigError,
  );
  assert.throws(
    () => resolveConfig({ issuer: 'https://a.example', replayWindow: '5m' }),
    ConfigError,
  );
  assert.throws(
    () =>
      resolveConfig({
        issuer: 'https://a.example',
        argon2: { memoryCost: 8, timeCost: 1, parallelism: 1 },
      }),
    ConfigError,
  );
  assert.throws(
    () => resolveConfig({ issuer: 'https://a.example', keyRotationInterval: 10 }),
    ConfigError,
  );
});

test('refusal: a custom claim named acr or amr (it would pass a password login off as a stronger one)', () => {
  for (const k of ['acr', 'amr', 'auth_time']) {
    assert.throws(
      () =>
        resolveConfig({
          issuer: 'https://a.example',
          customClaims: { [k]: 'urn:tessera:acr:mfa' },
        }),
      /reserved/,
    );
  }
});

test('clockTolerance is the one name (clockSkew, its former name, still works; both at once refused)', () => {
  const iss = 'https://auth.example.com';
  assert.equal(resolveConfig({ issuer: iss, clockTolerance: '30s' }).clockTolerance, 30);
  assert.equal(resolveConfig({ issuer: iss, clockTolerance: '30s' }).keyRetention, 600 + 30 + 300);
  assert.equal(resolveConfig({ issuer: iss, clockSkew: '45s' }).clockTolerance, 45);
  assert.equal(resolveConfig({ issuer: iss }).clockTolerance, 60);
  assert.throws(
    () => resolveConfig({ issuer: iss, clockTolerance: '30s', clockSkew: '30s' }),
    (e: unknown) => e instanceof ConfigError && /clockTolerance only/.test(e.message),
  );
});
