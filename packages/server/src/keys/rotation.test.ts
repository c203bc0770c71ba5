import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createLocalKeySet, decodeProtectedHeader, verifyJwt } from '@tessera/jose';
import { createAudit } from '../audit.js';
import { resolveConfig } from '../config.js';
import { openTestStore, PG_SKIP } from '../test-support/harness.js';
import { createKek } from './kek.js';
import { planRotation } from './lifecycle.js';
import { KeyManager } from './rotation.js';
import type { SigningKeyRow } from '../stores/store.js';

const DAY = 86400;
const timing = { keyRotationInterval: 30 * DAY, jwksMaxAge: 300, keyRetention: 960 };
const row = (
  kid: string,
  state: string,
  created: number,
  activated: number | null = null,
  retiring: number | null = null,
): SigningKeyRow => ({
  kid,
  alg: 'EdDSA',
  state,
  public_jwk: '{}',
  private_enc: 'x',
  created_at: created,
  activated_at: activated,
  retiring_at: retiring,
  retired_at: null,
  purpose: 'access',
});

test('planRotation: first boot creates a next key, then the active key', () => {
  // In this order a node loading keys between the inserts never sees an active key without
  // the next one (multi-node.test.ts: both nodes publish the same keys).
  assert.deepEqual(planRotation([], 0, timing), [
    { type: 'create', state: 'next' },
    { type: 'create', state: 'active' },
  ]);
});

test('planRotation: nothing to do while the active key is young and a next key is published', () => {
  assert.deepEqual(
    planRotation([row('a', 'active', 0, 0), row('n', 'next', 0)], 10 * DAY, timing),
    [],
  );
});

test('planRotation: a due key rotates only after the next key was published one JWKS cache period', () => {
  const due = 30 * DAY;
  // next created 100 s ago: not yet in every verifier's cache.
  assert.deepEqual(
    planRotation([row('a', 'active', 0, 0), row('n', 'next', due - 100)], due, timing),
    [],
  );
  assert.deepEqual(
    planRotation([row('a', 'active', 0, 0), row('n', 'next', due - 300)], due, timing),
    [
      { type: 'transition', kid: 'a', from: 'active', to: 'retiring' },
      { type: 'transition', kid: 'n', from: 'next', to: 'active' },
      { type: 'create', state: 'next' },
    ],
  );
});

test('planRotation: a retiring key is retired only after token lifetime + skew + cache period', () => {
  const rows = [row('a', 'active', 0, 0), row('n', 'next', 0), row('old', 'retiring', 0, 0, 1000)];
  assert.deepEqual(planRotation(rows, 1000 + 959, timing), []);
  assert.deepEqual(planRotation(rows, 1000 + 960, timing), [
    { type: 'transition', kid: 'old', from: 'retiring', to: 'retired' },
  ]);
});

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: keys rotate through next → active → retiring → retired; tokens of a retiring key still verify`, async (t) => {
    if (kind === 'postgres' && PG_SKIP !== false) return t.skip(PG_SKIP);
    const ts = await openTestStore(kind);
    try {
      const clock = { ms: Date.UTC(2026, 0, 1) };
      const config = resolveConfig({
        issuer: 'https://auth.example',
        now: () => clock.ms,
        keyRotationInterval: '1d',
        accessTokenTtl: 600,
      });
      const kek = createKek(randomBytes(32));
      const km = new KeyManager(
        ts.store,
        kek,
        config,
        createAudit(ts.store, undefined, config.now),
      );
      await km.tick();
      const first = km.current;
      assert.equal(first.jwks.keys.length, 2, 'active and next are published');
      const nextKid = first.jwks.keys.find((k) => k.kid !== first.activeKid)!.kid;
      const oldToken = first.signAccessToken({
        sub: 'u',
        exp: Math.floor(clock.ms / 1000) + 600,
        iat: Math.floor(clock.ms / 1000),
      });
      assert.equal(decodeProtectedHeader(oldToken).typ, 'at+jwt');
      assert.equal(decodeProtectedHeader(oldToken).kid, first.activeKid);

      clock.ms += DAY * 1000;
      await km.tick();
      const second = km.current;
      assert.equal(second.activeKid, nextKid, 'the pre-published key becomes active');
      assert.deepEqual(
        second.jwks.keys.map((k) => k.kid).includes(first.activeKid),
        true,
        'the old key stays published while retiring',
      );
      assert.equal(second.jwks.keys.length, 3);
      assert.notEqual(second.etag, first.etag);
      const verified = verifyJwt(oldToken, createLocalKeySet(second.jwks as never), {
        algorithms: ['EdDSA'],
        issuer: 'https://auth.example',
        currentDate: new Date(Date.UTC(2026, 0, 1) + 100_000),
        typ: 'at+jwt',
      });
      assert.equal(verified.payload.sub, 'u');

      clock.ms += (config.keyRetention + 1) * 1000;
      await km.tick();
      const third = km.current;
      assert.equal(
        third.jwks.keys.some((k) => k.kid === first.activeKid),
        false,
        'retired keys are unpublished',
      );
      const rows = await ts.store.listSigningKeys();
      const retired = rows.find((r) => r.kid === first.activeKid)!;
      assert.equal(retired.state, 'retired');
      assert.equal(retired.private_enc, '', 'the private half is erased');
      const types = (await ts.store.listAuditEvents(50)).map((e) => e.type);
      for (const ty of ['key.created', 'key.activated', 'key.retiring', 'key.retired'])
        assert.ok(types.includes(ty), ty);
      for (const r of rows)
        assert.ok(!r.public_jwk.includes('"d"'), 'no private member in a published JWK');
    } finally {
      await ts.dispose();
    }
  });

  test(`${kind}: two nodes starting at once end with exactly one active key (lease)`, async (t) => {
    if (kind === 'postgres' && PG_SKIP !== false) return t.skip(PG_SKIP);
    const ts = await openTestStore(kind);
    try {
      const config = resolveConfig({ issuer: 'https://auth.example' });
      const kek = createKek(randomBytes(32));
      const audit = createAudit(ts.store, undefined, Date.now);
      const nodes = [
        new KeyManager(ts.store, kek, config, audit),
        new KeyManager(ts.store, kek, config, audit),
        new KeyManager(ts.store, kek, config, audit),
      ];
      await Promise.all(nodes.map((n) => n.start(60_000)));
      for (const n of nodes) n.stop();
      const rows = await ts.store.listSigningKeys();
      assert.equal(rows.filter((r) => r.state === 'active').length, 1);
      assert.equal(rows.filter((r) => r.state === 'next').length, 1);
      assert.equal(new Set(nodes.map((n) => n.current.activeKid)).size, 1);
    } finally {
      await ts.dispose();
    }
  });
}

test('a wrong KEK cannot load the stored keys', async () => {
  const ts = await openTestStore('sqlite');
  try {
    const config = resolveConfig({ issuer: 'https://auth.example' });
    const audit = createAudit(ts.store, undefined, Date.now);
    await new KeyManager(ts.store, createKek(randomBytes(32)), config, audit).tick();
    await assert.rejects(
      new KeyManager(ts.store, createKek(randomBytes(32)), config, audit).tick(),
      /key-encryption key/,
    );
  } finally {
    await ts.dispose();
  }
});

for (const alg of ['ES256', 'RS256'] as const) {
  test(`${alg} keys can be selected`, async () => {
    const ts = await openTestStore('sqlite');
    try {
      const config = resolveConfig({ issuer: 'https://auth.example', alg });
      const km = new KeyManager(
        ts.store,
        createKek(randomBytes(32)),
        config,
        createAudit(ts.store, undefined, Date.now),
      );
      await km.tick();
      const tok = km.current.signAccessToken({ sub: 'x' });
      assert.equal(decodeProtectedHeader(tok).alg, alg);
      assert.equal(
        verifyJwt(tok, createLocalKeySet(km.current.jwks as never), { algorithms: [alg] }).payload
          .sub,
        'x',
      );
    } finally {
      await ts.dispose();
    }
  });
}

test('planRotation: changing the algorithm replaces the next key at once and rotates once it is published', () => {
  const t = { ...timing, alg: 'ES256' };
  const rows = [row('a', 'active', 0, 0), row('n', 'next', 0)]; // both EdDSA
  assert.deepEqual(planRotation(rows, 1000, t), [
    { type: 'transition', kid: 'n', from: 'next', to: 'retired' },
    { type: 'create', state: 'next' },
  ]);
  const es = { ...row('e', 'next', 1000), alg: 'ES256' };
  assert.deepEqual(
    planRotation([row('a', 'active', 0, 0), es], 1100, t),
    [],
    'not yet in every cache',
  );
  assert.deepEqual(planRotation([row('a', 'active', 0, 0), es], 1300, t), [
    { type: 'transition', kid: 'a', from: 'active', to: 'retiring' },
    { type: 'transition', kid: 'e', from: 'next', to: 'active' },
    { type: 'create', state: 'next' },
  ]);
});
