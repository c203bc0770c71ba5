import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalKeySet, verifyJwt, type JwsAlg, type KeySet } from '@tessera/jose';

export interface DemoResourceServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface DemoResourceServerOptions {
  issuer: string;
  audience: string;
  port?: number;
  host?: string;
  /** JWKS refresh period in ms (default 60 s); an unknown `kid` triggers a refetch at most every 10 s. */
  jwksRefreshMs?: number;
  /** Revocation-feed poll period in ms (default 5 s). */
  revocationPollMs?: number;
}

const ALGS: JwsAlg[] = ['EdDSA', 'ES256', 'RS256'];

/**
 * The demo's resource server: it verifies access tokens with the issuer's published keys alone
 * (fetched from /jwks, refreshed periodically) and applies the signed revocation feed locally.
 * It never calls the issuer per request.
 */
export async function startDemoResourceServer(
  o: DemoResourceServerOptions,
): Promise<DemoResourceServer> {
  let keys: KeySet | undefined;
  let lastFetch = 0;
  let revokedJti = new Set<string>();
  let revokedSid = new Set<string>();
  const fetchKeys = async () => {
    lastFetch = Date.now();
    const res = await fetch(`${o.issuer}/jwks`, {
      signal: AbortSignal.timeout(3000),
      redirect: 'error',
    });
    if (res.ok) keys = createLocalKeySet((await res.json()) as { keys: [] });
  };
  const pollRevocations = async () => {
    if (keys === undefined) return;
    const res = await fetch(`${o.issuer}/revocations`, {
      signal: AbortSignal.timeout(3000),
      redirect: 'error',
    });
    if (!res.ok) return;
    const { payload } = verifyJwt<{ revoked: { jti?: string; sid?: string }[] }>(
      await res.text(),
      keys,
      {
        algorithms: ALGS,
        issuer: o.issuer,
        typ: 'revocation+jwt',
        requiredClaims: ['exp', 'iat'],
      },
    );
    revokedJti = new Set(
      payload.revoked.flatMap((e) => (typeof e.jti === 'string' ? [e.jti] : [])),
    );
    revokedSid = new Set(
      payload.revoked.flatMap((e) => (typeof e.sid === 'string' ? [e.sid] : [])),
    );
  };
  await fetchKeys().catch(() => {});
  await pollRevocations().catch(() => {});
  const t1 = setInterval(() => void fetchKeys().catch(() => {}), o.jwksRefreshMs ?? 60_000);
  const t2 = setInterval(() => void pollRevocations().catch(() => {}), o.revocationPollMs ?? 5000);
  t1.unref();
  t2.unref();

  const verify = async (token: string) => {
    const opts = {
      algorithms: ALGS,
      issuer: o.issuer,
      audience: o.audience,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
    };
    if (keys === undefined) await fetchKeys();
    try {
      return verifyJwt(token, keys!, opts).payload;
    } catch (e) {
      // A key published after our last fetch: refetch once, rate-limited.
      if (
        (e as { code?: string }).code === 'ERR_KEY_NOT_FOUND' &&
        Date.now() - lastFetch > 10_000
      ) {
        await fetchKeys();
        return verifyJwt(token, keys!, opts).payload;
      }
      throw e;
    }
  };

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(auth);
    if (m === null)
      return send(401, { error: 'invalid_request' }, { 'www-authenticate': 'Bearer realm="demo"' });
    verify(m[1]!).then(
      (claims) => {
        if (
          revokedJti.has(String(claims.jti)) ||
          (typeof claims['sid'] === 'string' && revokedSid.has(claims['sid']))
        ) {
          return send(
            401,
            { error: 'invalid_token', error_description: 'the token was revoked' },
            { 'www-authenticate': 'Bearer error="invalid_token"' },
          );
        }
        send(200, {
          message: `hello ${claims.sub}`,
          path: req.url,
          scope: claims['scope'] ?? '',
          client_id: claims['client_id'],
          verifiedWith: 'JWKS only',
        });
      },
      (e: unknown) => {
        const code = (e as { code?: string }).code ?? 'invalid';
        send(
          401,
          { error: 'invalid_token', error_description: code },
          { 'www-authenticate': 'Bearer error="invalid_token"' },
        );
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
    });
  } catch (e) {
    clearInterval(t1);
    clearInterval(t2);
    throw e;
  }
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${addr.port}`,
    close: async () => {
      clearInterval(t1);
      clearInterval(t2);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
