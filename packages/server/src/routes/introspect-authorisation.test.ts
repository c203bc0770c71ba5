import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../clients.js';
import { PG_SKIP, login, makeIssuer, post, type StoreKind } from '../test-support/harness.js';

/**
 * The attack: any confidential client (here `svc`, a client_credentials client for another API)
 * posts someone else's access token to /introspect and learns `active: true` with its subject,
 * session and scopes. RFC 7662 §2.1/§4: only the client the token was issued to, or a resource
 * server registered for one of the token's audiences, is told.
 */
for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `${kind}: a confidential client cannot introspect another client's access token`,
    { skip: kind === 'postgres' ? PG_SKIP : false },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const deps = { store: t.store, defaultAudience: 'api' };
        const api = await createClient(deps, {
          name: 'orders API',
          clientId: 'rs-api',
          grantTypes: [],
          introspectAudiences: ['api'],
        });
        const reports = await createClient(deps, {
          name: 'reports API',
          clientId: 'rs-reports',
          grantTypes: [],
          introspectAudiences: ['reports'],
        });
        const s = await login(t); // issued to web-app, aud "api"
        const introspect = (id: string, secret: string, token = s.access_token) =>
          post(t.app, '/introspect', { token }, { authorization: t.basic(id, secret) });

        const other = await introspect(t.ccClientId, t.ccClientSecret);
        assert.deepEqual(other.json, { active: false }, 'an unrelated client learns nothing');
        const wrongAud = await introspect('rs-reports', reports.clientSecret!);
        assert.deepEqual(wrongAud.json, { active: false }, 'a resource server of another audience');

        const rs = await introspect('rs-api', api.clientSecret!);
        assert.equal(rs.json['active'], true, 'the resource server of the token audience');
        assert.equal(rs.json['sub'], t.userId);
        const own = await introspect(t.clientId, t.clientSecret);
        assert.equal(own.json['active'], true, 'the client the token was issued to');

        // A client_credentials token (aud "reports", issued to svc): svc and rs-reports see it.
        const cc = await post(
          t.app,
          '/token',
          { grant_type: 'client_credentials' },
          { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
        );
        const ccToken = String(cc.json['access_token']);
        assert.equal(
          (await introspect(t.ccClientId, t.ccClientSecret, ccToken)).json['active'],
          true,
        );
        assert.equal(
          (await introspect('rs-reports', reports.clientSecret!, ccToken)).json['active'],
          true,
        );
        assert.deepEqual((await introspect('rs-api', api.clientSecret!, ccToken)).json, {
          active: false,
        });
      } finally {
        await t.close();
      }
    },
  );
}
