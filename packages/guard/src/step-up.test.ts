import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { GuardError, guardErrorResponse } from './bearer.js';
import { createGuard } from './guard.js';
import { AUDIENCE, startIssuer, type TestIssuer } from './test-support/issuer.js';

/**
 * RFC 9470 step-up: a route that needs a stronger or more recent login answers 401
 * `insufficient_user_authentication` with the `acr_values` / `max_age` to ask for next.
 */
const MFA = 'urn:tessera:acr:mfa';
const PWD = 'urn:tessera:acr:pwd';
let issuer: TestIssuer;
let guard: ReturnType<typeof createGuard>;
after(async () => {
  guard?.close();
  await issuer?.close();
});

async function ready() {
  if (guard !== undefined) return;
  issuer = await startIssuer();
  guard = createGuard({ issuer: issuer.url, audience: AUDIENCE, allowHttpLoopback: true });
}
const now = () => Math.floor(Date.now() / 1000);
const bearer = (claims: Record<string, unknown>) => ({
  authorization: `Bearer ${issuer.mint(claims)}`,
});
const stepUp = (reason: string) => (e: unknown) =>
  e instanceof GuardError &&
  e.status === 401 &&
  e.error === 'insufficient_user_authentication' &&
  e.reason === reason;

test('requiredAcr: a password-only token is refused with the RFC 9470 challenge naming acr_values; an mfa token passes', async () => {
  await ready();
  const route = { requiredAcr: [MFA] };
  let refusal: unknown;
  await assert.rejects(
    guard.authenticate(bearer({ acr: PWD, auth_time: now() }), route),
    (e: unknown) => {
      refusal = e;
      return stepUp('acr')(e);
    },
  );
  const r = guardErrorResponse(refusal as GuardError);
  assert.equal(r.status, 401);
  assert.equal(
    r.headers['www-authenticate'],
    `Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="${MFA}"`,
  );
  assert.deepEqual(JSON.parse(r.body), {
    error: 'insufficient_user_authentication',
    error_description: 'A different authentication level is required',
  });
  const ok = await guard.authenticate(bearer({ acr: MFA, auth_time: now() }), route);
  assert.equal(ok.claims['acr'], MFA);
});

test('refusal: a token without acr, or with an acr of another type, on a route that requires one', async () => {
  await ready();
  for (const acr of [undefined, ['urn:tessera:acr:mfa'], 2])
    await assert.rejects(
      guard.authenticate(bearer({ acr, auth_time: now() }), { requiredAcr: [MFA] }),
      stepUp('acr'),
    );
});

test('maxAge: an old or missing auth_time is refused with max_age in the challenge; a recent one passes', async () => {
  await ready();
  const route = { maxAge: 300 };
  assert.ok(await guard.authenticate(bearer({ auth_time: now() - 10 }), route));
  // 300 s plus the default 5 s clockTolerance.
  for (const authTime of [now() - 310, undefined, String(now()), now() + 60]) {
    let refusal: unknown;
    await assert.rejects(
      guard.authenticate(bearer({ auth_time: authTime }), route),
      (e: unknown) => {
        refusal = e;
        return stepUp('max_age')(e);
      },
    );
    assert.equal(
      guardErrorResponse(refusal as GuardError).headers['www-authenticate'],
      'Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age="300"',
    );
  }
  // Both at once: the challenge names both.
  await assert.rejects(
    guard.authenticate(bearer({ acr: PWD, auth_time: now() - 1000 }), {
      requiredAcr: [MFA],
      maxAge: 60,
    }),
    (e: unknown) =>
      stepUp('acr')(e) &&
      /acr_values="urn:tessera:acr:mfa", max_age="60"$/.test(
        guardErrorResponse(e as GuardError).headers['www-authenticate']!,
      ),
  );
});

test('refusal: a maxAge that is not a whole number of seconds is a configuration error (ERR_GUARD_OPTIONS_INVALID)', async () => {
  await ready();
  for (const maxAge of [-1, 1.5, Number.NaN])
    await assert.rejects(
      guard.authenticate(bearer({ auth_time: now() }), { maxAge }),
      (e: unknown) =>
        e instanceof GuardError && e.status === 500 && e.reason === 'ERR_GUARD_OPTIONS_INVALID',
    );
});

test('scope is checked before step-up: a token without the scope gets 403, not a step-up it cannot fix', async () => {
  await ready();
  await assert.rejects(
    guard.authenticate(bearer({ acr: PWD, scope: 'a' }), { scopes: ['b'], requiredAcr: [MFA] }),
    (e: unknown) => e instanceof GuardError && e.status === 403 && e.error === 'insufficient_scope',
  );
});

test("maxAge allows the guard's clockTolerance either way, and no more", async () => {
  await ready();
  const strict = createGuard({
    issuer: issuer.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    clockTolerance: '30s',
  });
  try {
    const route = { maxAge: 60 };
    // Margins of a few seconds either side keep the test off the second boundary.
    assert.ok(await strict.authenticate(bearer({ auth_time: now() - 85 }), route));
    assert.ok(await strict.authenticate(bearer({ auth_time: now() + 25 }), route));
    await assert.rejects(
      strict.authenticate(bearer({ auth_time: now() - 95 }), route),
      stepUp('max_age'),
    );
    await assert.rejects(
      strict.authenticate(bearer({ auth_time: now() + 35 }), route),
      stepUp('max_age'),
    );
    // check() on a context of its own goes through the same rule.
    const ctx = await strict.authenticate(bearer({ auth_time: now() - 95 }));
    assert.throws(() => strict.check(ctx, route), stepUp('max_age'));
  } finally {
    strict.close();
  }
});

test('maxAge is measured on the clock exp is checked against (currentDate), not the system clock', async () => {
  await ready();
  const at = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));
  const t = Math.floor(at.getTime() / 1000);
  const timed = createGuard({
    issuer: issuer.url,
    audience: AUDIENCE,
    allowHttpLoopback: true,
    clockTolerance: 0,
    currentDate: at,
  });
  try {
    const token = (authTime: number) => ({
      authorization: `Bearer ${issuer.mint({ iat: t - 10, exp: t + 600, auth_time: authTime })}`,
    });
    // The token lives at the injected time (2030): its auth_time is judged there too.
    assert.ok(await timed.authenticate(token(t - 60), { maxAge: 60 }));
    await assert.rejects(timed.authenticate(token(t - 61), { maxAge: 60 }), stepUp('max_age'));
    // And exp is checked on the same clock: a token that expired before the injected time fails.
    await assert.rejects(
      timed.authenticate({
        authorization: `Bearer ${issuer.mint({ iat: t - 700, exp: t - 1, auth_time: t - 700 })}`,
      }),
      (e: unknown) => e instanceof GuardError && e.reason === 'ERR_JWT_EXPIRED',
    );
  } finally {
    timed.close();
  }
});
