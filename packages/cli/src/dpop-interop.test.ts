/**
 * DPoP interop with oauth4webapi (a real OAuth client library) both ways, over real HTTP:
 * - its DPoP() handle against `tessera serve --dpop-nonce` (client_credentials, password and a
 *   bound refresh, nonce retries) and against a guarded route with guard nonces;
 * - tokens from `tessera serve` with proofs made by us (createDpopFetch) accepted by its
 *   validateJwtAccessToken with requireDPoP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { decodeJwt } from '@tessera/jose';
import { createDpopFetch, createGuard, withGuard } from '@tessera/guard';
import { createClient, createUser, type RunningServer } from '@tessera/server';
import { runServeCommand } from './commands/serve.js';
import { memoryIo } from './test-support/memory-io.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const silent = memoryIo({ env: {} });

/** Retry once when oauth4webapi reports a DPoP nonce error (the handle kept the new nonce). */
async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (e) {
    if (!oauth.isDPoPNonceError(e)) {
      if (e instanceof oauth.ResponseBodyError)
        throw new Error(`${e.error}: ${e.error_description}`, { cause: e });
      throw e;
    }
    return attempt();
  }
}

test('oauth4webapi DPoP() against tessera serve --dpop-nonce and a guarded route; our proofs pass its validateJwtAccessToken', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dpop-interop-'));
  const abort = new AbortController();
  let server!: RunningServer;
  const ready = new Promise<void>((resolve) => {
    void runServeCommand(
      ['--port', '0', '--data-dir', dir, '--dpop-nonce', '--alg', 'ES256'],
      silent,
      {
        signal: abort.signal,
        onReady: (s) => {
          server = s;
          resolve();
        },
      },
    );
  });
  await ready;
  const guard = createGuard({
    issuer: server.url,
    audience: 'api',
    allowHttpLoopback: true,
    dpop: { nonce: { secret: randomBytes(32) } },
  });
  const rs = createServer(
    withGuard(guard, (req, res) => res.end(JSON.stringify({ sub: req.auth.subject }))),
  );
  rs.listen(0, '127.0.0.1');
  await once(rs, 'listening');
  const rsUrl = `http://127.0.0.1:${(rs.address() as AddressInfo).port}`;
  try {
    const deps = { store: server.store, defaultAudience: 'api' };
    const { clientSecret } = await createClient(deps, {
      name: 'svc',
      clientId: 'svc',
      scopes: ['read'],
    });
    await createClient(deps, {
      name: 'spa',
      clientId: 'spa',
      public: true,
      firstParty: true,
      scopes: ['read'],
    });
    await createUser(
      { store: server.store, hasher: server.app.tessera.hasher },
      { username: 'alice', password: 'alice-password-1' },
    );

    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, insecure),
    );
    assert.deepEqual(as.dpop_signing_alg_values_supported, [
      'EdDSA',
      'Ed25519',
      'ES256',
      'ES384',
      'PS256',
      'RS256',
    ]);

    // 1. client_credentials with oauth4webapi's DPoP handle: use_dpop_nonce, then a bound token.
    const svc: oauth.Client = { client_id: 'svc' };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(svc, keyPair);
    const cc = await withNonceRetry(async () =>
      oauth.processClientCredentialsResponse(
        as,
        svc,
        await oauth.clientCredentialsGrantRequest(
          as,
          svc,
          oauth.ClientSecretBasic(clientSecret!),
          new URLSearchParams({ scope: 'read' }),
          { DPoP, ...insecure },
        ),
      ),
    );
    assert.equal(cc.token_type, 'dpop');
    const jkt = (decodeJwt(cc.access_token) as { cnf?: { jkt?: string } }).cnf?.jkt;
    assert.match(String(jkt), /^[A-Za-z0-9_-]{43}$/);

    // 2. Its proofs at our guard (guard nonces too): 401 use_dpop_nonce, retried, then 200.
    const call = () =>
      withNonceRetry(() =>
        oauth.protectedResourceRequest(
          cc.access_token,
          'GET',
          new URL(`${rsUrl}/orders?x=1`),
          new Headers(),
          null,
          { DPoP, ...insecure },
        ),
      );
    const res = await call();
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { sub: 'svc' });
    // The same token without its key, as Bearer: refused (RFC 9449 §7.1).
    const asBearer = await fetch(`${rsUrl}/orders`, {
      headers: { authorization: `Bearer ${cc.access_token}` },
    });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /^DPoP /);
    await asBearer.arrayBuffer();

    // 3. A public client: password grant and a refresh, both with proofs by the same key.
    const spa: oauth.Client = { client_id: 'spa' };
    const spaDPoP = oauth.DPoP(spa, await oauth.generateKeyPair('EdDSA'));
    const login = await withNonceRetry(async () =>
      oauth.processGenericTokenEndpointResponse(
        as,
        spa,
        await oauth.genericTokenEndpointRequest(
          as,
          spa,
          oauth.None(),
          'password',
          new URLSearchParams({ username: 'alice', password: 'alice-password-1' }),
          { DPoP: spaDPoP, ...insecure },
        ),
      ),
    );
    assert.equal(login.token_type, 'dpop');
    const refreshed = await withNonceRetry(async () =>
      oauth.processRefreshTokenResponse(
        as,
        spa,
        await oauth.refreshTokenGrantRequest(as, spa, oauth.None(), login.refresh_token!, {
          DPoP: spaDPoP,
          ...insecure,
        }),
      ),
    );
    assert.equal(refreshed.token_type, 'dpop');
    // The successor refresh token is bound: without a proof (no DPoP handle) it is refused.
    await assert.rejects(
      async () =>
        oauth.processRefreshTokenResponse(
          as,
          spa,
          await oauth.refreshTokenGrantRequest(
            as,
            spa,
            oauth.None(),
            refreshed.refresh_token!,
            insecure,
          ),
        ),
      (e: unknown) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant',
    );

    // 4. The other way: a token from tessera serve with our proofs, checked by oauth4webapi.
    const dpopFetch = createDpopFetch();
    const tokenRes = await dpopFetch(`${server.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`svc:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    assert.equal(tokenRes.status, 200, 'createDpopFetch retried the nonce challenge');
    const ours = (await tokenRes.json()) as { access_token: string; token_type: string };
    assert.equal(ours.token_type, 'DPoP');
    const resourceUrl = 'https://rs.example/orders';
    const request = new Request(resourceUrl, {
      headers: {
        authorization: `DPoP ${ours.access_token}`,
        dpop: dpopFetch.proof('GET', resourceUrl, ours.access_token),
      },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, 'api', {
      requireDPoP: true,
      ...insecure,
    });
    assert.equal(claims.client_id, 'svc');
    // …and a proof by another key is refused by it too.
    const stranger = createDpopFetch();
    const forged = new Request(resourceUrl, {
      headers: {
        authorization: `DPoP ${ours.access_token}`,
        dpop: stranger.proof('GET', resourceUrl, ours.access_token),
      },
    });
    await assert.rejects(
      oauth.validateJwtAccessToken(as, forged, 'api', { requireDPoP: true, ...insecure }),
    );
  } finally {
    guard.close();
    await new Promise((r) => rs.close(r));
    abort.abort();
    await server?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
