import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DEVICE_COOKIE, sealDeviceCookie } from './device-cookie.js';
import { createKek } from './keys/kek.js';
import { loginKeys } from './login-protection.js';
import { createPasswordHasher } from './passwords.js';
import { codeClient, codeRequest, hiddenFields } from './test-support/code-flow.js';
import { TEST_ARGON2, makeIssuer } from './test-support/harness.js';
import { createUser } from './users.js';

/**
 * #12 item 2 over real HTTP (127.0.0.1, fetch): the device cookie a successful login on the hosted
 * form sets lets its owner past a spent account-wide ceiling, on the form and on the password
 * grant, while the same password without it is refused 429 with Retry-After — and a cookie of
 * another user, a tampered one, or one sealed by another issuer does not help. The day-long
 * simulation is `login-lockout.test.ts`.
 */
async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** `name=value` of each Set-Cookie of a response. */
const cookiesOf = (r: Response) =>
  new Map(
    r.headers.getSetCookie().map((c) => {
      const pair = c.split(';')[0]!;
      const i = pair.indexOf('=');
      return [pair.slice(0, i), { value: pair.slice(i + 1), attrs: c }] as const;
    }),
  );

test("the device cookie from a hosted-form login gets its owner past a spent account ceiling over HTTP; no cookie, another user's, a tampered or a foreign one gets 429", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const THRESHOLD = 3;
  const t = await makeIssuer('sqlite', {
    issuer: base,
    // Only the account-wide ceiling bites here: every request comes from 127.0.0.1.
    loginProtection: { accountThreshold: THRESHOLD, pairThreshold: 1000, ipThreshold: 1000 },
  });
  await t.app.listen({ port, host: '127.0.0.1' });
  try {
    await codeClient(t, { clientId: 'rp-web', firstParty: true });
    await createUser(
      { store: t.store, hasher: createPasswordHasher(TEST_ARGON2) },
      { username: 'mallory', password: 'mallory-own-password' },
    );

    /** The hosted login form in a browser holding `cookie` (plus the form's own CSRF cookie). */
    const formLogin = async (password: string, cookie?: string) => {
      const page = await fetch(
        `${base}/authorize?${new URLSearchParams(codeRequest('rp-web').params)}`,
        { redirect: 'manual', ...(cookie !== undefined ? { headers: { cookie } } : {}) },
      );
      assert.equal(page.status, 200);
      const jar = [...cookiesOf(page)].map(([k, v]) => `${k}=${v.value}`);
      if (cookie !== undefined) jar.push(cookie);
      return fetch(`${base}/authorize/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.join('; ') },
        body: new URLSearchParams({
          ...hiddenFields(await page.text()),
          username: t.username,
          password,
        }),
      });
    };
    const grant = (username: string, password: string, cookie?: string) =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: t.basic(),
          ...(cookie !== undefined ? { cookie } : {}),
        },
        body: new URLSearchParams({ grant_type: 'password', username, password }),
      });

    // The owner signs in once on the hosted form: a code comes back, and the device cookie.
    const first = await formLogin(t.password);
    assert.equal(first.status, 303);
    assert.ok(new URL(first.headers.get('location')!).searchParams.has('code'));
    const device = cookiesOf(first).get(DEVICE_COOKIE);
    assert.ok(device, 'the hosted form sets the device cookie');
    assert.match(device.attrs, /; HttpOnly; SameSite=Strict/);
    const owner = `${DEVICE_COOKIE}=${device.value}`;
    // Mallory, another user of this issuer, has a device cookie of her own.
    const m = await grant('mallory', 'mallory-own-password');
    assert.equal(m.status, 200);
    const malloryCookie = `${DEVICE_COOKIE}=${cookiesOf(m).get(DEVICE_COOKIE)!.value}`;

    // The attacker spends alice's account-wide ceiling.
    for (let i = 0; i < THRESHOLD; i++)
      assert.equal((await grant(t.username, `wrong-guess-${i}`)).status, 400);

    // Without the cookie even the right password is refused, on the grant and on the form.
    const blocked = await grant(t.username, t.password);
    assert.equal(blocked.status, 429);
    assert.equal(((await blocked.json()) as { error: string }).error, 'invalid_grant');
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1, 'Retry-After on the grant');
    const blockedForm = await formLogin(t.password);
    assert.equal(blockedForm.status, 429);
    assert.ok(Number(blockedForm.headers.get('retry-after')) >= 1, 'Retry-After on the form');
    assert.equal(blockedForm.headers.get('location'), null, 'no code');

    // Mallory's own (valid) cookie is bound to her account: no help for alice's.
    assert.equal((await grant(t.username, t.password, malloryCookie)).status, 429);
    // A tampered cookie does not open.
    const v = device.value;
    const flipped = `${v.slice(0, -2)}${v.at(-2) === 'A' ? 'B' : 'A'}${v.at(-1)}`;
    assert.equal((await grant(t.username, t.password, `${DEVICE_COOKIE}=${flipped}`)).status, 429);
    // A cookie sealed for alice by another issuer (another key-encryption key) does not open.
    const now = Math.floor(t.clock.ms / 1000);
    const lp = t.app.tessera.config.loginProtection;
    const foreign = sealDeviceCookie(
      createKek(randomBytes(32)).derive('device-cookie'),
      loginKeys(t.username, '127.0.0.1', now, lp).accountHash,
      now,
      3600,
    );
    assert.equal((await grant(t.username, t.password, `${DEVICE_COOKIE}=${foreign}`)).status, 429);
    // Oversized junk is not even parsed.
    assert.equal(
      (await grant(t.username, t.password, `${DEVICE_COOKIE}=${'x'.repeat(600)}`)).status,
      429,
    );

    // With the owner's cookie: in, on the grant and on the hosted form.
    assert.equal((await grant(t.username, t.password, owner)).status, 200);
    const again = await formLogin(t.password, owner);
    assert.equal(again.status, 303);
    assert.ok(new URL(again.headers.get('location')!).searchParams.has('code'));
  } finally {
    await t.close();
  }
});
