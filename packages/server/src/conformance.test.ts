import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ISSUER, makeIssuer, post } from './test-support/harness.js';

/**
 * End to end, driven only by what discovery advertises, and the access token checked by an
 * independent RFC 9068 validator (panva/jose): discovery → password grant → RFC 9068 → refresh →
 * reuse detection → revoke → introspect → revocation feed.
 */
test('conformance: discovery → password → RFC 9068 → refresh → reuse detection → revoke → introspect → feed', async () => {
  const t = await makeIssuer('sqlite', {}, undefined);
  try {
    const path = (url: unknown) => {
      assert.equal(typeof url, 'string');
      assert.ok((url as string).startsWith(`${ISSUER}/`), 'endpoints live under the issuer');
      return (url as string).slice(ISSUER.length);
    };
    const meta = (await t.app.inject('/.well-known/oauth-authorization-server')).json();
    // RFC 8414 §3.3: the issuer equals the URL the document was fetched for.
    assert.equal(meta.issuer, ISSUER);
    const jwks = createLocalJWKSet((await t.app.inject(path(meta.jwks_uri))).json());
    const tokenPath = path(meta.token_endpoint);
    assert.ok(meta.token_endpoint_auth_methods_supported.includes('client_secret_basic'));

    const login = await post(
      t.app,
      tokenPath,
      { grant_type: 'password', username: t.username, password: t.password },
      { authorization: t.basic() },
    );
    assert.equal(login.status, 200);
    assert.equal(login.headers['cache-control'], 'no-store');
    const at = String(login.json['access_token']);

    // RFC 9068 §4: typ at+jwt, asymmetric alg, iss/exp/aud/sub/iat/jti/client_id.
    const { payload, protectedHeader } = await jwtVerify(at, jwks, {
      issuer: meta.issuer,
      audience: 'api',
      typ: 'at+jwt',
      algorithms: ['EdDSA', 'ES256', 'RS256', 'PS256'],
      requiredClaims: ['iss', 'exp', 'aud', 'sub', 'iat', 'jti', 'client_id'],
      currentDate: new Date(t.clock.ms),
    });
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.ok(typeof protectedHeader.kid === 'string');
    assert.equal(payload['client_id'], t.clientId);
    assert.equal(typeof payload['scope'], 'string');

    const refreshed = await post(
      t.app,
      tokenPath,
      { grant_type: 'refresh_token', refresh_token: String(login.json['refresh_token']) },
      { authorization: t.basic() },
    );
    assert.equal(refreshed.status, 200);
    await jwtVerify(String(refreshed.json['access_token']), jwks, {
      issuer: meta.issuer,
      typ: 'at+jwt',
      currentDate: new Date(t.clock.ms),
    });

    // Reuse detection: the first refresh token, used again after the replay window.
    t.clock.ms += 30_000;
    const reuse = await post(
      t.app,
      tokenPath,
      { grant_type: 'refresh_token', refresh_token: String(login.json['refresh_token']) },
      { authorization: t.basic() },
    );
    assert.deepEqual([reuse.status, reuse.json['error']], [400, 'invalid_grant']);
    const dead = await post(
      t.app,
      tokenPath,
      { grant_type: 'refresh_token', refresh_token: String(refreshed.json['refresh_token']) },
      { authorization: t.basic() },
    );
    assert.equal(dead.status, 400);

    // A new login, revoked through the advertised endpoint.
    const second = await post(
      t.app,
      tokenPath,
      { grant_type: 'password', username: t.username, password: t.password },
      { authorization: t.basic() },
    );
    const revoke = await post(
      t.app,
      path(meta.revocation_endpoint),
      { token: String(second.json['access_token']), token_type_hint: 'access_token' },
      { authorization: t.basic() },
    );
    assert.equal(revoke.status, 200);
    const intro = await post(
      t.app,
      path(meta.introspection_endpoint),
      { token: String(second.json['access_token']) },
      { authorization: t.basic() },
    );
    assert.deepEqual(intro.json, { active: false });
    const introRt = await post(
      t.app,
      path(meta.introspection_endpoint),
      { token: String(second.json['refresh_token']) },
      { authorization: t.basic() },
    );
    assert.equal(introRt.json['active'], true);

    const feed = await t.app.inject(path(meta.revocation_feed_uri));
    const verified = await jwtVerify(feed.body, jwks, {
      issuer: meta.issuer,
      typ: 'revocation+jwt',
      currentDate: new Date(t.clock.ms),
    });
    const revoked = verified.payload['revoked'] as { jti?: string; sid?: string; exp: number }[];
    const secondClaims = (
      await jwtVerify(String(second.json['access_token']), jwks, {
        currentDate: new Date(t.clock.ms),
      })
    ).payload;
    assert.ok(
      revoked.some((e) => e.jti === secondClaims.jti),
      'the revoked access token',
    );
    assert.ok(
      revoked.some((e) => e.sid === payload['sid']),
      'the family revoked on reuse',
    );
  } finally {
    await t.close();
  }
});
