import { createHash } from 'node:crypto';
import type { IssuerContext } from './context.js';

/** How long a fetched feed may be trusted by a poller (its `exp`). */
export const FEED_LIFETIME_SECONDS = 300;
/** Longest a node serves its cached list without reading the database (other nodes' revocations). */
export const FEED_RECHECK_MS = 1000;

/** One signed feed as served: the compact JWT, its strong ETag, what it was built from. */
export interface SignedFeed {
  readonly body: string;
  readonly etag: string;
  /** The revoked entries as JSON: an unchanged list keeps the same signed body. */
  readonly listJson: string;
  readonly kid: string;
  readonly iat: number;
  checkedAtMs: number;
}

/**
 * The signed revocation feed, built once per change instead of once per poll. The list is read
 * from the database at most once per {@link FEED_RECHECK_MS} (and at once after a revocation made
 * through this node's store); it is signed again only when the list or the active key changed,
 * or when the signed copy has used half its lifetime. Every poller in between gets the same
 * bytes and the same `ETag`, so a conditional request is a 304 without a query or a signature:
 * the cost no longer grows with the number of pollers or the size of the list.
 */
export class RevocationFeed {
  private current: SignedFeed | undefined;
  private building: Promise<SignedFeed> | undefined;
  private changes = 0;
  /** The value of `changes` the current feed was built (or re-checked) after. */
  private seen = -1;

  constructor(private readonly ctx: IssuerContext) {
    ctx.store.onRevocationsChanged(() => {
      this.changes++;
    });
  }

  /** The feed to serve now. */
  async get(): Promise<SignedFeed> {
    const c = this.current;
    const nowMs = this.ctx.config.now();
    if (
      c !== undefined &&
      c.kid === this.ctx.keys.current.activeKid &&
      nowMs - c.checkedAtMs < FEED_RECHECK_MS &&
      this.seen === this.changes
    )
      return c;
    this.building ??= this.build().finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  private async build(): Promise<SignedFeed> {
    const changes = this.changes;
    const nowMs = this.ctx.config.now();
    const now = Math.floor(nowMs / 1000);
    const rows = await this.ctx.store.listRevocations(now);
    const revoked = rows.map((r) =>
      r.kind === 'jti' ? { jti: r.value, exp: r.expires_at } : { sid: r.value, exp: r.expires_at },
    );
    const listJson = JSON.stringify(revoked);
    const ring = this.ctx.keys.current;
    const c = this.current;
    if (
      c !== undefined &&
      c.listJson === listJson &&
      c.kid === ring.activeKid &&
      now - c.iat < FEED_LIFETIME_SECONDS / 2
    ) {
      c.checkedAtMs = nowMs;
      this.seen = changes;
      return c;
    }
    const body = ring.signRevocationFeed({ iat: now, exp: now + FEED_LIFETIME_SECONDS, revoked });
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const next: SignedFeed = {
      body,
      etag,
      listJson,
      kid: ring.activeKid,
      iat: now,
      checkedAtMs: nowMs,
    };
    this.current = next;
    this.seen = changes;
    return next;
  }
}
