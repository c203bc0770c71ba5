import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createLocalKeySet, decodeJwt, verifyJwt, type JwkSet } from '@tessera/jose';
import { buildApp } from '../app.js';
import { ACR } from '../browser-sessions.js';
import { confirmTotp, enrolTotp, resetMfa } from '../mfa/mfa-admin.js';
import { SECOND_FACTOR_BACKOFF } from '../login-protection.js';
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
import {
  ISSUER,
  countAuditEvents,
  makeIssuer,
  PG_SKIP,
  post,
  TEST_ARGON2,
  type StoreKind,
  type TestIssuer,
} from '../test-support/harness.js';
import { referenceTotp, stepOf } from '../test-support/totp-codes.js';
import { openTwoNodeStores } from '../test-support/two-nodes.js';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface World {
  t: TestIssuer;
  /** A second issuer node over the same database. */
  b: FastifyInstance;
  secret: string;
  webSecret: string;
  recoveryCodes: string[];
}

async function world(kind: StoreKind): Promise<World & { dispose(): Promise<void> }> {
  const nodes = await openTwoNodeStores(kind);
  const t = await makeIssuer(kind, { loginProtection: { ipThreshold: 1000 } }, nodes.a);
  // Mid-step, so "the current step" is unambiguous.
  t.clock.ms = (stepOf(t.clock.ms) * 30 + 5) * 1000;
  const b = await buildApp({
    config: { issuer: ISSUER, argon2: TEST_ARGON2, now: () => t.clock.ms },
    store: nodes.b,
    kek: t.kek,
  });
  const webSecret = (await codeClient(t, { clientId: 'rp-web', firstParty: true })).clientSecret!;
  const deps = { store: t.store, kek: t.kek, now: () => t.clock.ms };
  const { secret } = await enrolTotp(deps, 'alice');
  const { recoveryCodes } = await confirmTotp(
    deps,
    'alice',
    referenceTotp(secret, stepOf(t.clock.ms) - 1),
  );
  return {
    t,
    b,
    secret,
    webSecret,
    recoveryCodes,
    dispose: async () => {
      await b.close();
      await t.close();
      await nodes.dispose();
    },
  };
}

let w: World & { dispose(): Promise<void> };
before(async () => {
  w = await world('sqlite');
});
after(() => w.dispose());

/** /authorize and the password form on `app`; returns the page that follows and the request. */
async function passwordStep(app: FastifyInstance = w.t.app, jar = new Jar()) {
  const { params, verifier } = codeRequest('rp-web');
  const page = await authorize(app, jar, params);
  assert.equal(page.status, 200, page.body);
  const next = await submit(app, jar, '/authorize/login', {
    ...hiddenFields(page.body),
    username: 'alice',
    password: w.t.password,
  });
  return { jar, params, verifier, next };
}

const currentCode = (k = 0) => referenceTotp(w.secret, stepOf(w.t.clock.ms) + k);
/** Move three steps on, so no code of ±1 step around now was spent by an earlier test. */
const nextStep = () => {
  w.t.clock.ms += 90_000;
};
const backoffKey = (userId: string) =>
  `mfa:${createHash('sha256').update(userId).digest('base64url')}`;

async function exchange(app: FastifyInstance, code: string, verifier: string) {
  return post(
    app,
    '/token',
    { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT },
    { authorization: basic('rp-web', w.webSecret) },
  );
}

test('a right password for a user with TOTP gives the code page, not a session: one-time-code field, same CSP and headers as the login page', async () => {
  nextStep();
  const { jar, next } = await passwordStep();
  assert.equal(next.status, 200);
  assert.equal(next.location, undefined, 'no redirect to the client yet');
  assert.equal(jar.get('tessera_session'), undefined, 'no browser session before the code');
  assert.match(next.body, /<h1>Enter your code<\/h1>/);
  assert.match(
    next.body,
    /<input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6"/,
  );
  assert.match(next.body, /<label for="code">Code<\/label>/);
  assert.match(next.body, /action="\/authorize\/mfa"/);
  const csp = String(next.headers['content-security-policy']);
  assert.match(csp, /script-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /form-action 'self' https:\/\/rp\.example/);
  assert.equal(next.headers['cache-control'], 'no-store');
  assert.equal(next.headers['x-frame-options'], 'DENY');
  const fields = hiddenFields(next.body);
  assert.ok(fields['interaction'] && fields['csrf']);
});

test('the right code: a session with amr ["pwd","otp","mfa"] and the mfa acr; ID token and access token say so; auth_time is the second step', async () => {
  nextStep();
  const { jar, params, verifier, next } = await passwordStep();
  w.t.clock.ms += 12_000; // the user takes 12 s to type the code (same step: mid-step + 12 s)
  const secondStepAt = Math.floor(w.t.clock.ms / 1000);
  const done = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(next.body),
    code: currentCode(),
  });
  assert.equal(done.status, 303, done.body);
  assert.equal(done.location!.searchParams.get('state'), params['state']);
  assert.ok(jar.get('tessera_session'), 'the session starts now');
  const r = await exchange(w.t.app, done.location!.searchParams.get('code')!, verifier);
  assert.equal(r.status, 200, r.body);
  const body = r.json as Record<string, string>;
  const jwks = (await w.t.app.inject('/jwks')).json() as JwkSet;
  const { payload } = verifyJwt(body['id_token']!, createLocalKeySet(jwks), {
    algorithms: ['RS256'],
    issuer: ISSUER,
    audience: 'rp-web',
    currentDate: new Date(w.t.clock.ms),
  });
  assert.deepEqual(payload['amr'], ['pwd', 'otp', 'mfa']);
  assert.equal(payload['acr'], ACR.mfa);
  assert.equal(payload['auth_time'], secondStepAt);
  const at = decodeJwt(body['access_token']!);
  assert.deepEqual(at['amr'], ['pwd', 'otp', 'mfa'], 'RFC 9068 §2.2.1 in the access token');
  assert.equal(at['acr'], ACR.mfa);
  assert.equal(at['auth_time'], secondStepAt);
  // The session is single sign-on: the next /authorize goes straight back with a code.
  const again = await authorize(w.t.app, jar, codeRequest('rp-web').params);
  assert.equal(again.status, 303);
});

test('codes ±1 step are accepted, ±2 refused on the page', async () => {
  nextStep();
  for (const [k, ok] of [
    [-2, false],
    [2, false],
    [1, true],
    [-1, true],
  ] as const) {
    const { jar, next } = await passwordStep();
    const r = await submit(w.t.app, jar, '/authorize/mfa', {
      ...hiddenFields(next.body),
      code: currentCode(k),
    });
    assert.equal(r.status, ok ? 303 : 401, `step ${k}`);
  }
  await w.t.store.clearLoginFailures(backoffKey(w.t.userId));
});

test('refusal: a wrong code — 401, the page says so, no session; the next page has a fresh form', async () => {
  nextStep();
  const { jar, next } = await passwordStep();
  const wrong = currentCode() === '000000' ? '000001' : '000000';
  const r = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(next.body),
    code: wrong,
  });
  assert.equal(r.status, 401);
  assert.match(r.body, /role="alert" id="mfa-error">The code is wrong or was already used/);
  assert.match(r.body, /aria-describedby="mfa-error"/);
  assert.equal(jar.get('tessera_session'), undefined);
  // The old form is spent; the new one works.
  const stale = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(next.body),
    code: currentCode(),
  });
  assert.equal(stale.status, 400, 'a used form is refused');
  const ok = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(r.body),
    code: currentCode(),
  });
  assert.equal(ok.status, 303);
  await w.t.store.clearLoginFailures(backoffKey(w.t.userId));
});

test('refusal: codes with spaces, letters or too long — 400 with a clear message, nothing counted or spent', async () => {
  nextStep();
  let { jar, next } = await passwordStep();
  const good = currentCode();
  let page: InjectResult = next;
  for (const code of [
    `${good.slice(0, 3)} ${good.slice(3)}`,
    '12ab56',
    `${good}7`,
    ' ',
    'x'.repeat(100),
  ]) {
    page = await submit(w.t.app, jar, '/authorize/mfa', { ...hiddenFields(page.body), code });
    assert.equal(page.status, 400, JSON.stringify(code.slice(0, 20)));
    assert.match(
      page.body,
      /Enter the 6 digits your authenticator app shows, without spaces or letters\./,
    );
    assert.equal(jar.get('tessera_session'), undefined);
  }
  assert.equal(
    await w.t.store.getLoginFailure(backoffKey(w.t.userId)),
    undefined,
    'no guess counted',
  );
  const ok = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(page.body),
    code: good,
  });
  assert.equal(ok.status, 303, 'the code was not spent by the refused inputs');
  ({ jar, next } = await passwordStep());
  void next;
});

test('refusal: guessing codes on the page is throttled per user — 5 wrong, then 429 with Retry-After even for the right code', async () => {
  nextStep();
  let { jar, next: page } = await passwordStep();
  const wrong = (n: number) => {
    const near = new Set([-1, 0, 1].map((k) => currentCode(k)));
    let c = n;
    while (near.has(String(c).padStart(6, '0'))) c++;
    return String(c).padStart(6, '0');
  };
  const statuses: number[] = [];
  for (let i = 0; i < SECOND_FACTOR_BACKOFF.threshold + 2; i++) {
    page = await submit(w.t.app, jar, '/authorize/mfa', {
      ...hiddenFields(page.body),
      code: wrong(i),
    });
    statuses.push(page.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
  assert.equal(page.headers['retry-after'], '60');
  assert.match(page.body, /Too many wrong codes\. Try again in \d+ seconds\./);
  // A new password step does not reset it: the counter is the user's, not the form's.
  ({ jar, next: page } = await passwordStep());
  const right = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(page.body),
    code: currentCode(),
  });
  assert.equal(right.status, 429);
  await w.t.store.clearLoginFailures(backoffKey(w.t.userId));
});

test('refusal: CSRF — the code form without the browser cookie is 403; a login-page handle cannot post a code; a code-page handle cannot post a password', async () => {
  nextStep();
  const { jar, next } = await passwordStep();
  const other = new Jar();
  const foreign = await submit(w.t.app, other, '/authorize/mfa', {
    ...hiddenFields(next.body),
    code: currentCode(),
  });
  assert.equal(foreign.status, 403);
  const asLogin = await submit(w.t.app, jar, '/authorize/login', {
    ...hiddenFields(next.body),
    username: 'alice',
    password: w.t.password,
  });
  assert.equal(asLogin.status, 400, 'the pending second step is not a login form');
  const loginPage = await authorize(w.t.app, jar, codeRequest('rp-web').params);
  const skip = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(loginPage.body),
    code: currentCode(),
  });
  assert.equal(skip.status, 400, 'a login form cannot be finished by a code alone');
  const cont = await submit(w.t.app, jar, '/authorize/continue', hiddenFields(next.body));
  assert.equal(cont.status, 400, 'nor by the continue form');
});

test('refusal: the password grant refuses a user with a second factor exactly as a wrong password, counts it as a failure, and audits the real reason', async () => {
  // A world of its own: its back-off counters are spent here.
  const x = await makeIssuer('sqlite', {
    loginProtection: { ipThreshold: 1000, pairThreshold: 3 },
  });
  try {
    const deps = { store: x.store, kek: x.kek, now: () => x.clock.ms };
    const { secret } = await enrolTotp(deps, 'alice');
    await confirmTotp(deps, 'alice', referenceTotp(secret, stepOf(x.clock.ms)));
    const grant = (password: string) =>
      post(
        x.app,
        '/token',
        { grant_type: 'password', username: 'alice', password },
        { authorization: x.basic() },
      );
    const shape = (r: Awaited<ReturnType<typeof grant>>) => {
      const { date: _d, ...headers } = r.headers;
      return { status: r.status, body: r.body, headers };
    };
    const wrong = await grant('not the password');
    const right = await grant(x.password);
    assert.deepEqual(shape(right), shape(wrong), 'status, body and headers are the same');
    assert.equal(right.status, 400);
    assert.deepEqual(right.json, {
      error: 'invalid_grant',
      error_description: 'the username or password is wrong',
    });
    assert.equal(right.headers['set-cookie'], undefined, 'no device cookie for a refusal');
    // The audit alone knows: the right password was verified (Argon2 ran) and refused for the
    // second factor; the wrong one failed.
    const refused = await x.store.listAuditEvents(10, 'login.refused');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.subject, x.userId);
    assert.deepEqual(JSON.parse(refused[0]!.detail), { why: 'second_factor_required' });
    assert.equal(await countAuditEvents(x.store, 'login.failed'), 1);
    assert.equal(await countAuditEvents(x.store, 'login.succeeded'), 0);
    // Counted as a failed attempt like the wrong one (a success would reset the back-off and
    // tell the password apart): the third attempt is the last the pair threshold allows.
    const third = await grant(x.password);
    assert.deepEqual(shape(third), shape(wrong));
    const fourth = await grant(x.password);
    assert.equal(fourth.status, 429);
    const sessions = await x.store.listSessions({
      userId: x.userId,
      now: Math.floor(x.clock.ms / 1000),
      limit: 10,
    });
    assert.equal(sessions.length, 0, 'no session was started');
    // A user without a factor still signs in with the grant.
    await resetMfa({ store: x.store }, 'alice');
    x.clock.ms += 24 * 3600_000;
    assert.equal((await grant(x.password)).status, 200);
  } finally {
    await x.close();
  }
});

test('refusal: a passkey counts as an enrolled factor for the password grant (passkeys on): refused as a wrong password, audited', async () => {
  const x = await makeIssuer('sqlite', { passkeys: { origins: ['https://issuer.test'] } });
  try {
    const inserted = await x.store.insertWebauthnCredential({
      id: 'credential-1',
      user_id: x.userId,
      // Never verified here: the grant only needs to know a passkey is registered.
      public_key: 'pQECAyYgASFYIA',
      counter: 0,
      transports: '[]',
      backup_eligible: 0,
      backup_state: 0,
      created_at: Math.floor(x.clock.ms / 1000),
      last_used_at: null,
    });
    assert.ok(inserted);
    const r = await post(
      x.app,
      '/token',
      { grant_type: 'password', username: 'alice', password: x.password },
      { authorization: x.basic() },
    );
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, {
      error: 'invalid_grant',
      error_description: 'the username or password is wrong',
    });
    assert.equal(await countAuditEvents(x.store, 'login.refused'), 1);
  } finally {
    await x.close();
  }
});

test('recovery codes on the page: each works once, the page says how many are left, the last one warns; amr ["pwd","mfa"]', async () => {
  for (const [i, code] of w.recoveryCodes.entries()) {
    w.t.clock.ms += (SECOND_FACTOR_BACKOFF.windowSeconds + 1) * 1000;
    const { jar, verifier, next } = await passwordStep();
    assert.match(next.body, /<summary>Use a recovery code instead<\/summary>/);
    const used = await submit(w.t.app, jar, '/authorize/mfa', {
      ...hiddenFields(next.body),
      recovery_code: i % 2 === 0 ? code.toLowerCase() : code,
    });
    assert.equal(used.status, 200, used.body);
    const left = 9 - i;
    assert.match(used.body, new RegExp(`${left} recovery code${left === 1 ? '' : 's'} left\\.`));
    assert.equal(
      /That was your last recovery code/.test(used.body),
      left === 0,
      `warning at ${left}`,
    );
    const again = await passwordStep();
    const twice = await submit(w.t.app, again.jar, '/authorize/mfa', {
      ...hiddenFields(again.next.body),
      recovery_code: code,
    });
    assert.equal(twice.status, 401, 'a used recovery code');
    assert.match(twice.body, /The recovery code is wrong or was already used/);
    assert.match(twice.body, /<details open>/);
    if (i === 0 || left === 0) {
      const done = await submit(w.t.app, jar, '/authorize/continue', hiddenFields(used.body));
      assert.equal(done.status, 303, done.body);
      const r = await exchange(w.t.app, done.location!.searchParams.get('code')!, verifier);
      const id = decodeJwt((r.json as Record<string, string>)['id_token']!);
      assert.deepEqual(id['amr'], ['pwd', 'mfa']);
      assert.equal(id['acr'], ACR.mfa);
      // The continue form is bound to the session it started: another browser cannot use it.
      const again2 = await submit(
        w.t.app,
        new Jar(),
        '/authorize/continue',
        hiddenFields(used.body),
      );
      assert.ok(again2.status === 403 || again2.status === 400);
    }
  }
  const audit = await w.t.store.listAuditEvents(50, 'mfa.recovery_code_used');
  assert.equal(audit.length, 10);
  const malformed = await passwordStep();
  const bad = await submit(w.t.app, malformed.jar, '/authorize/mfa', {
    ...hiddenFields(malformed.next.body),
    recovery_code: 'not a code',
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /A recovery code is 16 letters and digits/);
});

test('a reset while the code page is open voids the pending sign-in', async () => {
  const x = await world('sqlite');
  try {
    const app = x.t.app;
    const jar = new Jar();
    const page = await authorize(app, jar, codeRequest('rp-web').params);
    const next = await submit(app, jar, '/authorize/login', {
      ...hiddenFields(page.body),
      username: 'alice',
      password: x.t.password,
    });
    await resetMfa({ store: x.t.store }, 'alice');
    const r = await submit(app, jar, '/authorize/mfa', {
      ...hiddenFields(next.body),
      code: referenceTotp(x.secret, stepOf(x.t.clock.ms)),
    });
    assert.equal(r.status, 400);
    assert.equal(jar.get('tessera_session'), undefined);
  } finally {
    await x.dispose();
  }
});

for (const kind of ['sqlite', 'postgres'] as const) {
  test(
    `${kind}: a code used on one issuer node is refused on a second node over the same database`,
    { skip: kind === 'postgres' ? PG_SKIP : false },
    async (t: TestContext) => {
      const x = kind === 'sqlite' ? w : await world(kind);
      if (kind !== 'sqlite') t.after(() => x.dispose());
      x.t.clock.ms += 30_000;
      const code = referenceTotp(x.secret, stepOf(x.t.clock.ms));
      const onA = await passwordStepOn(x, x.t.app);
      const onB = await passwordStepOn(x, x.b);
      const a = await submit(x.t.app, onA.jar, '/authorize/mfa', {
        ...hiddenFields(onA.next.body),
        code,
      });
      assert.equal(a.status, 303, 'node A accepts it');
      const b = await submit(x.b, onB.jar, '/authorize/mfa', {
        ...hiddenFields(onB.next.body),
        code,
      });
      assert.equal(b.status, 401, 'node B refuses the replay');
      assert.equal(onB.jar.get('tessera_session'), undefined);
    },
  );
}

async function passwordStepOn(x: World, app: FastifyInstance) {
  const jar = new Jar();
  const page = await authorize(app, jar, codeRequest('rp-web').params);
  const next = await submit(app, jar, '/authorize/login', {
    ...hiddenFields(page.body),
    username: 'alice',
    password: x.t.password,
  });
  assert.equal(next.status, 200, next.body);
  return { jar, next };
}

test('acr_values (step-up at the issuer): a password session asked for the mfa acr signs in again; one that has it goes straight back; discovery lists both', async () => {
  const t = await makeIssuer('sqlite');
  try {
    await codeClient(t, { clientId: 'rp-web', firstParty: true });
    const jar = new Jar();
    const first = await authorize(t.app, jar, codeRequest('rp-web').params);
    const signedIn = await submit(t.app, jar, '/authorize/login', {
      ...hiddenFields(first.body),
      username: 'alice',
      password: t.password,
    });
    assert.equal(signedIn.status, 303, 'a password session (alice has no second factor here)');
    const sso = await authorize(t.app, jar, codeRequest('rp-web').params);
    assert.equal(sso.status, 303, 'without acr_values: single sign-on');
    const pwd = await authorize(
      t.app,
      jar,
      codeRequest('rp-web', { acr_values: ACR.password }).params,
    );
    assert.equal(pwd.status, 303, 'the session has the asked-for class');
    const up = await authorize(
      t.app,
      jar,
      codeRequest('rp-web', { acr_values: `${ACR.mfa}` }).params,
    );
    assert.equal(up.status, 200, 'the login page again');
    assert.match(up.body, /<h1>Sign in<\/h1>/);
    const none = await authorize(
      t.app,
      jar,
      codeRequest('rp-web', { acr_values: ACR.mfa, prompt: 'none' }).params,
    );
    assert.equal(none.location!.searchParams.get('error'), 'login_required');
    const bad = await authorize(
      t.app,
      jar,
      codeRequest('rp-web', { acr_values: 'a\u0001b' }).params,
    );
    assert.equal(bad.location!.searchParams.get('error'), 'invalid_request');
    const meta = (await t.app.inject('/.well-known/openid-configuration')).json() as Record<
      string,
      unknown
    >;
    assert.deepEqual(meta['acr_values_supported'], [ACR.password, ACR.mfa]);
  } finally {
    await t.close();
  }
});

test('acr_values: after the second factor the session has the mfa acr, and a request for it goes straight back', async () => {
  w.t.clock.ms += (SECOND_FACTOR_BACKOFF.windowSeconds + 1) * 1000;
  const { jar, next } = await passwordStep();
  const done = await submit(w.t.app, jar, '/authorize/mfa', {
    ...hiddenFields(next.body),
    code: currentCode(),
  });
  assert.equal(done.status, 303);
  const again = await authorize(
    w.t.app,
    jar,
    codeRequest('rp-web', { acr_values: ACR.mfa }).params,
  );
  assert.equal(again.status, 303);
});
