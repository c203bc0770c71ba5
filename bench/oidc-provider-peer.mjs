// The peer for bench/server.mjs: node-oidc-provider in a child process, configured like the
// Tessera issuer under test — EdDSA-signed RFC 9068 JWT access tokens (resource indicators,
// `accessTokenFormat: 'jwt'`), a rotated refresh token on every use, client_secret_basic,
// introspection on. BENCH_ADAPTER=map|redis picks the storage (bench/oidc-provider-adapters.mjs).
//
// IPC: it sends { url, clientSecret } when listening; on { mint: n } it answers { tokens } with n
// fresh refresh tokens (each its own grant), made through the provider's own models as a login
// would leave them; on 'stop' it closes and exits.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJwk, generateKeyPair } from '@tessera/jose';
import Provider from 'oidc-provider';
import { MapAdapter, redisAdapter } from './oidc-provider-adapters.mjs';

const which = process.env.BENCH_ADAPTER;
let adapter;
let redis;
if (which === 'redis') {
  const { createClient } = await import('redis');
  redis = createClient({ url: process.env.BENCH_REDIS_URL });
  redis.on('error', () => {});
  await redis.connect();
  adapter = redisAdapter(redis, `tessera-bench:${process.pid}:`);
} else adapter = MapAdapter;

const { privateKey } = generateKeyPair('EdDSA');
const jwk = { ...exportJwk(privateKey), kid: 'bench', alg: 'EdDSA', use: 'sig' };
const clientSecret = randomBytes(32).toString('base64url');
const RESOURCE = 'urn:bench:api';

const server = createServer();
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(url, {
  adapter,
  clients: [
    {
      client_id: 'bench',
      client_secret: clientSecret,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid read offline_access',
    },
  ],
  jwks: { keys: [jwk] },
  clientDefaults: { id_token_signed_response_alg: 'EdDSA' },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  scopes: ['openid', 'read', 'offline_access'],
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 600,
    IdToken: 600,
    AuthorizationCode: 60,
    ClientCredentials: 600,
    RefreshToken: 14 * 86400,
    Grant: 14 * 86400,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // Like Tessera: a client may introspect only its own refresh tokens.
    introspection: {
      enabled: true,
      allowedPolicy: (_ctx, client, token) =>
        token.clientId === undefined || token.clientId === client.clientId,
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'read',
        audience: 'api',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: 'EdDSA' } },
      }),
    },
  },
});
// The peer's own errors must not be silent: a failing grant would otherwise only show as non-2xx.
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
server.on('request', provider.callback());

async function mint(n) {
  const client = await provider.Client.find('bench');
  const now = Math.floor(Date.now() / 1000);
  const tokens = [];
  for (let i = 0; i < n; i++) {
    const grant = new provider.Grant({ accountId: `user-${i}`, clientId: 'bench' });
    grant.addResourceScope(RESOURCE, 'read');
    grant.addOIDCScope('offline_access');
    const grantId = await grant.save();
    const rt = new provider.RefreshToken({
      accountId: `user-${i}`,
      client,
      grantId,
      gty: 'authorization_code',
      scope: 'read offline_access',
      resource: RESOURCE,
      authTime: now,
      iiat: now,
    });
    tokens.push(await rt.save());
  }
  return tokens;
}

// Codes as the provider's interaction would leave them (its dev login replaced by this): a
// grant with openid + offline_access and the resource scope, an S256 challenge.
const CODE_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
async function mintCodes(n) {
  const client = await provider.Client.find('bench');
  const now = Math.floor(Date.now() / 1000);
  const codes = [];
  for (let i = 0; i < n; i++) {
    const grant = new provider.Grant({ accountId: `user-${i}`, clientId: 'bench' });
    grant.addResourceScope(RESOURCE, 'read');
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId: `user-${i}`,
      client,
      grantId,
      scope: 'openid read offline_access',
      resource: RESOURCE,
      redirectUri: 'http://127.0.0.1/cb',
      codeChallenge: CODE_CHALLENGE,
      codeChallengeMethod: 'S256',
      nonce: 'n',
      authTime: now,
      sessionUid: `session-${i}`,
      acr: '1',
      amr: ['pwd'],
    });
    codes.push(await code.save());
  }
  return codes;
}

process.on('message', async (m) => {
  if (m === 'stop') {
    server.close();
    await redis?.quit();
    process.exit(0);
  } else if (typeof m?.mint === 'number') {
    process.send({ tokens: await mint(m.mint) });
  } else if (typeof m?.codes === 'number') {
    process.send({ codes: await mintCodes(m.codes) });
  }
});
process.send({ url, clientSecret });
