import type { JwtPayload } from '@tessera/jose';
import { feedError } from './errors.js';

/**
 * The signed revocation feed (Tessera's format; see the README):
 *
 * - served at the issuer's `revocation_feed_uri` (metadata) or `<issuer>/revocations`, as the
 *   compact JWT text (`Content-Type: application/jwt`);
 * - header `typ: revocation+jwt`, signed with a key of the issuer's JWKS;
 * - claims `{ iss, iat, exp, revoked: [{ jti?, sid?, exp }] }`: every entry names a `jti` or a
 *   `sid` (or both) and carries the `exp` of the last token it covers; an entry stays in the
 *   feed until then.
 */
export interface RevocationFeedClaims extends JwtPayload {
  iss: string;
  iat: number;
  exp: number;
  revoked: RevocationEntry[];
}

export interface RevocationEntry {
  jti?: string;
  sid?: string;
  /** Seconds since the epoch: after this no token the entry covers is valid anyway. */
  exp: number;
}

/** The header `typ` of a revocation feed. */
export const REVOCATION_FEED_TYP = 'revocation+jwt';

const MAX_ID_LENGTH = 256;

/**
 * Revoked `jti` and `sid` values, each with the time (seconds) after which it can be forgotten.
 * Entries accumulate across polls — a feed never un-revokes — and leave when they expire.
 */
export class RevocationList {
  readonly #jti = new Map<string, number>();
  readonly #sid = new Map<string, number>();
  #lastIat = -Infinity;
  #updatedAt: number | undefined;

  /** Epoch ms of the last feed applied. */
  get updatedAt(): number | undefined {
    return this.#updatedAt;
  }

  get size(): number {
    return this.#jti.size + this.#sid.size;
  }

  /**
   * Apply a verified feed's claims. Throws ERR_FEED_INVALID for a malformed feed (nothing
   * applied) and ignores a feed older than the last one applied (a replayed snapshot).
   */
  apply(claims: JwtPayload, nowSeconds: number): boolean {
    const revoked = claims['revoked'];
    if (!Array.isArray(revoked))
      throw feedError('ERR_FEED_INVALID', 'the feed "revoked" claim must be an array');
    const entries: RevocationEntry[] = [];
    for (const e of revoked) {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) {
        throw feedError('ERR_FEED_INVALID', 'a feed entry must be an object');
      }
      const { jti, sid, exp } = e as Record<string, unknown>;
      const ok =
        typeof exp === 'number' &&
        Number.isFinite(exp) &&
        (jti !== undefined || sid !== undefined) &&
        (jti === undefined ||
          (typeof jti === 'string' && jti.length > 0 && jti.length <= MAX_ID_LENGTH)) &&
        (sid === undefined ||
          (typeof sid === 'string' && sid.length > 0 && sid.length <= MAX_ID_LENGTH));
      if (!ok) throw feedError('ERR_FEED_INVALID', 'a feed entry is malformed');
      entries.push(e as RevocationEntry);
    }
    const iat = claims.iat as number;
    if (iat < this.#lastIat) return false;
    this.#lastIat = iat;
    for (const e of entries) {
      if (e.exp <= nowSeconds) continue;
      if (e.jti !== undefined) this.#jti.set(e.jti, Math.max(e.exp, this.#jti.get(e.jti) ?? 0));
      if (e.sid !== undefined) this.#sid.set(e.sid, Math.max(e.exp, this.#sid.get(e.sid) ?? 0));
    }
    this.prune(nowSeconds);
    this.#updatedAt = Date.now();
    return true;
  }

  /** The issuer confirmed the last feed is current (a 304): it counts as freshly applied. */
  touch(): void {
    if (this.#updatedAt !== undefined) this.#updatedAt = Date.now();
  }

  /** Forget entries whose tokens have all expired. */
  prune(nowSeconds: number): void {
    for (const m of [this.#jti, this.#sid])
      for (const [k, exp] of m) if (exp <= nowSeconds) m.delete(k);
  }

  /** True when the token's `jti` or `sid` is revoked. */
  isRevoked(claims: JwtPayload): boolean {
    if (this.#jti.size > 0 && typeof claims.jti === 'string' && this.#jti.has(claims.jti))
      return true;
    const sid = claims['sid'];
    return this.#sid.size > 0 && typeof sid === 'string' && this.#sid.has(sid);
  }
}
