/**
 * Replay defence for DPoP proofs (RFC 9449 §11.1) at resource servers. By default each guard
 * keeps a bounded set of the proofs it saw within the proof window: nothing is shared and no one
 * is called. With a Redis URL, proofs are also recorded there (SET NX PX, atomic), so a proof
 * replayed to another instance is refused too; when Redis cannot be reached the guard goes on
 * with its local window and says so once.
 */
import { feedError } from './errors.js';

/**
 * The local window: proof ids until their expiry, oldest first, at most `max` of them.
 *
 * Arrival order is kept in a queue (ids and expiries in two arrays read from a head index) and
 * the map holds each live id's absolute position in it, so dropping the oldest entries costs O(1)
 * each. Walking a `Map` from its front instead is O(deleted entries) in V8, whose deleted slots
 * stay until the table is rebuilt: at thousands of proofs a second that walk dominated the DPoP
 * route. A queue slot whose id the map no longer points at (dropped, or recorded again later) is
 * stale and skipped.
 */
export class LocalReplayWindow {
  /** id → absolute queue position of its live record. */
  private readonly seen = new Map<string, number>();
  private ids: string[] = [];
  private exps: number[] = [];
  /** First unread slot of `ids`/`exps`. */
  private head = 0;
  /** Absolute position of `ids[0]` (grows when the read part is cut off). */
  private base = 0;
  /** Entries evicted before their expiry because the window was full (for monitoring). */
  evicted = 0;
  constructor(private readonly max: number) {}

  /** Record `id` until `expiresAtMs`; false when it is already there (a replay). */
  add(id: string, expiresAtMs: number, nowMs: number): boolean {
    const seen = this.seen;
    const pos = seen.get(id);
    if (pos !== undefined) {
      if (this.exps[pos - this.base]! > nowMs) return false;
      seen.delete(id);
    }
    // Proofs arrive roughly in expiry order (iat ≈ now): expired ones sit at the front.
    const { ids, exps, base } = this;
    let head = this.head;
    while (head < ids.length) {
      const k = ids[head]!;
      if (seen.get(k) === base + head) {
        const exp = exps[head]!;
        if (exp > nowMs && seen.size < this.max) break;
        seen.delete(k);
        if (exp > nowMs) this.evicted++;
      }
      head++;
    }
    if (head > 1024 && head * 2 > ids.length) {
      this.ids = ids.slice(head);
      this.exps = exps.slice(head);
      this.base += head;
      head = 0;
    }
    this.head = head;
    seen.set(id, this.base + this.ids.length);
    this.ids.push(id);
    this.exps.push(expiresAtMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

/** A shared record of proof ids. `add` resolves false for a replay and rejects when unavailable. */
export interface SharedReplayStore {
  add(id: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisReplayOptions {
  /** `redis://…` or `rediss://…`. */
  url: string;
  /** Prefix of every key (default `tessera:dpop:`). */
  keyPrefix?: string;
  /** How long one SET may take before the local window decides alone (default 250 ms). */
  timeoutMs?: number;
}

interface MinimalRedis {
  connect(): Promise<unknown>;
  set(key: string, value: string, options: object): Promise<string | null>;
  on(event: 'error', fn: (e: unknown) => void): unknown;
  destroy?(): void;
  disconnect?(): Promise<void>;
  quit?(): Promise<unknown>;
  isReady: boolean;
}

/**
 * A {@link SharedReplayStore} on Redis (the `redis` package, loaded only when configured):
 * `SET <prefix><id> 1 NX PX <ttl>`. Commands fail at once while disconnected (no offline queue)
 * and the client reconnects in the background.
 */
export async function createRedisReplayStore(o: RedisReplayOptions): Promise<SharedReplayStore> {
  const { createClient } = await import('redis');
  const prefix = o.keyPrefix ?? 'tessera:dpop:';
  const timeoutMs = o.timeoutMs ?? 250;
  const client = createClient({
    url: o.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000),
    },
  }) as unknown as MinimalRedis;
  // Without a listener an 'error' event would end the process; the guard reports via add().
  client.on('error', () => undefined);
  // The first requests wait (within the timeout) for the first connection; later outages fail fast.
  let firstConnect: Promise<unknown> | undefined = client
    .connect()
    .catch(() => undefined)
    .finally(() => {
      firstConnect = undefined;
    });
  return {
    async add(id, ttlMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              feedError(
                'ERR_DPOP_REPLAY_STORE_UNAVAILABLE',
                'the DPoP replay store (Redis) timed out',
              ),
            ),
          timeoutMs,
        );
      });
      try {
        if (!client.isReady && firstConnect !== undefined)
          await Promise.race([firstConnect, timeout]);
        if (!client.isReady)
          throw feedError(
            'ERR_DPOP_REPLAY_STORE_UNAVAILABLE',
            'the DPoP replay store (Redis) is not connected',
          );
        const r = await Promise.race([
          client.set(`${prefix}${id}`, '1', {
            condition: 'NX',
            expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
          }),
          timeout,
        ]);
        return r === 'OK';
      } finally {
        clearTimeout(timer);
        timeout.catch(() => undefined);
      }
    },
    async close() {
      try {
        if (client.destroy !== undefined) client.destroy();
        else await client.disconnect?.();
      } catch {
        // Already closed.
      }
    },
  };
}
