import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { createClient } from '../clients.js';
import {
  ISSUER,
  PG_SKIP,
  login,
  makeIssuer,
  post,
  type StoreKind,
  type TestIssuer,
} from '../test-support/harness.js';

/**
 * #12 item 9: `/logout` used to accept any access token this issuer signed, whatever its `aud`,
 * so every resource server that received a user's token could end the user's session. It now
 * takes an access token whose audience is the issuer itself, or the refresh token with client
 * authentication. One test per refusal, on both stores; the accepted cases last.
 * @see docs/security.md#logout-audience
 */
const sidOf = (accessToken: string) => String(decodeJwt(accessToken)['sid']);
const ended = async (t: TestIssuer, sid: string) =>
  (await t.store.findSession(sid))?.ended_at !== null;
const onFeed = async (t: TestIssuer, sid: string) =>
  (await t.store.isRevoked('sid', sid, Math.floor(t.clock.ms / 1000)));
const bearerLogout = (t: TestIssuer, token: string) =>
  t.app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${token}` } });

/** A first-party client whose tokens are for the issuer itself, and a login through it. */
async function selfAudienceLogin(t: TestIssuer) {
  const { clientSecret } = await createClient(
    { store: t.store, defaultAudience: 'api' },
    { name: 'self', clientId: 'self-app', firstParty: true, audience: ISSUER },
  );
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: t.username, password: t.password },
    { authorization: t.basic('self-app', clientSecret!) },
  );
  assert.equal(r.status, 200, r.body);
  return r.json as { access_token: string; refresh_token: string };
}

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  const skip = kind === 'postgres' ? PG_SKIP : false;
  const withIssuer = (fn: (t: TestIssuer) => Promise<void>) => async () => {
    const t = await makeIssuer(kind);
    try {
      await fn(t);
    } finally {
      await t.close();
    }
  };

  test(
    `${kind}: a resource server replaying the user's access token (aud "api") at /logout cannot end the session`,
    { skip },
    withIssuer(async (t) => {
      const s = await login(t);
      assert.equal(decodeJwt(s.access_token)['aud'], 'api');
      const r = await bearerLogout(t, s.access_token);
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error, 'invalid_token');
      assert.match(String(r.headers['www-authenticate']), /^Bearer error="invalid_token"/);
      assert.equal(await ended(t, sidOf(s.access_token)), false, 'the session is not ended');
      assert.equal(await onFeed(t, sidOf(s.access_token)), false, 'nothing on the feed');
      assert.equal((await t.store.listAuditEvents(50, 'session.ended')).length, 0);
    }),
  );

  test(
    `${kind}: a refresh token presented at /logout without client authentication cannot end the session`,
    { skip },
    withIssuer(async (t) => {
      const s = await login(t);
      const sid = sidOf(s.access_token);
      const none = await post(t.app, '/logout', { refresh_token: s.refresh_token });
      assert.deepEqual([none.status, none.json['error']], [401, 'invalid_client']);
      // The confidential client's id without its secret is not client authentication.
      const idOnly = await post(t.app, '/logout', {
        refresh_token: s.refresh_token,
        client_id: t.clientId,
      });
      assert.deepEqual([idOnly.status, idOnly.json['error']], [401, 'invalid_client']);
      const wrong = await post(
        t.app,
        '/logout',
        { refresh_token: s.refresh_token },
        { authorization: t.basic(t.clientId, 'not-the-secret') },
      );
      assert.deepEqual([wrong.status, wrong.json['error']], [401, 'invalid_client']);
      assert.equal(await ended(t, sid), false, 'the session is not ended');
      assert.equal(await onFeed(t, sid), false, 'nothing on the feed');
    }),
  );

  test(
    `${kind}: another client authenticating with the user's refresh token at /logout cannot end the session`,
    { skip },
    withIssuer(async (t) => {
      const s = await login(t);
      const r = await post(
        t.app,
        '/logout',
        { refresh_token: s.refresh_token },
        { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
      );
      // The same 204 as for an unknown token: the answer tells the caller nothing.
      assert.equal(r.status, 204);
      assert.equal(await ended(t, sidOf(s.access_token)), false, 'the session is not ended');
    }),
  );

  test(
    `${kind}: /logout still ends the session with an access token for the issuer itself, or the refresh token with client authentication`,
    { skip },
    withIssuer(async (t) => {
      const own = await selfAudienceLogin(t);
      assert.equal(decodeJwt(own.access_token)['aud'], ISSUER);
      assert.equal((await bearerLogout(t, own.access_token)).statusCode, 204);
      assert.equal(await ended(t, sidOf(own.access_token)), true);
      assert.equal(await onFeed(t, sidOf(own.access_token)), true, 'sid on the feed');

      const s = await login(t);
      const r = await post(
        t.app,
        '/logout',
        { refresh_token: s.refresh_token },
        { authorization: t.basic() },
      );
      assert.equal(r.status, 204);
      assert.equal(await ended(t, sidOf(s.access_token)), true);
      assert.equal(await onFeed(t, sidOf(s.access_token)), true, 'sid on the feed');
    }),
  );
}
