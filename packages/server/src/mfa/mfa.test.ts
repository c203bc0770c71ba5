import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createAudit } from '../audit.js';
import { createKek } from '../keys/kek.js';
import { SECOND_FACTOR_BACKOFF } from '../login-protection.js';
import { createPasswordHasher } from '../passwords.js';
import type { KyselyStore } from '../stores/kysely-store.js';
import type { Store } from '../stores/store.js';
import { PG_SKIP, TEST_ARGON2 } from '../test-support/harness.js';
import { openTwoNodeStores } from '../test-support/two-nodes.js';
import { referenceTotp, stepOf } from '../test-support/totp-codes.js';
import { createUser } from '../users.js';
import { confirmTotp, enrolTotp, listMfa, MfaError, resetMfa, type MfaDeps } from './mfa-admin.js';
import { checkSecondFactor } from './second-factor.js';
import { confirmedTotp, totpSecretsKek } from './totp.js';

/** Two stores over one database: two issuer nodes. */
async function twoNodes(t: TestContext, kind: 'sqlite' | 'postgres'): Promise<[Store, Store]> {
  const nodes = await openTwoNodeStores(kind);
  t.after(() => nodes.dispose());
  return [nodes.a.store, nodes.b];
}

// A fixed instant in the middle of a 30-second step, so ±1 step is unambiguous.
const T0 = (stepOf(Date.now()) * 30 + 15) * 1000;

async function enrolled(t: TestContext, kind: 'sqlite' | 'postgres') {
  const [store, other] = await twoNodes(t, kind);
  const clock = { ms: T0 };
  const kek = createKek(randomBytes(32));
  const audit = createAudit(store, undefined, () => clock.ms);
  const d: MfaDeps = { store, kek, audit, now: () => clock.ms };
  const user = await createUser(
    { store, hasher: createPasswordHasher(TEST_ARGON2) },
    { username: 'alice', password: 'correct horse battery staple' },
  );
  const { secret, uri } = await enrolTotp(d, 'alice', { issuer: 'Example' });
  return { store, other, clock, kek, audit, d, user, secret, uri };
}

/** A 6-digit code that is none of the valid ones around `ms` (±2 steps). */
function wrongCode(secret: string, ms: number): string {
  const near = new Set([-2, -1, 0, 1, 2].map((k) => referenceTotp(secret, stepOf(ms) + k)));
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!near.has(c)) return c;
  }
}

test('the reference TOTP of the test matches RFC 6238 Appendix B (SHA-1, T = 59 s)', () => {
  // Secret "12345678901234567890" (ASCII) in base32; 8-digit value 94287082.
  assert.equal(referenceTotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1, 8), '94287082');
});

for (const kind of ['sqlite', 'postgres'] as const) {
  const skip = kind === 'postgres' ? PG_SKIP : false;

  test(
    `${kind}: enrolment gives a 160-bit secret and an otpauth URI (SHA1, 6 digits, 30 s); the secret is sealed at rest`,
    { skip },
    async (t) => {
      const { store, user, secret, uri, d } = await enrolled(t, kind);
      assert.match(secret, /^[A-Z2-7]{32}$/, '20 bytes in base32');
      const u = new URL(uri);
      assert.equal(u.protocol, 'otpauth:');
      assert.equal(u.host, 'totp');
      assert.equal(u.searchParams.get('secret'), secret);
      assert.equal(u.searchParams.get('algorithm'), 'SHA1');
      assert.equal(u.searchParams.get('digits'), '6');
      assert.equal(u.searchParams.get('period'), '30');
      assert.equal(u.searchParams.get('issuer'), 'Example');
      const [row] = await store.listMfaFactors(user.id);
      assert.ok(row !== undefined);
      assert.equal(row.confirmed_at, null, 'not asked for before confirmation');
      assert.equal(await confirmedTotp(store, user.id), undefined);
      assert.ok(!row.secret_sealed.includes(secret), 'no base32 secret in the row');
      const raw = Buffer.from(secret.replace(/=/g, ''), 'ascii');
      assert.ok(!row.secret_sealed.includes(raw.toString('base64url')));
      assert.match(row.secret_sealed, /^v1\./, 'AES-256-GCM sealed with the KEK subkey');
      // Another KEK cannot open it.
      assert.throws(() =>
        totpSecretsKek(createKek(randomBytes(32))).open(row.secret_sealed, `totp-secret:${row.id}`),
      );
      assert.deepEqual(await listMfa(d, 'alice'), {
        totp: 'pending',
        enrolledAt: Math.floor(T0 / 1000),
        recoveryCodesLeft: 0,
        passkeys: [],
      });
    },
  );

  test(
    `${kind}: confirmation needs a first valid code; it returns 10 recovery codes stored as hashes`,
    { skip },
    async (t) => {
      const { store, user, secret, d, clock } = await enrolled(t, kind);
      await assert.rejects(
        confirmTotp(d, 'alice', wrongCode(secret, clock.ms)),
        (e: unknown) => e instanceof MfaError && e.code === 'wrong_code',
      );
      assert.equal((await listMfa(d, 'alice')).totp, 'pending');
      const { recoveryCodes } = await confirmTotp(
        d,
        'alice',
        referenceTotp(secret, stepOf(clock.ms)),
      );
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10);
      for (const c of recoveryCodes)
        assert.match(c, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      assert.equal((await listMfa(d, 'alice')).totp, 'confirmed');
      assert.equal((await listMfa(d, 'alice')).recoveryCodesLeft, 10);
      assert.ok(await confirmedTotp(store, user.id));
      await assert.rejects(
        enrolTotp(d, 'alice'),
        (e: unknown) => e instanceof MfaError && e.code === 'already_enrolled',
        'a confirmed factor is not replaced by a new enrolment',
      );
      await assert.rejects(
        confirmTotp(d, 'alice', referenceTotp(secret, stepOf(clock.ms) + 1)),
        (e: unknown) => e instanceof MfaError && e.code === 'not_enrolled',
      );
    },
  );

  test(`${kind}: the current step and ±1 are accepted, ±2 refused`, { skip }, async (t) => {
    const { store, user, secret, kek, clock } = await enrolled(t, kind);
    const d0 = { store, kek, now: () => clock.ms };
    await confirmTotp(d0, 'alice', referenceTotp(secret, stepOf(T0) - 1));
    const factor = (await confirmedTotp(store, user.id))!;
    const deps = { store, secrets: totpSecretsKek(kek), nowMs: () => clock.ms };
    const at = (k: number) =>
      checkSecondFactor(deps, factor, {
        kind: 'totp',
        code: referenceTotp(secret, stepOf(T0) + k),
      });
    assert.deepEqual(await at(-2), { ok: false, why: 'wrong' }, '-2 steps (60 s old)');
    assert.deepEqual(await at(2), { ok: false, why: 'wrong' }, '+2 steps (60 s ahead)');
    assert.deepEqual(await at(0), { ok: true, method: 'totp' }, 'current step');
    assert.deepEqual(await at(1), { ok: true, method: 'totp' }, '+1 step');
    // -1 was spent by the confirmation: a replay.
    assert.deepEqual(
      await at(-1),
      { ok: false, why: 'wrong' },
      '-1 step, already used at confirmation',
    );
    clock.ms += 30_000; // next step: now -1 is the old "current", already spent; +1 is new
    assert.deepEqual(
      await checkSecondFactor(deps, factor, {
        kind: 'totp',
        code: referenceTotp(secret, stepOf(T0) + 2),
      }),
      { ok: true, method: 'totp' },
      'the +1 of the next step',
    );
  });

  test(
    `${kind}: a code is accepted once per user — replay refused on a second node over the same store`,
    { skip },
    async (t) => {
      const { store, other, user, secret, kek, clock, audit } = await enrolled(t, kind);
      await confirmTotp(
        { store, kek, now: () => clock.ms },
        'alice',
        referenceTotp(secret, stepOf(T0) - 1),
      );
      const factor = (await confirmedTotp(store, user.id))!;
      const code = referenceTotp(secret, stepOf(T0));
      const nodeA = { store, secrets: totpSecretsKek(kek), audit, nowMs: () => clock.ms };
      const nodeB = { store: other, secrets: totpSecretsKek(kek), nowMs: () => clock.ms };
      // Both nodes at once: exactly one wins.
      const results = await Promise.all([
        checkSecondFactor(nodeA, factor, { kind: 'totp', code }),
        checkSecondFactor(nodeB, factor, { kind: 'totp', code }),
      ]);
      assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
      // And later, on either node.
      clock.ms += 5_000;
      assert.deepEqual(await checkSecondFactor(nodeB, factor, { kind: 'totp', code }), {
        ok: false,
        why: 'wrong',
      });
      assert.deepEqual(await checkSecondFactor(nodeA, factor, { kind: 'totp', code }), {
        ok: false,
        why: 'wrong',
      });
      const failed = await store.listAuditEvents(10, 'mfa.failed');
      assert.ok(
        failed.some((e) => JSON.parse(e.detail ?? '{}').replayed === true),
        'the replay is audited',
      );
      assert.ok(!JSON.stringify(failed).includes(code), 'no code in the audit');
    },
  );

  test(
    `${kind}: brute force is throttled per user across nodes — measured guesses per 90-second code window`,
    { skip },
    async (t) => {
      const { store, other, user, secret, kek, clock } = await enrolled(t, kind);
      await confirmTotp(
        { store, kek, now: () => clock.ms },
        'alice',
        referenceTotp(secret, stepOf(T0) - 1),
      );
      const factor = (await confirmedTotp(store, user.id))!;
      const nodes = [store, other].map((s) => ({
        store: s,
        secrets: totpSecretsKek(kek),
        audit: createAudit(s, undefined, () => clock.ms),
        nowMs: () => clock.ms,
      }));
      // A burst of 40 concurrent guesses over both nodes: only the free ones are checked.
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          checkSecondFactor(nodes[i % 2]!, factor, {
            kind: 'totp',
            code: wrongCode(secret, clock.ms),
          }),
        ),
      );
      const checked = burst.filter((r) => !r.ok && r.why === 'wrong').length;
      assert.equal(
        checked,
        SECOND_FACTOR_BACKOFF.threshold,
        'the burst got exactly the free guesses',
      );
      assert.ok(burst.every((r) => r.ok || r.why === 'wrong' || r.why === 'blocked'));
      // Then one guess a second for 90 s (a code's whole validity window with ±1 step).
      let inWindow = checked;
      for (let s = 0; s < 90; s++) {
        clock.ms += 1000;
        const r = await checkSecondFactor(nodes[s % 2]!, factor, {
          kind: 'totp',
          code: wrongCode(secret, clock.ms),
        });
        if (!r.ok && r.why === 'wrong') inWindow++;
      }
      t.diagnostic(`${kind}: at most ${inWindow} guesses evaluated per 90-second code window`);
      assert.equal(inWindow, 6, 'five free, one after the first minute of back-off');
      // Each refused guess is audited, but repeats share a row per minute (audit-bounds).
      const blockedRows = await store.listAuditEvents(500, 'mfa.blocked');
      assert.ok(blockedRows.length > 0 && blockedRows.length <= 3, `${blockedRows.length} rows`);
      assert.ok(blockedRows.reduce((n, r) => n + Number(r.count), 0) >= 100);
      // Even the right code waits while blocked: the block does not tell right from wrong.
      const blocked = await checkSecondFactor(nodes[0]!, factor, {
        kind: 'totp',
        code: referenceTotp(secret, stepOf(clock.ms)),
      });
      assert.equal(blocked.ok, false);
      assert.equal(!blocked.ok && blocked.why, 'blocked');
    },
  );

  test(
    `${kind}: codes with spaces, letters, too long or too short are refused as malformed; nothing is stored or counted`,
    { skip },
    async (t) => {
      const { store, user, secret, kek, clock } = await enrolled(t, kind);
      await confirmTotp(
        { store, kek, now: () => clock.ms },
        'alice',
        referenceTotp(secret, stepOf(T0) - 1),
      );
      const factor = (await confirmedTotp(store, user.id))!;
      const good = referenceTotp(secret, stepOf(T0));
      const deps = { store, secrets: totpSecretsKek(kek), nowMs: () => clock.ms };
      const before = await store.getLoginFailure('x');
      for (const code of [
        `${good.slice(0, 3)} ${good.slice(3)}`,
        ` ${good}`,
        `${good}\n`,
        `12345a`,
        `${good}0`,
        good.slice(0, 5),
        '',
        '１２３４５６', // full-width digits
        `${good}`.repeat(100),
      ]) {
        assert.deepEqual(
          await checkSecondFactor(deps, factor, { kind: 'totp', code }),
          { ok: false, why: 'malformed' },
          JSON.stringify(code),
        );
      }
      for (const code of [
        'ABCD-EFGH-JKMN-PQR',
        'ABCD EFGH JKMN PQRS',
        'ILOU-ILOU-ILOU-ILOU',
        'x'.repeat(5000),
      ])
        assert.deepEqual(
          await checkSecondFactor(deps, factor, { kind: 'recovery_code', code }),
          { ok: false, why: 'malformed' },
          code,
        );
      assert.equal(before, undefined);
      const counted = await store.getLoginFailure(
        `mfa:${createHash('sha256').update(user.id).digest('base64url')}`,
      );
      assert.equal(counted?.failures ?? 0, 0, 'no guess counted');
      assert.deepEqual(
        await checkSecondFactor(deps, factor, { kind: 'totp', code: good }),
        { ok: true, method: 'totp' },
        'the code was not spent by the refused inputs',
      );
      await assert.rejects(
        confirmTotp({ store, kek, now: () => clock.ms }, 'alice', '12 345'),
        (e: unknown) =>
          e instanceof MfaError && (e.code === 'not_enrolled' || e.code === 'malformed_code'),
      );
    },
  );

  test(
    `${kind}: recovery codes each work once, case-insensitive and with or without hyphens; using one is audited with the count left`,
    { skip },
    async (t) => {
      const { store, user, secret, kek, clock, audit } = await enrolled(t, kind);
      const { recoveryCodes } = await confirmTotp(
        { store, kek, now: () => clock.ms },
        'alice',
        referenceTotp(secret, stepOf(T0)),
      );
      const factor = (await confirmedTotp(store, user.id))!;
      const deps = { store, secrets: totpSecretsKek(kek), audit, nowMs: () => clock.ms };
      const stored = await (store as KyselyStore).db
        .selectFrom('recovery_codes')
        .selectAll()
        .execute();
      assert.equal(stored.length, 10);
      const rows = JSON.stringify(stored);
      for (const c of recoveryCodes)
        assert.ok(!rows.includes(c) && !rows.includes(c.replace(/-/g, '')), 'stored as hashes');
      for (const [i, code] of recoveryCodes.entries()) {
        clock.ms += (SECOND_FACTOR_BACKOFF.windowSeconds + 1) * 1000; // each pair on a quiet counter
        const typed = i % 2 === 0 ? code.toLowerCase() : code.replace(/-/g, '');
        assert.deepEqual(
          await checkSecondFactor(deps, factor, { kind: 'recovery_code', code: typed }),
          { ok: true, method: 'recovery_code', remaining: 9 - i },
        );
        assert.deepEqual(
          await checkSecondFactor(deps, factor, { kind: 'recovery_code', code }),
          { ok: false, why: 'wrong' },
          'a second use',
        );
      }
      const used = await store.listAuditEvents(20, 'mfa.recovery_code_used');
      assert.equal(used.length, 10);
      assert.equal(JSON.parse(used[0]!.detail!).remaining, 0);
      assert.ok(!JSON.stringify(used).includes(recoveryCodes[0]!));
      // Another user's code is not this user's.
      assert.equal((await listMfa({ store }, 'alice')).recoveryCodesLeft, 0);
    },
  );

  test(
    `${kind}: reset removes the factor and recovery codes, is audited and ends the user's sessions (ids on the revocation feed)`,
    { skip },
    async (t) => {
      const { store, user, secret, d, clock } = await enrolled(t, kind);
      await confirmTotp(d, 'alice', referenceTotp(secret, stepOf(T0)));
      const now = Math.floor(clock.ms / 1000);
      await store.createBrowserSession({
        id: 'bs-1',
        token_hash: 'h',
        user_id: user.id,
        auth_time: now,
        amr: '["pwd","otp","mfa"]',
        acr: 'x',
        last_seen_at: now,
        expires_at: now + 3600,
        ended_at: null,
      });
      const r = await resetMfa(d, 'alice');
      assert.equal(r.factors, 1);
      assert.deepEqual(await listMfa(d, 'alice'), {
        totp: 'none',
        recoveryCodesLeft: 0,
        passkeys: [],
      });
      assert.equal((await store.findBrowserSessionById('bs-1'))?.ended_at, now);
      assert.ok(await store.isRevoked('sid', 'bs-1', now));
      assert.equal((await store.listAuditEvents(5, 'mfa.reset')).length, 1);
      // A new enrolment is possible again.
      await enrolTotp(d, 'alice');
      await assert.rejects(resetMfa(d, 'nobody'), /no such user/);
    },
  );
}
