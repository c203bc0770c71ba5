import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard, withGuard } from '@tessera/guard';

export interface DemoResourceServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface DemoResourceServerOptions {
  issuer: string;
  audience: string;
  port?: number;
  host?: string;
  /** Revocation-feed poll period in ms (default 5 s). */
  revocationPollMs?: number;
}

/**
 * The demo's resource server (`tessera serve --demo`), built on @tessera/guard: it discovers the issuer's `jwks_uri`,
 * verifies access tokens with the published public keys alone, applies the signed revocation
 * feed locally, and never calls the issuer per request. Plain http is allowed only because the
 * demo runs on loopback.
 */
export async function startDemoResourceServer(
  o: DemoResourceServerOptions,
): Promise<DemoResourceServer> {
  const guard = createGuard({
    issuer: o.issuer,
    audience: o.audience,
    allowHttpLoopback: true,
    realm: 'demo',
    revocation: { intervalMs: o.revocationPollMs ?? 5000 },
  });
  // Discovery, keys and the first feed now, so the first request is already local.
  await guard.ready().catch(() => {});
  const handler = withGuard(guard, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(
      JSON.stringify({
        message: `hello ${req.auth.subject}`,
        path: req.url,
        scope: req.auth.scopes.join(' '),
        client_id: req.auth.clientId,
        verifiedWith: 'JWKS only',
      }),
    );
  });
  const server: Server = createServer(handler);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
    });
  } catch (e) {
    guard.close();
    throw e;
  }
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${addr.port}`,
    close: async () => {
      guard.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
