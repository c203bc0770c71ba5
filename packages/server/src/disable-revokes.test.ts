import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from '@tessera/jose';
import { setClientDisabled } from './clients.js';
import { createPasswordHasher } from './passwords.js';
import { setUserDisabled } from './users.js';
import {
  PG_SKIP,
  TEST_ARGON2,
  login,
  makeIssuer,
  post,
  type StoreKind,
  type TestIssuer,
} from './test-support/harness.js';
import {
  authorize,
  codeClient,
  codeRequest,
  Jar,
  REDIRECT,
  signIn,
} from './test-support/code-flow.js';

/**
 * Disabling a user or a client takes back the access tokens already out there (#12 item 8): the
 * library API puts the right `sid`s on the revocation feed. The guard side, with the CLI
 * commands, is `packages/cli/src/commands/disable-revokes.test.ts`.
 * @see docs/security.md#disable-revokes
 */
async function feedSids(t: TestIssuer): Promise<Set<string | undefined>> {
  const body = (await t.app.inject('/revocations')).body;
  return new Set((decodeJwt(body) as { revoked: { sid?: string }[] }).revoked.map((e) => e.sid));
}

async function feedJtis(t: TestIssuer): Promise<Set<string | undefined>> {
  const body = (await t.app.inject('/revocations')).body;
  return new Set((decodeJwt(body) as { revoked: { jti?: string }[] }).revoked.map((e) => e.jti));
}

async function codeFlowLogin(t: TestIssuer, clientId: string, secret: string, jar = new Jar()) {
  const { params, verifier } = codeRequest(clientId);
  const back = await signIn(t, jar, params);
  const r = await post(
    t.app,
    '/token',
    {
      grant_type: 'authorization_code',
      code: back.location!.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    },
    { authorization: t.basic(clientId, secret) },
  );
  assert.equal(r.status, 200, r.body);
  return { jar, access: String(r.json['access_token']), refresh: String(r.json['refresh_token']) };
}

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  const skip = kind === 'postgres' ? PG_SKIP : false;

  test(
    `${kind}: a disabled user's code-flow tokens (sid = the browser session) are revoked and the browser is signed out`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const rp = await codeClient(t, {
          clientId: 'rp',
          firstParty: true,
          grantTypes: ['authorization_code', 'refresh_token'],
        });
        const s = await codeFlowLogin(t, 'rp', rp.clientSecret!);
        const pw = await login(t); // a password-grant session beside it
        const browserSid = String(decodeJwt(s.access)['sid']);
        const deps = {
          store: t.store,
          hasher: createPasswordHasher(TEST_ARGON2),
          now: () => t.clock.ms,
        };
        await setUserDisabled(deps, t.username, true);
        const sids = await feedSids(t);
        assert.ok(sids.has(browserSid), "the browser session's id is on the feed");
        assert.ok(sids.has(String(decodeJwt(pw.access_token)['sid'])));
        const own = t.basic('rp', rp.clientSecret!);
        assert.equal(
          (await post(t.app, '/introspect', { token: s.access }, { authorization: own })).json[
            'active'
          ],
          false,
        );
        // The single sign-on cookie no longer signs anyone in.
        const again = await authorize(t.app, s.jar, codeRequest('rp', { prompt: 'none' }).params);
        assert.equal(again.location?.searchParams.get('error'), 'login_required');
      } finally {
        await t.close();
      }
    },
  );

  test(
    `${kind}: disabling a client puts its live code-flow access tokens on the feed by jti (their sid is the browser session's, shared with another client); the other client's stay valid`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const a = await codeClient(t, {
          clientId: 'rp-a',
          firstParty: true,
          grantTypes: ['authorization_code', 'refresh_token'],
        });
        const b = await codeClient(t, {
          clientId: 'rp-b',
          firstParty: true,
          grantTypes: ['authorization_code', 'refresh_token'],
        });
        // One browser, two clients: both access tokens carry the same browser-session sid.
        const sa = await codeFlowLogin(t, 'rp-a', a.clientSecret!);
        const sb = await codeFlowLogin(t, 'rp-b', b.clientSecret!, sa.jar);
        assert.equal(decodeJwt(sa.access)['sid'], decodeJwt(sb.access)['sid']);
        // A refresh of A's family issues another access token: it must be caught too.
        const refreshed = await post(
          t.app,
          '/token',
          { grant_type: 'refresh_token', refresh_token: sa.refresh },
          { authorization: t.basic('rp-a', a.clientSecret!) },
        );
        assert.equal(refreshed.status, 200, refreshed.body);
        const aTokens = [sa.access, String(refreshed.json['access_token'])];
        await setClientDisabled(
          { store: t.store, defaultAudience: 'api', now: () => t.clock.ms },
          'rp-a',
          true,
        );
        const jtis = await feedJtis(t);
        for (const at of aTokens)
          assert.ok(
            jtis.has(String(decodeJwt(at)['jti'])),
            "the disabled client's token is on the feed",
          );
        assert.ok(!jtis.has(String(decodeJwt(sb.access)['jti'])), "the other client's is not");
        assert.ok(
          !(await feedSids(t)).has(String(decodeJwt(sb.access)['sid'])),
          'the shared browser session stays open',
        );
        // B's token still introspects as active; B's family still refreshes.
        const own = t.basic('rp-b', b.clientSecret!);
        assert.equal(
          (await post(t.app, '/introspect', { token: sb.access }, { authorization: own })).json[
            'active'
          ],
          true,
        );
        const bRefresh = await post(
          t.app,
          '/token',
          { grant_type: 'refresh_token', refresh_token: sb.refresh },
          { authorization: own },
        );
        assert.equal(bRefresh.status, 200, bRefresh.body);
      } finally {
        await t.close();
      }
    },
  );

  test(
    `${kind}: disabling a client ends its sessions and revokes its client_credentials sid, not another client's`,
    { skip },
    async () => {
      const t = await makeIssuer(kind);
      try {
        const web = await login(t); // web-app
        const cc = await post(
          t.app,
          '/token',
          { grant_type: 'client_credentials' },
          { authorization: t.basic(t.ccClientId, t.ccClientSecret) },
        );
        const ccSid = String(decodeJwt(String(cc.json['access_token']))['sid']);
        const deps = {
          store: t.store,
          defaultAudience: 'api',
          audit: t.app.tessera.audit,
          now: () => t.clock.ms,
        };
        await setClientDisabled(deps, t.ccClientId, true);
        let sids = await feedSids(t);
        assert.ok(sids.has(ccSid));
        assert.ok(!sids.has(String(decodeJwt(web.access_token)['sid'])), 'web-app is untouched');
        await setClientDisabled(deps, t.clientId, true);
        sids = await feedSids(t);
        assert.ok(sids.has(String(decodeJwt(web.access_token)['sid'])));
        const session = await t.store.findSession(String(decodeJwt(web.access_token)['sid']));
        assert.equal(session?.ended_reason, 'client_disabled');
        const ended = await t.store.listAuditEvents(10, 'session.ended');
        assert.ok(
          ended.some(
            (e) => e.client_id === t.clientId && JSON.parse(e.detail).reason === 'client_disabled',
          ),
        );
      } finally {
        await t.close();
      }
    },
  );
}
