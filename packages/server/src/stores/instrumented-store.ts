import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { IssuerMetrics } from '../metrics/issuer-metrics.js';
import type { Store } from './store.js';

/**
 * Wrap a store so every call is timed into `metrics` and runs in an OpenTelemetry span
 * (`store.<method>`, kind CLIENT) of the caller's trace. Span attributes name the store and the
 * operation, never the arguments (they hold token hashes and user data).
 *
 * @example
 * const store = instrumentStore(await openSqliteStore(file), { tracer: trace.getTracer('app') });
 */
export function instrumentStore(
  store: Store,
  o: { metrics?: IssuerMetrics | undefined; tracer?: Tracer | undefined },
): Store {
  const system = store.kind === 'postgres' ? 'postgresql' : 'sqlite';
  const wrapped = new Map<string, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const cached = wrapped.get(prop);
      if (cached !== undefined) return cached;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      const call = async (...args: unknown[]): Promise<unknown> => {
        const start = performance.now();
        let ok = false;
        const run = async () => {
          const r = await fn.apply(target, args);
          ok = true;
          return r;
        };
        try {
          if (o.tracer === undefined) return await run();
          return await o.tracer.startActiveSpan(
            `store.${prop}`,
            {
              kind: SpanKind.CLIENT,
              attributes: { 'db.system': system, 'db.operation.name': prop },
            },
            async (span) => {
              try {
                return await run();
              } catch (e) {
                // The error's class only: driver messages may quote values.
                span.setStatus({
                  code: SpanStatusCode.ERROR,
                  message: e instanceof Error ? e.name : 'error',
                });
                throw e;
              } finally {
                span.end();
              }
            },
          );
        } finally {
          o.metrics?.observeStoreCall(prop, (performance.now() - start) / 1000, ok);
        }
      };
      wrapped.set(prop, call);
      return call;
    },
  });
}
