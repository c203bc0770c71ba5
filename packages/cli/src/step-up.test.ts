import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createGuard, GuardError, guardErrorResponse } from '@tessera/guard';
import {
  confirmTotp,
  createClient,
  createPasswordHasher,
  createUser,
  enrolTotp,
  parseKek,
  startServer,
} from '@tessera/server';
import {
  authorize,
  codeRequest,
  hiddenFields,
  Jar,
  REDIRECT,
  submit,
} from '../../server/dist/test-support/code-flow.js';
import { referenceTotp, stepOf } from '../../server/dist/test-support/totp-codes.js';
import { tempDir } from './test-support/fixtures.js';

const ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const MFA = 'urn:tessera:acr:mfa';

/**
 * Step-up end to end (issue 16, RFC 9470): a real issuer on 127.0.0.1 and a real guard. A route
 * with `requiredAcr` refuses the token of a password login with the challenge; after the user
 * signs in again with the TOTP code, the new token passes.
 */
test('step-up: a requiredAcr route refuses a password-only token with insufficient_user_authentication; after a login with the second factor the new token passes, and so do the tokens refreshed from it', async () => {
  const kek = randomBytes(32).toString('hex');
  const server = await startServer({ port: 0, dataDir: tempDir(), argon2: ARGON2, kek });
  const guard = createGuard({ issuer: server.url, audience: 'api', allowHttpLoopback: true });
  try {
    const password = 'correct horse battery staple';
    await createUser(
      { store: server.store, hasher: createPasswordHasher(ARGON2) },
      { username: 'alice', password },
    );
    const secret = (
      await createClient(
        { store: server.store, defaultAudience: 'api' },
        {
          name: 'web',
          clientId: 'web',
          firstParty: true,
          redirectUris: [REDIRECT],
          scopes: ['read'],
        },
      )
    ).clientSecret!;
    const jar = new Jar();
    /** /authorize, the password form and (when asked) the code page; then the token endpoint. */
    const signIn = async (extra: Record<string, string>, code?: () => string) => {
      const { params, verifier } = codeRequest('web', extra);
      const page = await authorize(server.app, jar, params);
      let next = await submit(server.app, jar, '/authorize/login', {
        ...hiddenFields(page.body),
        username: 'alice',
        password,
      });
      if (code !== undefined) {
        assert.equal(next.status, 200, 'the code page');
        next = await submit(server.app, jar, '/authorize/mfa', {
          ...hiddenFields(next.body),
          code: code(),
        });
      }
      assert.equal(next.status, 303, next.body);
      const r = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`web:${secret}`).toString('base64')}` },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: next.location!.searchParams.get('code')!,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
        }),
      });
      assert.equal(r.status, 200);
      return (await r.json()) as { access_token: string; refresh_token: string };
    };
    const tokenRequest = (body: Record<string, string>) =>
      fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`web:${secret}`).toString('base64')}` },
        body: new URLSearchParams(body),
      });
    /** The access token of a refresh (RFC 6749 §6) of `refreshToken`. */
    const refreshed = async (refreshToken: string) => {
      const r = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
      assert.equal(r.status, 200);
      return ((await r.json()) as { access_token: string }).access_token;
    };
    const claimsOf = async (token: string) =>
      (await guard.authenticate({ authorization: `Bearer ${token}` })).claims;
    const route = { requiredAcr: [MFA], maxAge: 600 };

    const weakLogin = await signIn({});
    const weak = weakLogin.access_token;
    let refusal: unknown;
    await assert.rejects(guard.authenticate({ authorization: `Bearer ${weak}` }, route), (e) => {
      refusal = e;
      return e instanceof GuardError && e.error === 'insufficient_user_authentication';
    });
    const answer = guardErrorResponse(refusal as GuardError);
    assert.equal(answer.status, 401);
    assert.match(
      answer.headers['www-authenticate']!,
      /^Bearer error="insufficient_user_authentication", .*acr_values="urn:tessera:acr:mfa", max_age="600"$/,
    );

    // The user sets up TOTP; the client sends them back to sign in again.
    const deps = { store: server.store, kek: parseKek(kek) };
    const { secret: totp } = await enrolTotp(deps, 'alice');
    await confirmTotp(deps, 'alice', referenceTotp(totp, stepOf(Date.now()) - 1));
    const strongLogin = await signIn({ prompt: 'login' }, () =>
      referenceTotp(totp, stepOf(Date.now())),
    );
    const strong = strongLogin.access_token;
    const auth = await guard.authenticate({ authorization: `Bearer ${strong}` }, route);
    assert.equal(auth.claims['acr'], MFA);
    assert.deepEqual(auth.claims['amr'], ['pwd', 'otp', 'mfa']);

    // A refresh keeps the login's acr/amr/auth_time: the strong family's refreshed token passes
    // the route, the password-only family's is refused as its first token was.
    const strongAgain = await refreshed(strongLogin.refresh_token);
    const passed = await guard.authenticate({ authorization: `Bearer ${strongAgain}` }, route);
    assert.notEqual(passed.claims['jti'], auth.claims['jti'], 'a new access token');
    for (const claim of ['acr', 'amr', 'auth_time', 'sid'])
      assert.deepEqual(passed.claims[claim], auth.claims[claim], claim);
    const weakAgain = await refreshed(weakLogin.refresh_token);
    await assert.rejects(
      guard.authenticate({ authorization: `Bearer ${weakAgain}` }, route),
      (e) => e instanceof GuardError && e.reason === 'acr',
    );
    const weakClaims = await claimsOf(weakAgain);
    const weakFirst = await claimsOf(weak);
    assert.equal(weakClaims['acr'], 'urn:tessera:acr:pwd');
    assert.deepEqual(weakClaims['amr'], ['pwd']);
    assert.equal(weakClaims['auth_time'], weakFirst['auth_time']);
  } finally {
    guard.close();
    await server.close();
  }
});
