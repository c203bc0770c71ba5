import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, relative } from 'node:path';
import { encodeBase64url } from '@tessera/jose';
import { writePrivateFile } from '@tessera/jose/internal/node';
import { createClient, rotateClientSecret } from './clients.js';
import { makePrivateDir } from './data-folder.js';
import type { IssuerContext } from './context.js';
import { createUser, setUserDisabled, setUserPassword } from './users.js';

export const DEMO_CLIENT_ID = 'demo-app';
export const DEMO_USERNAME = 'demo';
export const DEMO_AUDIENCE = 'demo-api';

/** A running demo resource server (the CLI's demo starts it on @tessera/guard). */
export interface DemoResourceServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the demo's resource server; given by the host (`tessera serve --demo`). */
export type DemoResourceServerStarter = (o: {
  issuer: string;
  audience: string;
  port: number;
  revocationPollMs?: number;
}) => Promise<DemoResourceServer>;

export interface DemoSetup {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  resourceServer: DemoResourceServer;
  /** Where the demo wrote its URLs and fresh credentials for scripts (`envFile` option). */
  envFile?: string;
}

/**
 * Demo mode: a first-party client and a user with fresh credentials (new on every start, so a
 * leftover data folder never holds a well-known password), and a resource server on a second
 * port that verifies tokens through JWKS alone (started by the host: the issuer imports only the
 * JOSE core).
 */
export async function setUpDemo(
  ctx: IssuerContext,
  startResourceServer: DemoResourceServerStarter,
  options: { revocationPollMs?: number; envFile?: string } = {},
): Promise<DemoSetup> {
  const deps = {
    store: ctx.store,
    audit: ctx.audit,
    now: ctx.config.now,
    defaultAudience: DEMO_AUDIENCE,
  };
  let clientSecret: string;
  if ((await ctx.store.findClient(DEMO_CLIENT_ID)) === undefined) {
    const created = await createClient(deps, {
      clientId: DEMO_CLIENT_ID,
      name: 'Tessera demo app',
      firstParty: true,
      grantTypes: ['password', 'refresh_token', 'client_credentials'],
      scopes: ['read', 'write'],
      audience: DEMO_AUDIENCE,
    });
    clientSecret = created.clientSecret!;
  } else {
    await ctx.store.updateClient(DEMO_CLIENT_ID, { disabled: 0 });
    clientSecret = await rotateClientSecret(deps, DEMO_CLIENT_ID);
  }
  const password = encodeBase64url(randomBytes(12));
  const userDeps = {
    store: ctx.store,
    hasher: ctx.hasher,
    audit: ctx.audit,
    now: ctx.config.now,
    revocationTtlSeconds: ctx.config.accessTokenTtl + ctx.config.clockTolerance,
  };
  if ((await ctx.store.findUserByUsername(DEMO_USERNAME)) === undefined) {
    await createUser(userDeps, { username: DEMO_USERNAME, password, roles: ['reader'] });
  } else {
    await setUserPassword(userDeps, DEMO_USERNAME, password);
    await setUserDisabled(userDeps, DEMO_USERNAME, false);
  }
  // The port after the issuer's when free (stable URLs for the walk-through), else any.
  const preferred = Number(new URL(ctx.config.issuer).port) + 1;
  const start = (port: number) =>
    startResourceServer({
      issuer: ctx.config.issuer,
      audience: DEMO_AUDIENCE,
      port,
      ...(options.revocationPollMs !== undefined
        ? { revocationPollMs: options.revocationPollMs }
        : {}),
    });
  const resourceServer = await start(preferred > 1 && preferred < 65536 ? preferred : 0).catch(() =>
    start(0),
  );
  const setup: DemoSetup = {
    clientId: DEMO_CLIENT_ID,
    clientSecret,
    username: DEMO_USERNAME,
    password,
    resourceServer,
  };
  if (options.envFile !== undefined) {
    writeDemoEnv(options.envFile, ctx.config.issuer, setup);
    setup.envFile = options.envFile;
  }
  return setup;
}

/**
 * The demo's URLs and fresh credentials as `NAME=value` lines, for scripts that run against
 * `serve --demo` (`tessera trace run examples/demo-flow.json --env-file .tessera/demo.env`).
 * Mode 0600 in the data folder, beside the key-encryption key; rewritten on every start.
 */
function writeDemoEnv(file: string, issuer: string, d: DemoSetup): void {
  const lines = [
    '# Written by tessera serve --demo on every start (the credentials change each time).',
    `TESSERA_DEMO_ISSUER=${issuer}`,
    `TESSERA_DEMO_RESOURCE=${d.resourceServer.url}`,
    `TESSERA_DEMO_AUDIENCE=${DEMO_AUDIENCE}`,
    `TESSERA_DEMO_CLIENT_ID=${d.clientId}`,
    `TESSERA_DEMO_CLIENT_SECRET=${d.clientSecret}`,
    `TESSERA_DEMO_USERNAME=${d.username}`,
    `TESSERA_DEMO_PASSWORD=${d.password}`,
  ];
  makePrivateDir(dirname(file));
  // A new 0600 file renamed into place: a leftover demo.env's mode never survives.
  writePrivateFile(file, `${lines.join('\n')}\n`);
}

/** A path as the user would type it: relative to the working folder when inside it. */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export const DEMO_WEB_CLIENT_ID = 'demo-web';

/** A running demo web app (the CLI's, a relying party on openid-client). */
export interface DemoWebApp {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the demo web app; given by the host. It listens first, then calls `register` with its
 * own URL so the issuer can register its exact redirect and post-logout URIs.
 */
export type DemoWebAppStarter = (o: {
  issuer: string;
  resourceUrl: string;
  register: (appUrl: string, jwks: { keys: unknown[] }) => Promise<{ clientId: string }>;
}) => Promise<DemoWebApp>;

/**
 * Registers (or re-registers) the demo web app as a first-party confidential client of the code
 * flow that authenticates with `private_key_jwt` (RFC 7523; its public keys are new on every
 * start, and no reusable secret crosses the wire): redirect `APP/callback`, post-logout `APP/`,
 * the OIDC scopes and the demo audience.
 */
export async function registerDemoWebClient(
  ctx: IssuerContext,
  appUrl: string,
  jwks: { keys: unknown[] },
): Promise<{ clientId: string }> {
  const deps = {
    store: ctx.store,
    audit: ctx.audit,
    now: ctx.config.now,
    defaultAudience: DEMO_AUDIENCE,
  };
  const redirectUris = [`${appUrl}/callback`];
  const postLogoutRedirectUris = [`${appUrl}/`];
  if ((await ctx.store.findClient(DEMO_WEB_CLIENT_ID)) !== undefined) {
    // A leftover data folder: the app's port and keys change on every start.
    await ctx.store.updateClient(DEMO_WEB_CLIENT_ID, {
      disabled: 0,
      redirect_uris: JSON.stringify(redirectUris),
      post_logout_redirect_uris: JSON.stringify(postLogoutRedirectUris),
      jwks: JSON.stringify(jwks),
      token_endpoint_auth_method: 'private_key_jwt',
      secret_hash: null,
    });
    return { clientId: DEMO_WEB_CLIENT_ID };
  }
  await createClient(deps, {
    clientId: DEMO_WEB_CLIENT_ID,
    name: 'Tessera demo web app',
    firstParty: true,
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'read'],
    audience: DEMO_AUDIENCE,
    redirectUris,
    postLogoutRedirectUris,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks,
  });
  return { clientId: DEMO_WEB_CLIENT_ID };
}

/** The printed walk-through: login → call → refresh → revoke, as copy-paste curl commands (POSIX shell). */
export function demoWalkthrough(
  issuer: string,
  d: Omit<DemoSetup, 'resourceServer'> & { resourceUrl: string },
): string {
  const basic = `-u '${d.clientId}:${d.clientSecret}'`;
  const pick = (name: string) => `$(printf '%s' "$R" | sed -E 's/.*"${name}":"([^"]+)".*/\\1/')`;
  return [
    // The issuer URL is on the "listening on" line just above; here what a newcomer needs next.
    `Debugger page           ${issuer}/   (decode and verify tokens; the Trace pane shows this demo's flow)`,
    `Demo resource server    ${d.resourceUrl}   (guard audience: ${DEMO_AUDIENCE}; verifies tokens with the issuer's /jwks alone)`,
    '',
    `Demo user: ${d.username} / ${d.password}    client: ${d.clientId} / ${d.clientSecret}`,
    '(fresh credentials on every start)',
    ...(d.envFile !== undefined
      ? [
          `Scripts read the same values from ${shownPath(d.envFile)} (mode 0600), e.g. the flow trace:`,
          `   npx tessera trace run examples/demo-flow.json --env-file ${shownPath(d.envFile)}`,
        ]
      : []),
    '',
    '1. Log in once — the only request that carries the password:',
    `   R=$(curl -s ${basic} -d grant_type=password -d username=${d.username} -d 'password=${d.password}' ${issuer}/token); echo "$R"`,
    `   AT=${pick('access_token')}; RT=${pick('refresh_token')}`,
    '',
    '2. Call the resource server with the token only:',
    `   curl -s -H "Authorization: Bearer $AT" ${d.resourceUrl}/hello`,
    '',
    '3. Refresh (the refresh token rotates; replaying the old one later revokes the whole session):',
    `   R=$(curl -s ${basic} -d grant_type=refresh_token -d "refresh_token=$RT" ${issuer}/token); echo "$R"`,
    `   AT=${pick('access_token')}; RT=${pick('refresh_token')}`,
    '',
    '4. Revoke: the session ends, and the resource server drops its tokens via the signed feed within seconds:',
    `   curl -s ${basic} -d "token=$RT" ${issuer}/revoke`,
    `   sleep 6; curl -s -H "Authorization: Bearer $AT" ${d.resourceUrl}/hello`,
    `   curl -s ${issuer}/revocations`,
    '',
    `Discovery: ${issuer}/.well-known/oauth-authorization-server    Keys: ${issuer}/jwks`,
    '',
  ].join('\n');
}
