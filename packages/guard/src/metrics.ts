/**
 * `@tessera/guard/metrics`: Prometheus metrics of a guard in a prom-client registry the
 * application owns. A subpath of its own, so the guard itself stays free of prom-client (and
 * runs on workers, Deno and Bun).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { isGuardError } from './bearer.js';
import type { AuthContext, Guard } from './guard.js';

export interface GuardMetricsOptions {
  /** The application's registry; the guard's metrics are registered into it. */
  registry: Registry;
  /** Metric name prefix (default `tessera_guard_`). Two guards in one registry need two prefixes. */
  prefix?: string;
}

/** The gauges and counters read from `guard.status()` when the registry is collected. */
function registerStatusMetrics(guard: Guard, registers: Registry[], prefix: string): void {
  const status = () => guard.status().keys;
  let seenFetches = 0;
  let seenFailures = 0;
  new Counter({
    name: `${prefix}jwks_fetches_total`,
    help: 'JWKS fetches made (200 or 304 or failed).',
    registers,
    collect() {
      const n = status()?.fetches ?? 0;
      if (n > seenFetches) this.inc(n - seenFetches);
      seenFetches = Math.max(seenFetches, n);
    },
  });
  new Counter({
    name: `${prefix}jwks_fetch_failures_total`,
    help: 'JWKS fetches that failed.',
    registers,
    collect() {
      const n = status()?.failures ?? 0;
      if (n > seenFailures) this.inc(n - seenFailures);
      seenFailures = Math.max(seenFailures, n);
    },
  });
  new Gauge({
    name: `${prefix}keys_loaded`,
    help: 'Keys in the cached JWKS.',
    registers,
    collect() {
      this.set(status()?.keys ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}revocation_feed_staleness_seconds`,
    help: 'Seconds since the revocation feed was last applied (absent without a feed, -1 before the first).',
    registers,
    collect() {
      const feed = guard.status().revocations;
      if (feed === undefined) return;
      this.set(feed.updatedAt === undefined ? -1 : (Date.now() - feed.updatedAt) / 1000);
    },
  });
}

/**
 * Wrap a guard so it counts its verifications by outcome (`ok` or the refusal's reason code)
 * and whether the keys were already cached, and report at scrape its JWKS fetches and
 * failures, loaded keys and the revocation feed's staleness. Labels carry outcomes only —
 * never a token, a subject or a client.
 *
 * @example
 * const registry = new Registry();
 * const guard = instrumentGuard(createGuard({ issuer, audience }), { registry });
 */
export function instrumentGuard(
  guard: Guard,
  { registry, prefix = 'tessera_guard_' }: GuardMetricsOptions,
): Guard {
  const registers = [registry];
  const verifications = new Counter({
    name: `${prefix}verifications_total`,
    help: 'Token verifications by outcome: ok, or the reason the token or request was refused.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const keyCache = new Counter({
    name: `${prefix}key_cache_total`,
    help: 'Verifications answered from cached keys (hit) or that had to wait for a key fetch (miss).',
    labelNames: ['result'] as const,
    registers,
  });
  registerStatusMetrics(guard, registers, prefix);

  const outcomeOf = (e: unknown): string =>
    isGuardError(e) ? (e.reason ?? e.error ?? 'refused') : 'error';
  const ok = (a: AuthContext) => {
    verifications.inc({ outcome: 'ok' });
    return a;
  };
  const fail = (e: unknown): never => {
    verifications.inc({ outcome: outcomeOf(e) });
    throw e;
  };
  const observe = (
    run: () => AuthContext | Promise<AuthContext>,
  ): AuthContext | Promise<AuthContext> => {
    let r: AuthContext | Promise<AuthContext>;
    try {
      r = run();
    } catch (e) {
      keyCache.inc({ result: 'hit' });
      return fail(e);
    }
    if (r instanceof Promise) {
      keyCache.inc({ result: 'miss' });
      return r.then(ok, fail);
    }
    keyCache.inc({ result: 'hit' });
    return ok(r);
  };

  return Object.freeze({
    ...guard,
    verify: async (token) => observe(() => guard.verify(token)),
    authenticate: async (input, requirement) =>
      observe(() => guard.authenticateFast(input, requirement)),
    authenticateFast: (input, requirement) =>
      observe(() => guard.authenticateFast(input, requirement)),
    async verifyRequest(request, requirement) {
      const r = await guard.verifyRequest(request, requirement);
      verifications.inc({ outcome: r instanceof Response ? `http_${r.status}` : 'ok' });
      return r;
    },
  } satisfies Guard);
}
