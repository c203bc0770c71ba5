import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { demoError } from '../exit-codes.js';

/**
 * The demo web app (`tessera serve --demo`): a small server-side relying party on openid-client.
 * "Sign in" runs the authorization code flow with PKCE (RFC 7636) through the issuer's own login
 * page; the app never sees the password, only the code, which it exchanges for tokens. It then
 * shows the ID token's claims, calls the demo resource server with the access token, refreshes,
 * and signs out through RP-initiated logout (OIDC RP-Initiated Logout 1.0 §2).
 *
 * Tokens stay on the server, in memory, keyed by a random `HttpOnly` cookie. Plain http is allowed
 * only because the demo runs on loopback.
 */
export interface DemoWebApp {
  readonly url: string;
  close(): Promise<void>;
}

export interface DemoWebAppOptions {
  issuer: string;
  resourceUrl: string;
  /** Called once the app listens, with its own URL and public keys: registers it as a client. */
  register: (appUrl: string, jwks: { keys: unknown[] }) => Promise<{ clientId: string }>;
  /** Sees each request the app itself makes (to the issuer and the resource server). */
  fetch?: typeof fetch;
  port?: number;
  host?: string;
}

interface Session {
  csrf: string;
  pending?: { verifier: string; state: string; nonce: string };
  tokens?: { access: string; refresh?: string; idToken?: string; claims: Record<string, unknown> };
  apiResult?: string;
  refreshedAt?: number;
}

const COOKIE = 'demo_app_session';
const SCOPE = 'openid profile email read';

/** What the request handlers share once the app is registered at the issuer. */
interface DemoApp {
  readonly config: oidc.Configuration;
  /** The app's own origin (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly resourceUrl: string;
  readonly fetch: typeof fetch;
}

/** The visitor's session, by cookie; a new one (and its cookie) when there is none. */
function sessionOf(
  sessions: Map<string, Session>,
  req: IncomingMessage,
  res: ServerResponse,
): Session {
  const id = /(?:^|;\s*)demo_app_session=([A-Za-z0-9_-]{20,})/.exec(req.headers.cookie ?? '')?.[1];
  const found = id !== undefined ? sessions.get(id) : undefined;
  if (found !== undefined) return found;
  const fresh = randomBytes(24).toString('base64url');
  const s: Session = { csrf: randomBytes(24).toString('base64url') };
  sessions.set(fresh, s);
  res.setHeader('set-cookie', `${COOKIE}=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
  return s;
}

/** `GET /callback`: exchange the code (PKCE, state, nonce checked by openid-client). */
async function callback(app: DemoApp, s: Session, u: URL, res: ServerResponse): Promise<void> {
  const pending = s.pending;
  s.pending = undefined;
  if (pending === undefined) return redirect(res, '/');
  try {
    const t = await oidc.authorizationCodeGrant(app.config, u, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    s.tokens = {
      access: t.access_token,
      ...(t.refresh_token !== undefined ? { refresh: t.refresh_token } : {}),
      ...(t.id_token !== undefined ? { idToken: t.id_token } : {}),
      claims: { ...(t.claims() ?? {}) },
    };
    s.apiResult = undefined;
  } catch (e) {
    return send(
      res,
      400,
      page('Sign-in failed', `<p role="alert">${esc(errorText(e))}</p><p><a href="/">Back</a></p>`),
    );
  }
  return redirect(res, '/');
}

/** `POST /login`: off to the issuer's authorization endpoint with PKCE S256, state and nonce. */
async function login(app: DemoApp, s: Session, res: ServerResponse): Promise<void> {
  const verifier = oidc.randomPKCECodeVerifier();
  const pending = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
  s.pending = pending;
  const to = oidc.buildAuthorizationUrl(app.config, {
    redirect_uri: `${app.url}/callback`,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  });
  return redirect(res, to.href);
}

/** `POST /call`: the resource server's `/hello` with the access token. */
async function callApi(app: DemoApp, s: Session, res: ServerResponse): Promise<void> {
  if (s.tokens === undefined) return redirect(res, '/');
  const r = await app.fetch(`${app.resourceUrl}/hello`, {
    headers: { authorization: `Bearer ${s.tokens.access}` },
  });
  s.apiResult = `${r.status} ${await r.text()}`;
  return redirect(res, '/');
}

/** `POST /refresh`: rotate the refresh token; a failure is shown, the session kept. */
async function refresh(app: DemoApp, s: Session, res: ServerResponse): Promise<void> {
  if (s.tokens?.refresh === undefined) return redirect(res, '/');
  try {
    const t = await oidc.refreshTokenGrant(app.config, s.tokens.refresh);
    s.tokens = {
      ...s.tokens,
      access: t.access_token,
      ...(t.refresh_token !== undefined ? { refresh: t.refresh_token } : {}),
    };
    s.refreshedAt = Date.now();
  } catch (e) {
    s.apiResult = `refresh failed: ${errorText(e)}`;
  }
  return redirect(res, '/');
}

/** `POST /logout`: forget the tokens, then RP-initiated logout at the issuer. */
function logout(app: DemoApp, s: Session, res: ServerResponse): void {
  const idToken = s.tokens?.idToken;
  s.tokens = undefined;
  s.apiResult = undefined;
  s.refreshedAt = undefined;
  if (idToken === undefined) return redirect(res, '/');
  const endSession = app.config.serverMetadata().end_session_endpoint;
  if (endSession === undefined) return redirect(res, '/');
  // RP-initiated logout by POST (OIDC RP-Initiated Logout 1.0 §2 allows GET and POST):
  // the ID token goes in the body, never in a URL that logs and Referer headers keep.
  return send(
    res,
    200,
    page(
      'Signing out',
      `<form id="rp-logout" method="post" action="${esc(endSession)}"><input type="hidden" name="id_token_hint" value="${esc(idToken)}"><input type="hidden" name="post_logout_redirect_uri" value="${esc(`${app.url}/`)}"><button type="submit">Continue signing out</button></form><script>${AUTO_SUBMIT}</script>`,
    ),
  );
}

const POST_ROUTES: Record<string, (app: DemoApp, s: Session, res: ServerResponse) => unknown> = {
  '/login': login,
  '/call': callApi,
  '/refresh': refresh,
  '/logout': logout,
};

/** One request: the home page, the callback, or a form post (CSRF token checked first). */
async function handle(
  app: DemoApp | undefined,
  s: Session,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (app === undefined) return send(res, 503, page('Starting', '<p>Starting…</p>'));
  const u = new URL(req.url ?? '/', app.url);
  if (req.method === 'GET' && u.pathname === '/') return send(res, 200, home(s));
  if (req.method === 'GET' && u.pathname === '/callback') return callback(app, s, u, res);
  if (req.method !== 'POST') return send(res, 404, page('Not found', '<p>Not found.</p>'));
  const body = new URLSearchParams(await readBody(req));
  if (body.get('csrf') !== s.csrf) return send(res, 403, page('Refused', '<p>Bad form token.</p>'));
  const route = Object.hasOwn(POST_ROUTES, u.pathname) ? POST_ROUTES[u.pathname] : undefined;
  if (route !== undefined) return void (await route(app, s, res));
  return send(res, 404, page('Not found', '<p>Not found.</p>'));
}

/**
 * Register the app at the issuer with private_key_jwt (RFC 7523 §2.2): a fresh key per start;
 * only signed, single-use assertions reach the token endpoint, never a reusable secret.
 */
async function registerClient(o: DemoWebAppOptions, url: string): Promise<oidc.Configuration> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(8).toString('base64url');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
  const { clientId } = await o.register(url, { keys: [jwk] });
  const signingKey = await crypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ format: 'der', type: 'pkcs8' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const config = await oidc.discovery(
    new URL(o.issuer),
    clientId,
    { id_token_signed_response_alg: 'RS256' },
    oidc.PrivateKeyJwt({ key: signingKey, kid }),
    {
      execute: [oidc.allowInsecureRequests],
      ...(o.fetch !== undefined ? { [oidc.customFetch]: o.fetch as oidc.CustomFetch } : {}),
    },
  );
  if (o.fetch !== undefined) config[oidc.customFetch] = o.fetch as oidc.CustomFetch;
  return config;
}

export async function startDemoWebApp(o: DemoWebAppOptions): Promise<DemoWebApp> {
  const host = o.host ?? '127.0.0.1';
  const sessions = new Map<string, Session>();
  let app: DemoApp | undefined;
  const server: Server = createServer((req, res) => {
    handle(app, sessionOf(sessions, req, res), req, res).catch((e: unknown) => {
      if (!res.headersSent)
        send(res, 500, page('Error', `<p role="alert">${esc(errorText(e))}</p>`));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, resolve);
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  try {
    const config = await registerClient(o, url);
    app = { config, url, resourceUrl: o.resourceUrl, fetch: o.fetch ?? fetch };
  } catch (e) {
    await close();
    throw e;
  }
  return { url, close };
}

function home(s: Session): string {
  const form = (action: string, label: string) =>
    `<form method="post" action="${action}"><input type="hidden" name="csrf" value="${esc(s.csrf)}"><button type="submit">${label}</button></form>`;
  if (s.tokens === undefined)
    return page(
      'Demo web app',
      `<p>Not signed in. Signing in sends you to the issuer's login page: this app never sees your password.</p>${form('/login', 'Sign in')}`,
    );
  return page(
    'Demo web app',
    `<p id="signed-in">Signed in as <strong>${esc(String(s.tokens.claims['sub'] ?? ''))}</strong>.</p>
<h2>ID token claims</h2>
<pre id="claims">${esc(JSON.stringify(s.tokens.claims, null, 2))}</pre>
${form('/call', 'Call the resource server')}
${s.apiResult !== undefined ? `<h2>Resource server answered</h2><pre id="api-result">${esc(s.apiResult)}</pre>` : ''}
${form('/refresh', 'Refresh the tokens')}
${s.refreshedAt !== undefined ? `<p id="refreshed">Tokens refreshed at ${new Date(s.refreshedAt).toISOString()}.</p>` : ''}
${form('/logout', 'Sign out')}`,
  );
}

// The logout form submits itself; the CSP allows exactly this script by its hash.
const AUTO_SUBMIT = "document.getElementById('rp-logout').submit();";
const AUTO_SUBMIT_HASH = `'sha256-${createHash('sha256').update(AUTO_SUBMIT).digest('base64')}'`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; script-src ${AUTO_SUBMIT_HASH}; form-action 'self' http://127.0.0.1:*; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

function redirect(res: ServerResponse, to: string): void {
  res.writeHead(303, { location: to, 'cache-control': 'no-store' });
  res.end();
}

async function readBody(req: IncomingMessage): Promise<string> {
  let out = '';
  for await (const chunk of req) {
    out += String(chunk);
    if (out.length > 10_000) throw demoError('form too large');
  }
  return out;
}

/** An error's message and OAuth code, never a token. */
function errorText(e: unknown): string {
  if (e instanceof oidc.ResponseBodyError) return `${e.error}: ${e.error_description ?? ''}`;
  return e instanceof Error ? e.message : String(e);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
