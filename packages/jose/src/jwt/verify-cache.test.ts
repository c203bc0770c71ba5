import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier, signJwt } from './jwt.js';
import { createLocalKeySet, type KeySet } from '../jwks/local.js';
import { exportJwk, generateKeyPair } from '../keys/keys.js';
import { JoseError } from '../base/errors.js';
import { VerifiedTokenCache, deepFreeze } from './verify-cache.js';

const secret = randomBytes(32);
const T0 = 1_800_000_000; // a fixed "now", in seconds
const realNow = Date.now;
let clock = T0;
/** Move the clock the verifiers read (Date.now) to T0 + `seconds`. */
const at = (seconds: number) => {
  clock = T0 + seconds;
  Date.now = () => clock * 1000;
};
afterEach(() => {
  Date.now = realNow;
});

const code = (c: string) => (e: unknown) => e instanceof JoseError && e.code === c;

function hsToken(claims: Record<string, unknown>, opts: Record<string, unknown> = {}): string {
  return signJwt(claims, secret, { alg: 'HS256', issuedAt: false, ...opts });
}

function cachedVerifier(cache: unknown = true, extra: Record<string, unknown> = {}) {
  return createVerifier({ key: secret, algorithms: ['HS256'], cache: cache as true, ...extra });
}

describe('verified-token cache (H2, G2)', () => {
  test('H2: a hit returns the same deeply frozen result; nothing in it can be changed', () => {
    at(0);
    const verify = cachedVerifier();
    const token = hsToken({ sub: 'u1', exp: T0 + 60, roles: ['a'], ctx: { tenant: { id: 1 } } });
    const first = verify(token);
    const second = verify(token);
    assert.equal(second, first, 'the second call is a hit');
    assert.ok(Object.isFrozen(first));
    assert.ok(Object.isFrozen(first.payload));
    assert.ok(Object.isFrozen(first.payload['roles']));
    assert.ok(Object.isFrozen((first.payload['ctx'] as { tenant: object }).tenant));
    assert.ok(Object.isFrozen(first.protectedHeader));
    assert.throws(() => {
      (first.payload as Record<string, unknown>)['sub'] = 'admin';
    }, TypeError);
    assert.throws(() => {
      (first.payload['roles'] as string[]).push('admin');
    }, TypeError);
    assert.throws(() => {
      first.protectedHeader.alg = 'none';
    }, TypeError);
    assert.equal(verify(token).payload['sub'], 'u1');
  });

  test('H2: exp is enforced at every hit with the current clock, and the entry is dropped', () => {
    at(0);
    const verify = cachedVerifier();
    const token = hsToken({ sub: 'u1', exp: T0 + 60 });
    const first = verify(token);
    at(30);
    assert.equal(verify(token), first, 'still valid: a hit');
    at(60);
    assert.throws(() => verify(token), code('ERR_JWT_EXPIRED'));
    at(30);
    // The expired entry was removed: the same token is verified again (a new result object).
    const again = verify(token);
    assert.notEqual(again, first);
    assert.deepEqual(again.payload, first.payload);
  });

  test('H2: clockTolerance applies at a hit exactly as on a miss', () => {
    at(0);
    const verify = cachedVerifier(true, { clockTolerance: 10 });
    const token = hsToken({ exp: T0 + 60 });
    verify(token);
    at(65);
    assert.equal(verify(token).payload['exp'], T0 + 60, 'within tolerance');
    at(70);
    assert.throws(() => verify(token), code('ERR_JWT_EXPIRED'));
  });

  test('H2: nbf and iat are checked at every hit (a clock set back does not serve a cached result)', () => {
    at(20);
    const verify = cachedVerifier();
    const nbfToken = hsToken({ nbf: T0 + 10, exp: T0 + 600 });
    const iatToken = hsToken({ iat: T0 + 10, exp: T0 + 600 });
    verify(nbfToken);
    verify(iatToken);
    at(0);
    assert.throws(() => verify(nbfToken), code('ERR_JWT_NOT_YET_VALID'));
    assert.throws(() => verify(iatToken), code('ERR_JWT_NOT_YET_VALID'));
  });

  test('H2: maxTokenAge is checked at every hit', () => {
    at(0);
    const verify = cachedVerifier(true, { maxTokenAge: 60 });
    const token = hsToken({ iat: T0 });
    const first = verify(token);
    at(60);
    assert.equal(verify(token), first);
    at(61);
    assert.throws(
      () => verify(token),
      (e: unknown) => code('ERR_JWT_EXPIRED')(e) && (e as { claim: string }).claim === 'iat',
    );
  });

  test('H2: an entry lives at most the configured ttl, even for a token without exp', () => {
    at(0);
    const verify = cachedVerifier({ ttl: '10s' });
    const token = hsToken({ sub: 'no-exp' });
    const first = verify(token);
    at(9);
    assert.equal(verify(token), first);
    at(10);
    const second = verify(token);
    assert.notEqual(second, first, 'verified again after the ttl');
    assert.equal(verify(token), second);
  });

  test('H2: a change of the key set version flushes every entry (rotation, revocation)', () => {
    const a = generateKeyPair('EdDSA');
    const b = generateKeyPair('EdDSA');
    const jwksA = { keys: [{ ...exportJwk(a.publicKey), kid: 'a' }] };
    const jwksB = { keys: [{ ...exportJwk(b.publicKey), kid: 'b' }] };
    let current = createLocalKeySet(jwksA);
    let version = 1;
    const rotating: KeySet = {
      [Symbol.for('tessera.keySet')]: true,
      get version() {
        return version;
      },
      select: ((alg, kid, policy) => current.select(alg, kid, policy)) as KeySet['select'],
    } as unknown as KeySet;
    const verify = createVerifier({ key: rotating, algorithms: ['EdDSA'], cache: true });
    const token = signJwt({ sub: 'u1' }, a.privateKey, { alg: 'EdDSA', kid: 'a' });
    const first = verify(token);
    assert.equal(verify(token), first, 'a hit while the keys are unchanged');
    // Key "a" is revoked: the set now holds only "b", and its version moves on.
    current = createLocalKeySet(jwksB);
    version = 2;
    assert.throws(() => verify(token), code('ERR_KEY_NOT_FOUND'));
    // Back to a set with "a" (a new version again): verified afresh, not served from before.
    current = createLocalKeySet(jwksA);
    version = 3;
    assert.notEqual(verify(token), first);
  });

  test('G2: the cache is bounded; the least recently used entry is evicted first', () => {
    at(0);
    const verify = cachedVerifier({ max: 3 });
    const t = [1, 2, 3, 4].map((i) => hsToken({ sub: `u${i}`, exp: T0 + 600 }));
    const r1 = verify(t[0]!);
    const r2 = verify(t[1]!);
    const r3 = verify(t[2]!);
    assert.equal(verify(t[0]!), r1, 'touch t1: t2 is now the least recently used');
    verify(t[3]!); // evicts t2
    assert.equal(verify(t[0]!), r1);
    assert.equal(verify(t[2]!), r3);
    assert.notEqual(verify(t[1]!), r2, 't2 was evicted and is verified again');
  });

  test('G2: VerifiedTokenCache never holds more than max entries or maxBytes', () => {
    const cache = new VerifiedTokenCache<object>({ max: 50, maxBytes: 100_000 });
    for (let i = 0; i < 1000; i++) {
      cache.set(`token-${i}-${'x'.repeat(i % 300)}`, 0, {}, 0, undefined);
      assert.ok(cache.size <= 50);
    }
    const big = new VerifiedTokenCache<object>({ max: 1000, maxBytes: 10_000 });
    for (let i = 0; i < 100; i++) big.set(`${i}-${'y'.repeat(1000)}`, 0, {}, 0, undefined);
    assert.ok(big.size <= 3, `held ${big.size} entries of ~3 KB each under a 10 KB bound`);
    const tooBig = new VerifiedTokenCache<object>({ maxBytes: 1000 });
    tooBig.set('z'.repeat(1000), 0, {}, 0, undefined);
    assert.equal(tooBig.size, 0, 'an entry larger than the whole bound is not kept');
  });

  test('G2: a tampered token is a miss and fails; a failure is never cached', () => {
    at(0);
    const verify = cachedVerifier();
    const token = hsToken({ sub: 'u1', exp: T0 + 600 });
    const first = verify(token);
    const [h, p, s] = token.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin', exp: T0 + 600 })).toString(
      'base64url',
    );
    const forged = `${h}.${forgedPayload}.${s}`;
    for (let i = 0; i < 2; i++) assert.throws(() => verify(forged), code('ERR_SIGNATURE_INVALID'));
    const flipped = `${h}.${p}.${s.slice(0, -1)}${s.endsWith('A') ? 'Q' : 'A'}`;
    assert.throws(
      () => verify(flipped),
      (e: unknown) => e instanceof JoseError,
    );
    assert.throws(() => verify(`${token}.`), code('ERR_JWS_MALFORMED'));
    assert.equal(verify(token), first, 'the genuine token still hits');
    // A token that verifies but fails a claim check is not stored either.
    const strict = cachedVerifier(true, { audience: 'api' });
    const wrongAud = hsToken({ aud: 'other', exp: T0 + 600 });
    for (let i = 0; i < 2; i++)
      assert.throws(() => strict(wrongAud), code('ERR_JWT_CLAIM_INVALID'));
  });

  test('G1: an over-long token is refused before any cache lookup', () => {
    const verify = cachedVerifier(true, { maxTokenLength: 100 });
    assert.throws(() => verify('a'.repeat(101)), code('ERR_TOKEN_TOO_LARGE'));
    assert.throws(() => verify(42 as unknown as string), code('ERR_JWS_MALFORMED'));
  });

  test('options: cache needs a key or key set, and bounds are validated at configuration time', () => {
    assert.throws(
      () => createVerifier({ key: () => secret, algorithms: ['HS256'], cache: true }),
      code('ERR_OPTIONS_INVALID'),
    );
    for (const bad of [
      { max: 0 },
      { max: 1.5 },
      { maxBytes: -1 },
      { ttl: '1 month' },
      { ttl: -1 },
      'yes',
    ]) {
      assert.throws(() => cachedVerifier(bad), code('ERR_OPTIONS_INVALID'), JSON.stringify(bad));
    }
    // Off by default and with `false`: results are fresh objects the caller may change.
    for (const verify of [
      createVerifier({ key: secret, algorithms: ['HS256'] }),
      cachedVerifier(false),
    ]) {
      const token = hsToken({ sub: 'u1' });
      const r = verify(token);
      assert.notEqual(verify(token), r);
      r.payload['sub'] = 'changed';
      assert.equal(verify(token).payload['sub'], 'u1');
    }
  });

  test('deepFreeze freezes plain objects and arrays but leaves other objects alone', () => {
    const key = generateKeyPair('EdDSA').publicKey;
    const v = deepFreeze({ a: [{ b: 1 }], key });
    assert.ok(Object.isFrozen(v.a[0]));
    assert.equal(Object.isFrozen(key), false);
  });
});

describe('createVerifier fast path (remembered header segments)', () => {
  test('a remembered header never skips the signature check of a later token', () => {
    const verify = createVerifier({ key: secret, algorithms: ['HS256'] });
    const sign = createSigner({ key: secret, alg: 'HS256', kid: 'k1' });
    const token = sign({ sub: 'u1' });
    verify(token);
    const [h, , s] = token.split('.') as [string, string, string];
    const forged = `${h}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.${s}`;
    assert.throws(() => verify(forged), code('ERR_SIGNATURE_INVALID'));
    const otherKey = signJwt({ sub: 'u1' }, randomBytes(32), { alg: 'HS256', kid: 'k1' });
    assert.equal(otherKey.split('.')[0], h, 'same header segment');
    assert.throws(() => verify(otherKey), code('ERR_SIGNATURE_INVALID'));
  });

  test('each result gets its own protected header object', () => {
    const verify = createVerifier({ key: secret, algorithms: ['HS256'] });
    const token = signJwt({ sub: 'u1' }, secret, { alg: 'HS256', kid: 'k1' });
    const a = verify(token); // parsed: the header segment is remembered after this
    a.protectedHeader.kid = 'changed';
    const b = verify(token); // from the remembered segment
    assert.equal(b.protectedHeader.kid, 'k1');
    b.protectedHeader.kid = 'changed too';
    const c = verify(token);
    assert.equal(c.protectedHeader.kid, 'k1');
    assert.notEqual(c.protectedHeader, b.protectedHeader);
  });

  test('header rules still apply to a header segment seen for the first time', () => {
    const verify = createVerifier({ key: secret, algorithms: ['HS256'] });
    verify(signJwt({ sub: 'u1' }, secret, { alg: 'HS256' }));
    const nested = signJwt({ sub: 'u1' }, secret, { alg: 'HS256', header: { cty: 'JWT' } });
    assert.throws(() => verify(nested), code('ERR_JWT_NESTED'));
    const hs384 = signJwt({ sub: 'u1' }, randomBytes(48), { alg: 'HS384' });
    assert.throws(() => verify(hs384), code('ERR_ALG_NOT_ALLOWED'));
  });
});

test('H2: two tokens sharing their last characters (the map key) never answer for each other', () => {
  const cache = new VerifiedTokenCache<{ who: string }>({ max: 10 });
  const suffix = 'S'.repeat(32);
  const a = `${'a'.repeat(100)}.${suffix}`;
  const b = `${'b'.repeat(100)}.${suffix}`;
  cache.set(a, 1, { who: 'a' }, 0, undefined);
  assert.equal(cache.get(b, 1, 1), undefined, 'a different token with the same suffix is a miss');
  assert.equal(cache.get(a, 1, 1)?.who, 'a');
  cache.delete(b);
  assert.equal(cache.get(a, 1, 1)?.who, 'a', 'deleting another token with the same suffix keeps a');
  cache.set(b, 1, { who: 'b' }, 0, undefined);
  assert.equal(cache.get(a, 1, 1), undefined, 'the newer token replaced the older one');
  assert.equal(cache.get(b, 1, 1)?.who, 'b');
  assert.equal(cache.size, 1);
});
