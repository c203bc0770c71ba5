import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePasswordLogin } from './password-login.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from './stores/sqlite.js';
import {
  PG_SKIP,
  makeIssuer,
  openTestStore,
  type StoreKind,
  type TestIssuer,
  type TestStore,
} from './test-support/harness.js';

/**
 * The attack (#12 item 2): one wrong guess per second, all day, from rotating addresses, to keep
 * the owner locked out — the account back-off used to be keyed on the username alone, so the
 * owner got in once in 288 tries over a simulated day. Driven through the login layer
 * (`evaluatePasswordLogin`: the reservation in the real store, Argon2, the audit) with the
 * issuer's injected clock, so a day takes seconds; the HTTP wiring of the device cookie has its
 * own test (`login-device-cookie.test.ts`).
 */
interface DayResult {
  readonly attempts: number;
  /** Guesses whose password was checked (the rest were refused before Argon2). */
  readonly evaluated: number;
  readonly device: { ok: number; of: number };
  readonly fresh: { ok: number; of: number };
}

const HOME = '192.0.2.10';

/**
 * `seconds` of one attacker guess per second from `addresses(s)`; every `ownerEvery` seconds the
 * owner logs in with the right password from their own browser (home address, the device cookie
 * of their last login there) and from a fresh browser on a fresh address.
 */
async function simulate(
  t: TestIssuer,
  seconds: number,
  addresses: (s: number) => string,
  ownerEvery: number,
): Promise<DayResult> {
  const ctx = t.app.tessera;
  const login = (ip: string, password: string, deviceCookie?: string) =>
    evaluatePasswordLogin(ctx, {
      username: t.username,
      password,
      ip,
      clientId: t.clientId,
      deviceCookie,
    });
  // A fixed start on an hour boundary: the account ceiling's windows fall the same way every run.
  t.clock.ms = 1_800_000_000_000;
  const first = await login(HOME, t.password);
  assert.ok(first.ok, 'the owner logs in once from their browser before the attack');
  let cookie = first.deviceCookie;
  let evaluated = 0;
  const device = { ok: 0, of: 0 };
  const fresh = { ok: 0, of: 0 };
  const start = t.clock.ms;
  for (let s = 0; s < seconds; s++) {
    t.clock.ms = start + s * 1000;
    const guess = await login(addresses(s), `wrong-guess-${s}`);
    assert.equal(guess.ok, false);
    if (!guess.ok && guess.retryAfter === 0) evaluated++;
    if (s % ownerEvery === ownerEvery - 1) {
      device.of++;
      const d = await login(HOME, t.password, cookie);
      if (d.ok) {
        device.ok++;
        cookie = d.deviceCookie; // the browser keeps the newest cookie
      }
      fresh.of++;
      const n = fresh.of;
      if ((await login(`198.18.${(n >> 8) & 255}.${n & 255}`, t.password)).ok) fresh.ok++;
    }
  }
  return { attempts: seconds, evaluated, device, fresh };
}

const report = (label: string, r: DayResult) =>
  // Printed for the closing note of #12: the numbers the attack now gets.
  console.log(
    `# ${label}: attacker ${r.evaluated} of ${r.attempts} guesses evaluated; owner ${r.device.ok}/${r.device.of} from their device, ${r.fresh.ok}/${r.fresh.of} from a fresh browser`,
  );

/**
 * The store: PostgreSQL in its own schema; SQLite with `synchronous = NORMAL` (no fsync per
 * commit — a day is 86,400 guesses; durability is not what this test measures).
 */
async function dayStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'postgres') return openTestStore(kind);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-day-'));
  const store = await openSqliteStore(join(dir, 'day.db'), { synchronous: 'normal' });
  return {
    store,
    dispose: async () => {
      await store.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function dayIssuer(kind: StoreKind): Promise<TestIssuer & { dispose(): Promise<void> }> {
  const ts = await dayStore(kind);
  const t = await makeIssuer(kind, {}, ts);
  return { ...t, dispose: async () => (await t.close(), await ts.dispose()) };
}
const rotating = (pool: number) => (s: number) => `203.0.113.${s % pool}`;
const newAddressEachGuess = (s: number) => `10.${(s >> 16) & 255}.${(s >> 8) & 255}.${s & 255}`;

/** The day's claims: the device always gets in, 9 in 10 fresh logins do, the ceiling bounds the rest. */
function assertDay(r: DayResult, hours: number, accountThreshold: number): void {
  assert.equal(r.device.ok, r.device.of, 'the owner always gets in from their device');
  if (hours >= 24)
    assert.ok(r.fresh.ok * 10 >= r.fresh.of * 9, 'and at least 9 in 10 from a fresh browser');
  // The account-wide ceiling bounds any spread of addresses: 100 an hour, 2,400 a day.
  assert.ok(r.evaluated <= accountThreshold * hours, `${r.evaluated} guesses evaluated`);
}

async function run(
  kind: StoreKind,
  hours: number,
  addresses: (s: number) => string,
): Promise<{ r: DayResult; accountThreshold: number }> {
  const t = await dayIssuer(kind);
  try {
    const r = await simulate(t, hours * 3600, addresses, 300);
    return { r, accountThreshold: t.app.tessera.config.loginProtection.accountThreshold };
  } finally {
    await t.dispose();
  }
}

// A whole day: the first hour, while each address still has its free attempts, the attacker
// spends the account's ceiling and a fresh browser waits; the day as a whole is what counts.
test('sqlite: one wrong guess per second from 16 rotating addresses for 24 h cannot lock the owner out', async () => {
  const { r, accountThreshold } = await run('sqlite', 24, rotating(16));
  report('sqlite, 16 rotating addresses, 24 h', r);
  assertDay(r, 24, accountThreshold);
});

// Without per-address back-off to help, six hours show the ceiling as well as a day would.
test("sqlite: a fresh address for every guess for 6 h is held to the account-wide ceiling while the owner's device still gets in", async () => {
  const { r, accountThreshold } = await run('sqlite', 6, newAddressEachGuess);
  report('sqlite, a new address per guess, 6 h', r);
  assert.equal(r.device.ok, r.device.of, 'the owner always gets in from their device');
  // No more than the ceiling gets through, whatever the number of addresses.
  assert.ok(r.evaluated <= accountThreshold * 6, `${r.evaluated} guesses evaluated`);
});

/**
 * PostgreSQL pays a network round trip for each of the four or five statements of every guess: the
 * whole day took 34 minutes on a loaded two-core machine (and gave exactly the embedded store's
 * numbers). By default it runs the first hour of the same day and must count exactly as SQLite
 * does over it; `TESSERA_TEST_PG_DAY_HOURS=24` runs the whole day with the day's assertions.
 */
const PG_HOURS = Number(process.env['TESSERA_TEST_PG_DAY_HOURS'] ?? 1);

test(
  `postgres: the same attack for ${PG_HOURS} h counts exactly as the embedded store does, within the day's bounds`,
  { skip: PG_SKIP },
  async () => {
    const pg = await run('postgres', PG_HOURS, rotating(16));
    report(`postgres, 16 rotating addresses, ${PG_HOURS} h`, pg.r);
    assertDay(pg.r, PG_HOURS, pg.accountThreshold);
    const lite = await run('sqlite', PG_HOURS, rotating(16));
    assert.deepEqual(pg.r, lite.r, 'PostgreSQL and SQLite count the same guesses and logins');
  },
);
