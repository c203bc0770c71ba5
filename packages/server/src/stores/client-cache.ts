import type { ClientRow } from './store.js';

/** How long a cached client row is trusted before it is read again (milliseconds). */
export const CLIENT_CACHE_TTL_MS = 500;
const MAX_ENTRIES = 10_000;

interface Entry {
  readonly row: ClientRow | undefined;
  readonly at: number;
}

/**
 * Client rows in memory for at most {@link CLIENT_CACHE_TTL_MS}. Every request authenticates its
 * client; reading the row once per half second instead of once per request takes a query off
 * every grant. The bound holds across nodes and processes without any message between them: a
 * client disabled, or given a new secret, by any node or by the CLI is refused everywhere
 * within the TTL (well under 1 s). A change made through this store drops the entry at once.
 * Concurrent misses for one client share one query. Unknown ids are not remembered (junk ids
 * cannot fill the cache).
 */
export class ClientCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<ClientRow | undefined>>();
  private generation = 0;

  constructor(
    private readonly load: (id: string) => Promise<ClientRow | undefined>,
    private readonly ttlMs = CLIENT_CACHE_TTL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(id: string): Promise<ClientRow | undefined> {
    const hit = this.entries.get(id);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return Promise.resolve(hit.row);
    let p = this.pending.get(id);
    if (p === undefined) {
      const generation = this.generation;
      const at = this.now();
      p = this.load(id).then(
        (row) => {
          this.pending.delete(id);
          // A change made while the read was in flight may not be in what it returned.
          if (row !== undefined && generation === this.generation) {
            if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
            this.entries.set(id, { row: Object.freeze(row), at });
          }
          return row;
        },
        (error: unknown) => {
          this.pending.delete(id);
          throw error;
        },
      );
      this.pending.set(id, p);
    }
    return p;
  }

  /** Forget one client (or all): the next lookup reads the database. */
  invalidate(id?: string): void {
    this.generation++;
    if (id === undefined) this.entries.clear();
    else this.entries.delete(id);
    // A read in flight started before the change: callers after it must not join it.
    if (id === undefined) this.pending.clear();
    else this.pending.delete(id);
  }
}
