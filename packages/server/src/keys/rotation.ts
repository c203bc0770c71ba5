import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import {
  createLocalKeySet,
  createSigner,
  type Jwk,
  type JwtPayload,
  type KeySet,
} from '@tessera/jose';
import type { ServerConfig, SigningAlg } from '../config.js';
import type { Audit } from '../audit.js';
import type { SigningKeyRow, Store } from '../stores/store.js';
import type { Kek } from './kek.js';
import {
  createSigningKeyRow,
  openPrivateKey,
  planRotation,
  publishedJwks,
  type KeyPurpose,
} from './lifecycle.js';

/** The keys in use on this node, rebuilt whenever the stored keys change. */
export interface KeyRing {
  readonly activeKid: string;
  /** When the active key started signing (seconds since the epoch). */
  readonly activatedAt: number;
  readonly alg: SigningAlg;
  /** Sign an RFC 9068 access token (`typ: at+jwt`) with the active key. */
  readonly signAccessToken: (claims: JwtPayload) => string;
  /** Sign the revocation feed (`typ: revocation+jwt`) with the active key. */
  readonly signRevocationFeed: (claims: JwtPayload) => string;
  /** Sign an ID token (`typ: JWT`, OIDC Core §2) or logout token (`typ: logout+jwt`). */
  readonly signIdToken: (claims: JwtPayload) => string;
  readonly signLogoutToken: (claims: JwtPayload) => string;
  readonly jwks: { readonly keys: readonly Jwk[] };
  readonly jwksJson: string;
  readonly etag: string;
  /** Published public keys, to verify tokens this issuer signed (introspection, revocation). */
  readonly keySet: KeySet;
  readonly algorithms: readonly SigningAlg[];
}

const LEASE = 'key-rotation';

/** Which keys a manager drives: its purpose, algorithm and lease (one rotating node per purpose). */
export interface KeyManagerOptions {
  readonly purpose: KeyPurpose;
  readonly alg: SigningAlg;
}
const LEASE_TTL_MS = 30_000;

/**
 * Drives the key lifecycle for one node: takes the rotation lease (so one node rotates at a
 * time), applies `planRotation`, and reloads the ring from the store.
 */
export class KeyManager {
  private ring: KeyRing | undefined;
  private fingerprint = '';
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 30_000;
  readonly nodeId = randomUUID();

  constructor(
    private readonly store: Store,
    private readonly kek: Kek,
    private readonly config: ServerConfig,
    private readonly audit: Audit,
    private readonly options: KeyManagerOptions = { purpose: 'access', alg: config.alg },
  ) {}

  private get lease(): string {
    return this.options.purpose === 'access' ? LEASE : `${LEASE}:${this.options.purpose}`;
  }

  get current(): KeyRing {
    if (this.ring === undefined) throw new Error('keys are not loaded');
    return this.ring;
  }

  /** Rotate if due (when this node holds the lease), then reload. */
  async tick(): Promise<void> {
    const nowMs = this.config.now();
    const now = Math.floor(nowMs / 1000);
    if (await this.store.acquireLease(this.lease, this.nodeId, LEASE_TTL_MS, nowMs)) {
      const rows = (await this.store.listSigningKeys()).filter(
        (r) => r.purpose === this.options.purpose,
      );
      const policy = {
        ...this.config,
        alg: this.options.alg,
        reloadLag: Math.ceil(this.intervalMs / 1000),
      };
      for (const a of planRotation(rows, now, policy)) {
        if (a.type === 'create') {
          const row = createSigningKeyRow(
            this.options.alg,
            this.kek,
            now,
            a.state,
            this.options.purpose,
          );
          await this.store.insertSigningKey(row);
          await this.audit.record({
            type: 'key.created',
            detail: { kid: row.kid, alg: row.alg, state: a.state, purpose: row.purpose },
          });
        } else if (
          await this.store.transitionSigningKey(a.kid, a.from, a.to, now, a.to === 'retired')
        ) {
          await this.audit.record({
            type: `key.${a.to === 'active' ? 'activated' : a.to}`,
            detail: { kid: a.kid },
          });
        }
      }
    }
    await this.reload();
  }

  /** Load keys until an active one exists (another node may be creating it). */
  async start(intervalMs = 30_000): Promise<void> {
    this.intervalMs = intervalMs;
    for (let i = 0; i < 50; i++) {
      await this.tick();
      if (this.ring !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.ring === undefined) throw new Error('no active signing key could be loaded');
    this.timer = setInterval(() => {
      this.tick().catch(() => {
        // A failed tick (database down) keeps the current ring; the next tick retries.
      });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Give up the rotation lease if this node holds it, so another node may rotate at once. */
  async releaseLease(): Promise<void> {
    await this.store.releaseLease(this.lease, this.nodeId);
  }

  async reload(): Promise<void> {
    const rows = await this.store.listSigningKeys();
    const fp = rows.map((r) => `${r.kid}:${r.state}`).join(',');
    if (fp === this.fingerprint && this.ring !== undefined) return;
    const active = rows
      .filter((r) => r.state === 'active' && r.purpose === this.options.purpose)
      .sort((a, b) => (b.activated_at ?? 0) - (a.activated_at ?? 0))[0];
    if (active === undefined) return;
    this.ring = buildRing(active, openPrivateKey(active, this.kek), rows, this.config);
    this.fingerprint = fp;
  }
}

function buildRing(
  active: SigningKeyRow,
  privateKey: KeyObject,
  rows: readonly SigningKeyRow[],
  config: ServerConfig,
): KeyRing {
  const alg = active.alg as SigningAlg;
  const jwks = publishedJwks(rows);
  const jwksJson = JSON.stringify(jwks);
  const algorithms = [...new Set(jwks.keys.map((k) => k.alg as SigningAlg))];
  const base = { key: privateKey, alg, kid: active.kid, issuer: config.issuer } as const;
  return Object.freeze({
    activeKid: active.kid,
    activatedAt: active.activated_at ?? active.created_at,
    alg,
    signAccessToken: createSigner({ ...base, typ: 'at+jwt' }),
    signRevocationFeed: createSigner({ ...base, typ: 'revocation+jwt' }),
    signIdToken: createSigner({ ...base, typ: 'JWT' }),
    signLogoutToken: createSigner({ ...base, typ: 'logout+jwt' }),
    jwks,
    jwksJson,
    etag: `"${createHash('sha256').update(jwksJson).digest('base64url').slice(0, 27)}"`,
    keySet: createLocalKeySet(jwks),
    algorithms,
  });
}
