import { JoseError } from '../base/errors.js';
import { parseDuration, type Duration } from '../base/duration.js';

/**
 * Options of the opt-in verified-token cache of `createVerifier` (docs/security.md#verify-cache, #cost-limits).
 * `true` means all defaults.
 */
export interface VerifyCacheOptions {
  /** Most entries kept; the least recently used is evicted first. Default 1000. */
  max?: number;
  /**
   * Longest time an entry is served after it was verified (seconds, or "5m"). Default 600.
   * An entry is never served past the token's `exp` either, and every claim is re-checked
   * against the clock at each hit.
   */
  ttl?: Duration;
  /**
   * Rough bound on the memory held by entries, in bytes (each entry counts three times its
   * token length plus 256). Default 32 MiB.
   */
  maxBytes?: number;
}

/**
 * A cache entry: a verified, deeply frozen result, and until when (seconds) it may be served,
 * linked in recency order (a Map alone would need delete + set per hit, and finding its oldest
 * key through a fresh iterator walks the holes deletions leave behind).
 */
interface Entry<R> {
  /** The map key: the token's last characters (see {@link mapKey}). */
  readonly key: string;
  readonly token: string;
  readonly result: R;
  readonly until: number;
  readonly cost: number;
  older: Entry<R> | undefined;
  newer: Entry<R> | undefined;
}

/**
 * Map key of a token: its last 32 characters, which lie in the signature. Hashing a whole
 * ~450-character token on every lookup dominated a cache hit (~1 µs); the suffix hashes in a
 * fraction of that. The full token is compared on every hit, so a suffix shared by two tokens is
 * only a miss (and the newer one replaces the older), never a wrong answer.
 */
function mapKey(token: string): string {
  return token.length > 64 ? token.slice(-32) : token;
}

const DEFAULT_MAX = 1000;
const DEFAULT_TTL = 600;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const ENTRY_OVERHEAD = 256;

/**
 * A bounded LRU of verified results, keyed by the full token string. The cache belongs to one
 * verifier (its options are part of what was verified, so they are its identity) and records the
 * key set version it was filled under: a different version flushes every entry, so a rotated or
 * revoked key never keeps serving (docs/security.md#verify-cache). Only results whose signature and claims verified are
 * ever stored, so an attacker cannot fill it with anything a valid signature does not bind (docs/security.md#cost-limits).
 *
 * The token string is the key, not an identity: a re-encoded or high-S twin of a token is a
 * different string, so it misses and is verified on its own (docs/security.md#token-identity).
 */
export class VerifiedTokenCache<R> {
  readonly max: number;
  readonly ttl: number;
  readonly maxBytes: number;
  #entries = new Map<string, Entry<R>>();
  #oldest: Entry<R> | undefined;
  #newest: Entry<R> | undefined;
  #bytes = 0;
  #version: number | undefined;

  constructor(options: VerifyCacheOptions | true) {
    const o: VerifyCacheOptions = options === true ? {} : options;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      throw new JoseError('ERR_OPTIONS_INVALID', 'cache must be true or an object');
    }
    const max = o.max ?? DEFAULT_MAX;
    if (!Number.isSafeInteger(max) || max <= 0) {
      throw new JoseError('ERR_OPTIONS_INVALID', 'cache.max must be a positive integer');
    }
    const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new JoseError('ERR_OPTIONS_INVALID', 'cache.maxBytes must be a positive integer');
    }
    this.max = max;
    this.maxBytes = maxBytes;
    this.ttl = o.ttl === undefined ? DEFAULT_TTL : parseDuration(o.ttl, 'cache.ttl');
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Approximate bytes held (see {@link VerifyCacheOptions.maxBytes}). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The cached result for `token` when it was stored under this key `version` and may still be
   * served at `now` (seconds); otherwise undefined. A version change flushes everything.
   */
  get(token: string, version: number, now: number): R | undefined {
    if (version !== this.#version) {
      this.clear();
      this.#version = version;
      return undefined;
    }
    const e = this.#entries.get(mapKey(token));
    if (e === undefined || e.token !== token) return undefined;
    if (now >= e.until) {
      this.#remove(e);
      return undefined;
    }
    if (e !== this.#newest) {
      this.#unlink(e);
      this.#append(e);
    }
    return e.result;
  }

  /**
   * Store a verified result (deeply frozen here) and return it. `exp` bounds how long it is
   * served (RFC 7519 §4.1.4; docs/security.md#verify-cache: a cached result never outlives the token).
   */
  set(token: string, version: number, result: R, now: number, exp: number | undefined): R {
    if (version !== this.#version) {
      this.clear();
      this.#version = version;
    }
    const frozen = deepFreeze(result);
    const cost = 3 * token.length + ENTRY_OVERHEAD;
    if (cost > this.maxBytes) return frozen;
    const key = mapKey(token);
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(old);
    while (
      this.#oldest !== undefined &&
      (this.#entries.size >= this.max || this.#bytes + cost > this.maxBytes)
    ) {
      this.#remove(this.#oldest);
    }
    const e: Entry<R> = {
      key,
      token,
      result: frozen,
      until: Math.min(now + this.ttl, exp ?? Infinity),
      cost,
      older: undefined,
      newer: undefined,
    };
    this.#entries.set(key, e);
    this.#append(e);
    this.#bytes += cost;
    return frozen;
  }

  /** Forget `token` (for example when a claim check failed at a hit). */
  delete(token: string): void {
    const e = this.#entries.get(mapKey(token));
    if (e !== undefined && e.token === token) this.#remove(e);
  }

  /** Forget everything. */
  clear(): void {
    this.#entries = new Map();
    this.#oldest = undefined;
    this.#newest = undefined;
    this.#bytes = 0;
  }

  #remove(e: Entry<R>): void {
    this.#entries.delete(e.key);
    this.#unlink(e);
    this.#bytes -= e.cost;
  }

  #unlink(e: Entry<R>): void {
    if (e.older === undefined) this.#oldest = e.newer;
    else e.older.newer = e.newer;
    if (e.newer === undefined) this.#newest = e.older;
    else e.newer.older = e.older;
    e.older = undefined;
    e.newer = undefined;
  }

  #append(e: Entry<R>): void {
    e.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = e;
    else this.#newest.newer = e;
    this.#newest = e;
  }
}

/**
 * Freeze a verified result and every plain object and array in it, so a cached result can be
 * shared between callers without one changing what the next one sees. Non-plain objects (such as
 * the KeyObject that verified) are left as they are: they belong to the caller.
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) continue;
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) continue;
    Object.freeze(v);
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return value;
}
