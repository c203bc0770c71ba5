import { JoseError, type JwtPayload, type JwtVerifyResult } from '@tessera/jose';
import { fetchBounded, type BoundedFetchOptions } from '@tessera/jose/internal';

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
   * Apply a verified feed's claims. Throws ERR_JWT_CLAIM_INVALID for a malformed feed (nothing
   * applied) and ignores a feed older than the last one applied (a replayed snapshot).
   */
  apply(claims: JwtPayload, nowSeconds: number): boolean {
    const revoked = claims['revoked'];
    if (!Array.isArray(revoked))
      throw new JoseError('ERR_JWT_CLAIM_INVALID', 'the feed "revoked" claim must be an array');
    const entries: RevocationEntry[] = [];
    for (const e of revoked) {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) {
        throw new JoseError('ERR_JWT_CLAIM_INVALID', 'a feed entry must be an object');
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
      if (!ok) throw new JoseError('ERR_JWT_CLAIM_INVALID', 'a feed entry is malformed');
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

export interface RevocationPollerOptions {
  url: URL;
  intervalMs: number;
  /** Spread each interval by up to ± this fraction (default 0). */
  jitter?: number;
  fetch: BoundedFetchOptions;
  /** Verifies the feed JWT (typ, iss, signature with the issuer's key set). */
  verify: (token: string) => Promise<JwtVerifyResult>;
  list: RevocationList;
  onError?: (error: unknown) => void;
}

/** A running poller: `poll()` fetches now; `stop()` ends the timer. */
export interface RevocationPoller {
  poll(): Promise<void>;
  stop(): void;
  readonly lastError: unknown;
}

/**
 * Poll the feed every `intervalMs` (the timer is unref'd, so it never keeps a process alive).
 * A failed poll keeps the current list; the next poll tries again.
 */
export function startRevocationPolling(o: RevocationPollerOptions): RevocationPoller {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let lastError: unknown;
  let inflight: Promise<void> | undefined;

  let etag: string | undefined;

  async function once(): Promise<void> {
    // A conditional request (RFC 9110 §13.1.2): an unchanged feed costs the issuer a 304.
    const headers: Record<string, string> = { accept: 'application/jwt' };
    if (etag !== undefined && o.list.updatedAt !== undefined) headers['if-none-match'] = etag;
    const res = await fetchBounded(o.url, { ...o.fetch, headers });
    if (res.status === 304 && headers['if-none-match'] !== undefined) {
      o.list.touch();
      return;
    }
    if (res.status !== 200)
      throw new JoseError('ERR_JWKS_FETCH_FAILED', `the revocation feed answered ${res.status}`);
    const token = new TextDecoder('utf-8', { fatal: true }).decode(res.body).trim();
    const { payload } = await o.verify(token);
    o.list.apply(payload, Date.now() / 1000);
    etag = res.headers.get('etag') ?? undefined;
  }

  const poll = (): Promise<void> => {
    inflight ??= once()
      .then(() => {
        lastError = undefined;
      })
      .catch((e: unknown) => {
        lastError = e;
        o.onError?.(e);
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  const schedule = () => {
    if (stopped) return;
    const j = o.jitter ?? 0;
    timer = setTimeout(
      () => {
        void poll().finally(schedule);
      },
      Math.round(o.intervalMs * (1 + (Math.random() * 2 - 1) * j)),
    );
    // Node.js, Bun, Deno: never keep a process alive; workers and browsers have no unref.
    (timer as { unref?: () => void }).unref?.();
  };
  schedule();
  return {
    poll,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
    get lastError() {
      return lastError;
    },
  };
}
