import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { IssuerMetrics } from '../metrics/issuer-metrics.js';
import type { Store } from './store.js';

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * Wrap a store so every call is timed into `metrics` and runs in an OpenTelemetry span
 * (`store.<method>`, kind CLIENT) of the caller's trace. Span attributes name the store and the
 * operation, never the arguments (they hold token hashes and user data). A method that answers
 * synchronously still does.
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
      const fn = value as (...args: unknown[]) => unknown;
      const call = (...args: unknown[]): unknown => {
        const start = performance.now();
        const span: Span | undefined = o.tracer?.startSpan(`store.${prop}`, {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system': system, 'db.operation.name': prop },
        });
        const done = (ok: boolean, e?: unknown) => {
          if (span !== undefined) {
            // The error's class only: driver messages may quote values.
            if (!ok)
              span.setStatus({
                code: SpanStatusCode.ERROR,
                message: e instanceof Error ? e.name : 'error',
              });
            span.end();
          }
          o.metrics?.observeStoreCall(prop, (performance.now() - start) / 1000, ok);
        };
        let result: unknown;
        try {
          result =
            span === undefined
              ? fn.apply(target, args)
              : context.with(trace.setSpan(context.active(), span), () => fn.apply(target, args));
        } catch (e) {
          done(false, e);
          throw e;
        }
        if (!isThenable(result)) {
          done(true);
          return result;
        }
        return Promise.resolve(result).then(
          (r) => {
            done(true);
            return r;
          },
          (e: unknown) => {
            done(false, e);
            throw e;
          },
        );
      };
      wrapped.set(prop, call);
      return call;
    },
  });
}
