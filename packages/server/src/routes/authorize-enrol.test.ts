import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { setClientMfa } from '../clients.js';
import { ConfigError, resolveConfig } from '../config.js';
import { confirmTotp, enrolTotp, listMfa, MfaError } from '../mfa/mfa-admin.js';
import type { MfaPolicy } from '../mfa/policy.js';
import { createClient } from '../clients.js';
import { InputError } from '../users.js';
import {
  authorize,
  codeClient,
  codeRequest,
  hiddenFields,
  Jar,
  REDIRECT,
  submit,
  type InjectResult,
} from '../test-support/code-flow.js';
import { ISSUER, makeIssuer, post, type TestIssuer } from '../test-support/harness.js';
import { referenceTotp, stepOf } from '../test-support/totp-codes.js';

/**
 * Issue 16, the policy `mfa: off | optional | required` (issuer-wide and per client) and TOTP
 * enrolment on the hosted pages after the password.
 */
async function issuer(t: TestContext, mfa?: MfaPolicy, clientMfa?: MfaPolicy) {
  const x = await makeIssuer('sqlite', mfa !== undefined ? { mfa } : {});
  t.after(() => x.close());
  // Mid-step, so "the current step" is unambiguous.
  x.clock.ms = (stepOf(x.clock.ms) * 30 + 5) * 1000;
  const secret = (
    await codeClient(x, {
      clientId: 'rp',
      firstParty: true,
      ...(clientMfa !== undefined ? { mfa: clientMfa } : {}),
    })
  ).clientSecret!;
  return { x, secret };
}

async function passwordStep(x: TestIssuer, jar = new Jar(), extra: Record<string, string> = {}) {
  const { params, verifier } = codeRequest('rp', extra);
  const page = await authorize(x.app, jar, params);
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, /action="\/authorize\/login"/, 'the login page');
  const next = await submit(x.app, jar, '/authorize/login', {
    ...hiddenFields(page.body),
    username: 'alice',
    password: x.password,
  });
  return { jar, verifier, next };
}

async function exchange(x: TestIssuer, secret: string, to: InjectResult, verifier: string) {
  assert.equal(to.status, 303, to.body);
  assert.equal(to.location?.origin + to.location!.pathname, REDIRECT);
  const r = await post(
    x.app,
    '/token',
    {
      grant_type: 'authorization_code',
      code: to.location!.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    },
    { authorization: `Basic ${Buffer.from(`rp:${secret}`).toString('base64')}` },
  );
  assert.equal(r.status, 200, r.body);
  return decodeJwt(String(r.json['access_token']));
}

/** The secret as the page shows it for manual entry (groups of four), without the spaces. */
function secretOnPage(html: string): string {
  const m = /<code class="secret" id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(html);
  assert.ok(m, 'the secret is on the page');
  assert.match(m[1]!, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'grouped by four');
  return m[1]!.replace(/ /g, '');
}

const isEnrolPage = (r: InjectResult) => {
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /<h1>Set up your authenticator app<\/h1>/);
};

test('required (per client): after the password, the enrolment page — QR code as inline SVG, the key in groups, same CSP, no script — and no session or code until the first code', async (t) => {
  const { x, secret } = await issuer(t, undefined, 'required');
  const { jar, verifier, next } = await passwordStep(x);
  isEnrolPage(next);
  assert.equal(jar.get('tessera_session'), undefined, 'no browser session yet');
  assert.match(next.body, /requires a second step at sign-in/);
  assert.match(
    next.body,
    /<svg role="img" aria-label="QR code to scan with your authenticator app"/,
  );
  assert.doesNotMatch(next.body, /<script|<img[^>]+otpauth|style=/, 'no script, no inline style');
  const csp = String(next.headers['content-security-policy']);
  assert.match(csp, /script-src 'none'/);
  assert.match(csp, /default-src 'none'/);
  assert.equal(next.headers['cache-control'], 'no-store');
  const key = secretOnPage(next.body);
  assert.match(key, /^[A-Z2-7]{32}$/, '160 bits in base32');
  assert.equal((await listMfa(x, 'alice')).totp, 'pending');
  assert.doesNotMatch(next.body, /value="skip"/, 'required: no way around it');
  const skip = await submit(x.app, jar, '/authorize/enrol/offer', {
    ...hiddenFields(next.body),
    decision: 'skip',
  });
  assert.equal(skip.status, 400, 'nor by posting the offer form');
  assert.equal(jar.get('tessera_session'), undefined);

  // Bad input first: nothing confirmed, the same page again with the error.
  const fields = hiddenFields(next.body);
  const malformed = await submit(x.app, jar, '/authorize/enrol', { ...fields, code: '12 345' });
  assert.equal(malformed.status, 400);
  assert.match(malformed.body, /without spaces or letters/);
  assert.equal(secretOnPage(malformed.body), key, 'the same secret is shown again');
  const wrongCode = referenceTotp(key, stepOf(x.clock.ms) + 5);
  const wrong = await submit(x.app, jar, '/authorize/enrol', {
    ...hiddenFields(malformed.body),
    code: wrongCode,
  });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /The code is wrong/);
  assert.equal((await listMfa(x, 'alice')).totp, 'pending');
  // The spent form cannot be replayed.
  const replay = await submit(x.app, jar, '/authorize/enrol', {
    ...fields,
    code: referenceTotp(key, stepOf(x.clock.ms)),
  });
  assert.equal(replay.status, 400);

  const done = await submit(x.app, jar, '/authorize/enrol', {
    ...hiddenFields(wrong.body),
    code: referenceTotp(key, stepOf(x.clock.ms)),
  });
  assert.equal(done.status, 200, done.body);
  assert.match(done.body, /<h1>Your recovery codes<\/h1>/);
  const codes = [...done.body.matchAll(/<li><code>([0-9A-Z-]{19})<\/code><\/li>/g)].map(
    (m) => m[1],
  );
  assert.equal(codes.length, 10);
  assert.deepEqual(await listMfa(x, 'alice'), {
    totp: 'confirmed',
    enrolledAt: Math.floor(x.clock.ms / 1000),
    confirmedAt: Math.floor(x.clock.ms / 1000),
    lastUsedAt: Math.floor(x.clock.ms / 1000),
    recoveryCodesLeft: 10,
    passkeys: [],
  });
  const back = await submit(x.app, jar, '/authorize/continue', hiddenFields(done.body));
  const at = await exchange(x, secret, back, verifier);
  assert.equal(at['acr'], 'urn:tessera:acr:mfa');
  assert.deepEqual(at['amr'], ['pwd', 'otp', 'mfa']);

  // From now on the code page, not enrolment, whatever the policy.
  x.clock.ms += 90_000;
  const again = await passwordStep(x, new Jar());
  assert.match(again.next.body, /<h1>Enter your code<\/h1>/);
});

test('required: the password grant is refused for every user alike, before the password is looked at', async (t) => {
  const { x } = await issuer(t, 'required');
  // The harness's first-party client "web-app" may use the grant, and follows the issuer's policy.
  for (const password of [x.password, 'wrong']) {
    const r = await post(
      x.app,
      '/token',
      { grant_type: 'password', username: 'alice', password },
      { authorization: x.basic() },
    );
    assert.equal(r.status, 400);
    assert.equal(r.json['error'], 'unauthorized_client');
    assert.match(String(r.json['error_description']), /requires a second factor/);
  }
  assert.equal((await x.store.listAuditEvents(10, 'login.failed')).length, 0, 'no login evaluated');
});

test('required (issuer-wide): a password-only browser session gets no code for the client; the user signs in again and enrols', async (t) => {
  const { x } = await issuer(t, 'off');
  const jar = new Jar();
  const first = await passwordStep(x, jar);
  assert.equal(first.next.status, 303, 'off: a password sign-in');
  // The administrator makes this client require a second factor: the session is not enough.
  await setClientMfa({ store: x.store, defaultAudience: 'api' }, 'rp', 'required');
  const { params } = codeRequest('rp');
  const page = await authorize(x.app, jar, params);
  assert.equal(page.status, 200);
  assert.match(page.body, /action="\/authorize\/login"/, 'asked to sign in again');
  const none = await authorize(x.app, jar, { ...codeRequest('rp').params, prompt: 'none' });
  assert.equal(none.location?.searchParams.get('error'), 'login_required');
  const next = await submit(x.app, jar, '/authorize/login', {
    ...hiddenFields(page.body),
    username: 'alice',
    password: x.password,
  });
  isEnrolPage(next);
});

test('optional: offered after the password; "Not now" is a password sign-in (offered again next time), "Set up now" enrols', async (t) => {
  const { x, secret } = await issuer(t, 'optional');
  const { jar, verifier, next } = await passwordStep(x);
  assert.equal(next.status, 200);
  assert.match(next.body, /<h1>Protect your account<\/h1>/);
  assert.equal(jar.get('tessera_session'), undefined);
  const skip = await submit(x.app, jar, '/authorize/enrol/offer', {
    ...hiddenFields(next.body),
    decision: 'skip',
  });
  const at = await exchange(x, secret, skip, verifier);
  assert.equal(at['acr'], 'urn:tessera:acr:pwd');
  assert.equal((await listMfa(x, 'alice')).totp, 'none', 'nothing enrolled');

  const second = await passwordStep(x, new Jar());
  assert.match(second.next.body, /<h1>Protect your account<\/h1>/, 'offered again');
  const bogus = await submit(x.app, second.jar, '/authorize/enrol/offer', {
    ...hiddenFields(second.next.body),
    decision: 'maybe',
  });
  assert.equal(bogus.status, 400, 'an unknown decision ends the interaction');
  const third = await passwordStep(x, new Jar());
  const setup = await submit(x.app, third.jar, '/authorize/enrol/offer', {
    ...hiddenFields(third.next.body),
    decision: 'setup',
  });
  isEnrolPage(setup);
  assert.doesNotMatch(setup.body, /requires a second step/, 'optional: not said to be required');
  assert.match(setup.body, /value="skip"[^>]*>Not now</, 'optional: the user may still skip');
  const key = secretOnPage(setup.body);
  const done = await submit(x.app, third.jar, '/authorize/enrol', {
    ...hiddenFields(setup.body),
    code: referenceTotp(key, stepOf(x.clock.ms)),
  });
  assert.match(done.body, /<h1>Your recovery codes<\/h1>/);
  const back = await submit(x.app, third.jar, '/authorize/continue', hiddenFields(done.body));
  assert.equal(back.status, 303);
});

test("off (the default): no offer; precedence: the client's own policy wins over the issuer's either way", async (t) => {
  const { x } = await issuer(t);
  assert.equal((await passwordStep(x)).next.status, 303, 'default off: straight to the client');
  const strict = await issuer(t, 'required', 'off');
  assert.equal((await passwordStep(strict.x)).next.status, 303, 'client off beats issuer required');
  const lax = await issuer(t, 'off', 'optional');
  assert.match(
    (await passwordStep(lax.x)).next.body,
    /Protect your account/,
    'client optional beats issuer off',
  );
  // A client without its own policy follows the issuer's; set-mfa default removes the client's.
  await setClientMfa({ store: strict.x.store, defaultAudience: 'api' }, 'rp', undefined);
  isEnrolPage((await passwordStep(strict.x)).next);
});

test('a user with a factor is asked for it under every policy, off included', async (t) => {
  for (const policy of ['off', 'optional', 'required'] as const) {
    const { x } = await issuer(t, policy);
    const deps = { store: x.store, kek: x.kek, now: () => x.clock.ms };
    const { secret } = await enrolTotp(deps, 'alice');
    await confirmTotp(deps, 'alice', referenceTotp(secret, stepOf(x.clock.ms) - 1));
    const { next } = await passwordStep(x);
    assert.match(next.body, /<h1>Enter your code<\/h1>/, policy);
  }
});

test('the pending secret expires: 10 minutes after the page, neither the page nor the library confirms it', async (t) => {
  const { x } = await issuer(t, 'required');
  const { jar, next } = await passwordStep(x);
  const key = secretOnPage(next.body);
  x.clock.ms += 601_000;
  const late = await submit(x.app, jar, '/authorize/enrol', {
    ...hiddenFields(next.body),
    code: referenceTotp(key, stepOf(x.clock.ms)),
  });
  assert.equal(late.status, 400);
  assert.match(late.body, /expired or was used/);
  await assert.rejects(
    confirmTotp(
      { store: x.store, kek: x.kek, now: () => x.clock.ms },
      'alice',
      referenceTotp(key, stepOf(x.clock.ms)),
    ),
    (e: unknown) => e instanceof MfaError && e.code === 'enrolment_expired',
  );
  assert.equal((await listMfa(x, 'alice')).totp, 'pending', 'nothing confirmed');
});

test('bad policy values: a clear error at configuration and at registration', async () => {
  assert.throws(
    () => resolveConfig({ issuer: ISSUER, mfa: 'sometimes' as MfaPolicy }),
    (e: unknown) =>
      e instanceof ConfigError && /mfa must be one of off, optional, required/.test(e.message),
  );
  assert.equal(resolveConfig({ issuer: ISSUER }).mfa, 'off');
  const x = await makeIssuer('sqlite');
  try {
    await assert.rejects(
      createClient(
        { store: x.store, defaultAudience: 'api' },
        { name: 'x', mfa: 'always' as MfaPolicy },
      ),
      (e: unknown) => e instanceof InputError && /mfa is one of/.test(e.message),
    );
    await assert.rejects(
      setClientMfa({ store: x.store, defaultAudience: 'api' }, 'web-app', 'yes' as MfaPolicy),
      InputError,
    );
    assert.equal((await x.store.findClient('web-app'))?.mfa, null, 'nothing changed');
  } finally {
    await x.close();
  }
});
