/**
 * A small issuer for tests: real node:http on 127.0.0.1 port 0 serving RFC 8414 metadata, a JWKS
 * (Cache-Control, ETag/304) and the signed revocation feed, with switches for the failure modes
 * the guard must survive (down, slow, redirecting, oversized).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import { exportJwk, generateKeyPair, signJwt, type Jwk, type JwtPayload } from '@tessera/jose';

export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export type IssuerMode = 'ok' | 'down' | 'slow' | 'redirect' | 'oversized' | 'error' | 'missing';

export interface TestIssuer {
  readonly url: string;
  readonly hits: Map<string, number>;
  /** Keys in the JWKS (published), the first of which signs by default. */
  published: SigningKey[];
  /** Which endpoint misbehaves and how. */
  mode: Partial<Record<'metadata' | 'openid' | 'jwks' | 'revocations', IssuerMode>>;
  /** Extra or replaced metadata members. */
  metadata: Record<string, unknown>;
  /** Revoked entries served in the feed. */
  revoked: { jti?: string; sid?: string; exp: number }[];
  /** Whether the feed is signed with a published key (false: a stranger's key). */
  feedSignedByStranger: boolean;
  /** The feed's `exp - iat` in seconds (default 60). */
  feedLifetimeSeconds: number;
  /** Delay before the feed answers, in ms (default 0). */
  feedDelayMs: number;
  /** When set, the feed's `iat` (seconds): the same bytes on every poll, so the ETag matches. */
  feedIssuedAt: number | undefined;
  newKey(alg: 'ES256' | 'EdDSA', kid?: string): SigningKey;
  /** Mint an RFC 9068 access token; `claims` override the defaults (undefined deletes). */
  mint(
    claims?: Record<string, unknown>,
    options?: { key?: SigningKey; typ?: string | false; kid?: string },
  ): string;
  hitsOf(path: string): number;
  close(): Promise<void>;
}

export const AUDIENCE = 'https://api.test';

const keyCache = new Map<string, SigningKey>();

export async function startIssuer(): Promise<TestIssuer> {
  const stranger = generateKeyPair('EdDSA');
  const timers = new Set<NodeJS.Timeout>();
  const iss: TestIssuer = {
    url: '',
    hits: new Map(),
    published: [],
    mode: {},
    metadata: {},
    revoked: [],
    feedSignedByStranger: false,
    feedLifetimeSeconds: 60,
    feedDelayMs: 0,
    feedIssuedAt: undefined,
    newKey(alg, kid) {
      const id = kid ?? `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
      const cached = keyCache.get(`${alg}:${id}`);
      if (cached !== undefined) return cached;
      const k = { kid: id, alg, ...generateKeyPair(alg) };
      keyCache.set(`${alg}:${id}`, k);
      return k;
    },
    mint(claims = {}, options = {}) {
      const key = options.key ?? iss.published[0]!;
      const now = Math.floor(Date.now() / 1000);
      const base: Record<string, unknown> = {
        iss: iss.url,
        sub: 'user-1',
        aud: AUDIENCE,
        iat: now,
        exp: now + 600,
        jti: randomUUID(),
        client_id: 'client-1',
        scope: 'orders:read profile',
        sid: 'session-1',
      };
      for (const [k, v] of Object.entries(claims)) {
        if (v === undefined) delete base[k];
        else base[k] = v;
      }
      return signJwt(base as JwtPayload, key.privateKey, {
        alg: key.alg,
        kid: options.kid ?? key.kid,
        typ: options.typ === undefined ? 'at+jwt' : options.typ,
        issuedAt: false,
      });
    },
    hitsOf: (path) => iss.hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  iss.published = [iss.newKey('EdDSA', 'ed-1'), iss.newKey('ES256', 'es-1')];

  const misbehave = (mode: IssuerMode | undefined, res: ServerResponse): boolean => {
    switch (mode) {
      case undefined:
      case 'ok':
        return false;
      case 'down':
        res.socket?.destroy();
        return true;
      case 'error':
        res.writeHead(503).end();
        return true;
      case 'missing':
        res.writeHead(404).end();
        return true;
      case 'slow': {
        const t = setTimeout(() => res.end('{}'), 10_000);
        timers.add(t);
        return true;
      }
      case 'redirect':
        res.writeHead(302, { location: `${iss.url}/elsewhere` }).end();
        return true;
      case 'oversized':
        res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(2 * 1024 * 1024) }));
        return true;
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    // The browser leg of the runtime matrix fetches from a page on another 127.0.0.1 port.
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-headers': 'if-none-match, accept' }).end();
      return;
    }
    iss.hits.set(path, (iss.hits.get(path) ?? 0) + 1);
    if (
      path === '/.well-known/oauth-authorization-server' ||
      path === '/.well-known/openid-configuration'
    ) {
      const oidc = path.endsWith('openid-configuration');
      if (misbehave(oidc ? (iss.mode.openid ?? 'missing') : iss.mode.metadata, res)) return;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer: iss.url,
          jwks_uri: `${iss.url}/jwks`,
          token_endpoint: `${iss.url}/token`,
          revocation_feed_uri: `${iss.url}/revocations`,
          ...iss.metadata,
        }),
      );
    } else if (path === '/jwks') {
      if (misbehave(iss.mode.jwks, res)) return;
      const body = JSON.stringify({
        keys: iss.published.map((k): Jwk => ({
          ...exportJwk(k.publicKey),
          kid: k.kid,
          alg: k.alg,
          use: 'sig',
        })),
      });
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"`;
      res.setHeader('cache-control', 'public, max-age=300');
      res.setHeader('etag', etag);
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304).end();
        return;
      }
      res.setHeader('content-type', 'application/jwk-set+json');
      res.end(body);
    } else if (path === '/revocations') {
      if (misbehave(iss.mode.revocations, res)) return;
      if (iss.feedDelayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          serveFeed(req, res);
        }, iss.feedDelayMs);
        timers.add(t);
        return;
      }
      serveFeed(req, res);
    } else {
      res.writeHead(404).end();
    }
  };
  const serveFeed = (req: IncomingMessage, res: ServerResponse) => {
    const now = iss.feedIssuedAt ?? Math.floor(Date.now() / 1000);
    const key = iss.published[0]!;
    const feed = signJwt(
      { iss: iss.url, iat: now, exp: now + iss.feedLifetimeSeconds, revoked: iss.revoked },
      iss.feedSignedByStranger ? stranger.privateKey : key.privateKey,
      {
        alg: iss.feedSignedByStranger ? 'EdDSA' : key.alg,
        kid: key.kid,
        typ: 'revocation+jwt',
        issuedAt: false,
      },
    );
    // Like the issuer: a strong ETag over the signed bytes, 304 to a matching If-None-Match.
    const etag = `"${createHash('sha256').update(feed).digest('base64url').slice(0, 20)}"`;
    res.setHeader('etag', etag);
    if (req.headers['if-none-match'] === etag) {
      iss.hits.set('/revocations#304', (iss.hits.get('/revocations#304') ?? 0) + 1);
      res.writeHead(304).end();
      return;
    }
    res.setHeader('content-type', 'application/jwt');
    res.setHeader('cache-control', 'no-store');
    res.end(feed);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (iss as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return iss;
}
