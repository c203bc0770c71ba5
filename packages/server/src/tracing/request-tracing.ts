import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The tracer of the issuer: a no-op until the application registers an OpenTelemetry SDK. */
export function issuerTracer(): Tracer {
  return trace.getTracer('@tessera/server');
}

/**
 * One SERVER span per request, named `METHOD /route-template`, child of an incoming W3C
 * `traceparent` when the registered propagator reads one. The handler runs in the span's
 * context, so grant and store spans nest under it. Attributes: method, route, status — never the
 * URL's query, headers or body.
 */
export function registerRequestTracing(app: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<
    FastifyRequest,
    { span: Span; parent: ReturnType<typeof context.active> }
  >();
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route },
      },
      parent,
    );
    spans.set(request, { span, parent });
    done();
  });
  // preHandler runs after the body is parsed and calls the handler synchronously from `done`:
  // entering the span's context here carries it through the handler's awaits.
  app.addHook('preHandler', (request, _reply, done) => {
    const s = spans.get(request);
    if (s === undefined) return done();
    context.with(trace.setSpan(s.parent, s.span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const s = spans.get(request);
    if (s !== undefined) {
      s.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) s.span.setStatus({ code: SpanStatusCode.ERROR });
      s.span.end();
      spans.delete(request);
    }
    done();
  });
}
