import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from '../audit.js';

/** The issuer's Prometheus metrics. Labels carry routes, grants, client ids and outcomes only. */
export interface IssuerMetrics {
  readonly registry: Registry;
  /** Count one security event (called for every audit event). */
  observeAudit(event: AuditEvent): void;
  /** One answered HTTP request: the route template (never the raw URL), method and status. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** One store call: the store method and whether it threw. */
  observeStoreCall(operation: string, seconds: number, ok: boolean): void;
  /** Open revocation push streams (the push endpoint increments and decrements it). */
  readonly feedSubscribers: Gauge;
  /** Where the active key's activation time is read at scrape (seconds since the epoch). */
  bindActiveKey(read: () => { activatedAt: number | undefined; now: number }): void;
  /** Where the open revocation push streams are counted (read at each scrape). */
  bindFeedSubscribers(read: () => number): void;
}

export interface IssuerMetricsOptions {
  /** Registry to register into (default: a new one). */
  registry?: Registry;
  /** Also collect Node.js process metrics (default true). */
  processMetrics?: boolean;
}

const GRANT_OF: Partial<Record<string, string>> = {
  'token.refreshed': 'refresh_token',
  'token.replayed': 'refresh_token_replay',
};

/**
 * Create the issuer's metrics in a prom-client registry: requests by route and status, token
 * issuance by grant and client, login failures and back-offs, refresh reuse detections,
 * revocations, key rotations and the age of the active key, store call latency, feed subscribers.
 *
 * @example
 * const metrics = createIssuerMetrics();
 * const app = await buildApp({ config, store, kek, metrics });
 * const text = await metrics.registry.metrics();
 */
export function createIssuerMetrics(options: IssuerMetricsOptions = {}): IssuerMetrics {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  const registers = [registry];
  const requests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by route template and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const issued = new Counter({
    name: 'tessera_tokens_issued_total',
    help: 'Access tokens issued, by grant and client id.',
    labelNames: ['grant', 'client'] as const,
    registers,
  });
  const loginFailures = new Counter({
    name: 'tessera_login_failures_total',
    help: 'Failed password logins (unknown user and wrong password are not told apart).',
    registers,
  });
  const backoffs = new Counter({
    name: 'tessera_login_backoffs_total',
    help: 'Logins refused because the account or address is in back-off.',
    registers,
  });
  const reuse = new Counter({
    name: 'tessera_refresh_reuse_detected_total',
    help: 'Spent refresh tokens presented again (the family was revoked), by client id.',
    labelNames: ['client'] as const,
    registers,
  });
  const revocations = new Counter({
    name: 'tessera_revocations_total',
    help: 'Revocations and ended sessions, by event.',
    labelNames: ['event'] as const,
    registers,
  });
  const keyEvents = new Counter({
    name: 'tessera_key_rotation_events_total',
    help: 'Signing-key lifecycle events: created, activated, retiring, retired.',
    labelNames: ['event'] as const,
    registers,
  });
  let readKey: () => { activatedAt: number | undefined; now: number } = () => ({
    activatedAt: undefined,
    now: 0,
  });
  new Gauge({
    name: 'tessera_active_key_age_seconds',
    help: 'Seconds since the active signing key was activated.',
    registers,
    collect() {
      const { activatedAt, now } = readKey();
      if (activatedAt !== undefined) this.set(Math.max(0, now - activatedAt));
    },
  });
  const storeCalls = new Histogram({
    name: 'tessera_store_query_duration_seconds',
    help: 'Store call latency by operation and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  let readSubscribers: () => number = () => 0;
  const feedSubscribers = new Gauge({
    name: 'tessera_feed_subscribers',
    help: 'Open revocation push streams.',
    registers,
    collect() {
      this.set(readSubscribers());
    },
  });

  return {
    registry,
    feedSubscribers,
    bindActiveKey(read) {
      readKey = read;
    },
    bindFeedSubscribers(read) {
      readSubscribers = read;
    },
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route, method }, seconds);
    },
    observeStoreCall(operation, seconds, ok) {
      storeCalls.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
    },
    observeAudit(e) {
      const client = e.clientId ?? 'none';
      switch (e.type) {
        case 'token.issued': {
          const grant = typeof e.detail?.['grant'] === 'string' ? e.detail['grant'] : 'unknown';
          issued.inc({ grant, client });
          break;
        }
        case 'token.refreshed':
        case 'token.replayed':
          issued.inc({ grant: GRANT_OF[e.type]!, client });
          break;
        case 'login.failed':
          loginFailures.inc();
          break;
        case 'login.blocked':
          backoffs.inc();
          break;
        case 'refresh.reuse_detected':
          reuse.inc({ client });
          break;
        case 'token.revoked':
        case 'session.ended':
          revocations.inc({ event: e.type });
          break;
        default:
          if (e.type.startsWith('key.')) keyEvents.inc({ event: e.type.slice(4) });
      }
    },
  };
}
