import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Tracer } from '@opentelemetry/api';
import { createAudit } from './audit.js';
import { resolveConfig, type ServerOptions } from './config.js';
import type { IssuerContext } from './context.js';
import { createIssuerDpop } from './dpop.js';
import type { Kek } from './keys/kek.js';
import { totpSecretsKek } from './mfa/totp.js';
import { KeyManager } from './keys/rotation.js';
import {
  auditLogFor,
  registerRequestLog,
  requestIdGenerator,
  type LogIpMode,
} from './logging/request-log.js';
import type { IssuerMetrics } from './metrics/issuer-metrics.js';
import { registerMetricsEndpoint, registerRequestMetrics } from './metrics/metrics-routes.js';
import { OAuthError } from './oauth-error.js';
import { createPasswordHasher } from './passwords.js';
import { registerPageAssets } from './pages/assets.js';
import { createReadiness, type ReadinessReport } from './readiness.js';
import type { BackchannelOptions } from './backchannel-logout.js';
import { registerAuthorize } from './routes/authorize.js';
import { registerEndSession } from './routes/end-session.js';
import { registerHealthz } from './routes/healthz.js';
import { registerPar } from './routes/par.js';
import { registerPasskeyRoutes } from './routes/passkey.js';
import { registerReadyz } from './routes/readyz.js';
import { registerUserinfo } from './routes/userinfo.js';
import { registerIntrospect } from './routes/introspect.js';
import { registerJwks } from './routes/jwks.js';
import { registerLogout } from './routes/logout.js';
import { registerRevocations } from './routes/revocations.js';
import { registerRevoke } from './routes/revoke.js';
import { registerToken } from './routes/token.js';
import { registerWellKnown } from './routes/well-known.js';
import { instrumentStore } from './stores/instrumented-store.js';
import type { Store } from './stores/store.js';
import { issuerTracer, registerRequestTracing } from './tracing/request-tracing.js';

export interface AppOptions {
  /** Server options: validated and resolved here, once (a wrong one is a `ConfigError`). */
  config: ServerOptions;
  store: Store;
  kek: Kek;
  /** Fastify logger option: false (default), true, or pino options. Redaction is always added. */
  logger?: boolean | Record<string, unknown>;
  /** Close the store when the app closes (default false). */
  ownsStore?: boolean;
  /** Key-rotation check interval in ms (default 30 s). */
  keyCheckIntervalMs?: number;
  /**
   * Fastify `trustProxy` (default false: the client IP for login back-off is the socket
   * address). Set it to the proxy addresses when the issuer runs behind a reverse proxy.
   */
  trustProxy?: boolean | string | string[];
  /** Interval of the expired-row purge in ms (default 10 min). */
  purgeIntervalMs?: number;
  /** Back-channel logout delivery (timeouts and retries; defaults 5 s and 1 s, 4 s). */
  backchannel?: BackchannelOptions;
  /** Mount extra routes (e.g. the debugger page at `/` in demo mode). */
  mount?: (app: FastifyInstance) => void | Promise<void>;
  /** Client addresses in request and audit log lines (default `full`). */
  logIp?: LogIpMode;
  /** Prometheus metrics ({@link createIssuerMetrics}); none by default. */
  metrics?: IssuerMetrics;
  /** Serve `/metrics` on the issuer port, only to `Authorization: Bearer <metricsToken>` (needs `metrics`). */
  metricsToken?: string;
  /**
   * OpenTelemetry tracer for request, grant and store spans (default: the global API's tracer,
   * a no-op until the application registers an SDK); `false` for none.
   */
  tracer?: Tracer | false;
}

// Never log credentials: headers that carry them and every body field that may.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'body.password',
  'body.client_secret',
  'body.refresh_token',
  'body.token',
  'body.access_token',
  '*.password',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
];

function looksLikeDatabaseOutage(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : '';
  return (
    (typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|57P0[1-3]|08\d\d\d|SQLITE_BUSY|SQLITE_IOERR.*)$/.test(
        code,
      )) ||
    /Connection terminated|terminating connection|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      msg,
    )
  );
}

/**
 * Build the issuer as a Fastify instance (not listening): keys are loaded and rotated, routes
 * registered one line each. Use `app.inject()` in tests or `app.listen()` to serve.
 *
 * @example
 * const app = await buildApp({ config: { issuer: 'http://127.0.0.1:4000' }, store, kek });
 * const res = await app.inject({ method: 'GET', url: '/jwks' });
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const config = resolveConfig(options.config);
  const logger: FastifyServerOptions['logger'] =
    options.logger === undefined || options.logger === false
      ? false
      : {
          ...(typeof options.logger === 'object' ? options.logger : {}),
          redact: { paths: REDACT, censor: '[redacted]' },
        };
  const app = Fastify({
    logger,
    bodyLimit: config.bodyLimit,
    trustProxy: options.trustProxy ?? false,
    genReqId: requestIdGenerator(options.trustProxy),
    // One line per answered request (registerRequestLog) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // While closing, requests already on an open connection are served (with Connection:
    // close) rather than refused: a graceful restart fails none of them.
    return503OnClosing: false,
  });
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: config.bodyLimit });

  const tracer = options.tracer === false ? undefined : (options.tracer ?? issuerTracer());
  const metrics = options.metrics;
  const store =
    metrics !== undefined || tracer !== undefined
      ? instrumentStore(options.store, { metrics, tracer })
      : options.store;
  const logIp = options.logIp ?? 'full';
  const audit = createAudit(store, auditLogFor(app.log, logIp), config.now, metrics?.observeAudit);
  const keys = new KeyManager(store, options.kek, config, audit);
  const idKeyManager = new KeyManager(store, options.kek, config, audit, {
    purpose: 'id',
    alg: 'RS256',
  });
  let idKeysStarted: Promise<void> | undefined;
  const idKeys = async () => {
    // The access ring reloads right after, so /jwks publishes the new keys before any ID
    // token signed with them leaves.
    idKeysStarted ??= idKeyManager
      .start(options.keyCheckIntervalMs)
      .then(() => keys.reload())
      .catch((e: unknown) => {
        idKeysStarted = undefined;
        throw e;
      });
    await idKeysStarted;
    return idKeyManager.current;
  };
  const ctx: IssuerContext = {
    config,
    store,
    keys,
    idKeys,
    hasher: createPasswordHasher(config.argon2),
    audit,
    replayKek: options.kek.derive('refresh-replay'),
    deviceKek: options.kek.derive('device-cookie'),
    mfaSecrets: totpSecretsKek(options.kek),
    log: app.log,
    tracer,
    dpop: await createIssuerDpop(config, store, options.kek),
    nowSeconds: () => Math.floor(config.now() / 1000),
  };
  await keys.start(options.keyCheckIntervalMs);
  app.decorate('tessera', ctx);
  if (logger !== false) registerRequestLog(app, logIp);
  if (tracer !== undefined) registerRequestTracing(app, tracer);
  if (metrics !== undefined) {
    metrics.bindActiveKey(() => ({ activatedAt: keys.current.activatedAt, now: ctx.nowSeconds() }));
    registerRequestMetrics(app, metrics);
    if (options.metricsToken !== undefined)
      registerMetricsEndpoint(app, metrics.registry, options.metricsToken);
  }

  app.setErrorHandler((error, request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    if (error instanceof OAuthError) {
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
      return reply.code(error.status).send(error.body());
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Body too large (413), wrong media type (415), malformed body: RFC 6749 §5.2 invalid_request.
      const code = status === 413 ? 413 : 400;
      const description =
        status === 413
          ? 'the request body is too large'
          : status === 415
            ? 'unsupported content type'
            : 'malformed request';
      return reply.code(code).send({ error: 'invalid_request', error_description: description });
    }
    if (looksLikeDatabaseOutage(error)) {
      request.log.warn(
        { err: { code: (error as { code?: unknown }).code, message: (error as Error).message } },
        'store unavailable',
      );
      return reply.code(503).header('retry-after', '1').send({
        error: 'temporarily_unavailable',
        error_description: 'the store is unavailable; retry shortly',
      });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'server_error' });
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).header('cache-control', 'no-store').send({ error: 'not_found' });
  });

  registerWellKnown(app, ctx);
  registerJwks(app, ctx);
  registerToken(app, ctx);
  registerRevoke(app, ctx);
  registerIntrospect(app, ctx);
  registerLogout(app, ctx);
  const stream = registerRevocations(app, ctx);
  metrics?.bindFeedSubscribers(() => stream.size);
  registerHealthz(app, ctx);
  let draining = false;
  const readiness = createReadiness(ctx, () => draining);
  app.decorate('tesseraReadiness', readiness);
  app.decorate('tesseraDrain', () => {
    draining = true;
  });
  registerReadyz(app, readiness);
  registerAuthorize(app, ctx);
  registerPasskeyRoutes(app, ctx);
  registerPar(app, ctx);
  registerEndSession(app, ctx, options.backchannel);
  registerUserinfo(app, ctx);
  registerPageAssets(app);
  if (options.mount !== undefined) await options.mount(app);

  // Housekeeping: drop expired revocations, refresh tokens, stale login counters and audit
  // events past their retention.
  const purge = setInterval(() => {
    store
      .purgeExpired(ctx.nowSeconds(), { auditRetention: ctx.config.auditRetention })
      .catch((e: unknown) => app.log.warn({ err: e }, 'purge failed'));
  }, options.purgeIntervalMs ?? 600_000);
  purge.unref();

  app.addHook('onClose', async () => {
    clearInterval(purge);
    keys.stop();
    // Another node may take over key rotation at once instead of after the lease expires.
    await keys
      .releaseLease()
      .catch((e: unknown) => app.log.warn({ err: e }, 'lease release failed'));
    await idKeysStarted?.catch(() => {});
    await idKeyManager
      .releaseLease()
      .catch((e: unknown) => app.log.warn({ err: e }, 'lease release failed'));
    idKeyManager.stop();
    if (options.ownsStore === true) await store.close();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    tessera: IssuerContext;
    /** The `/readyz` checks, callable in-process. */
    tesseraReadiness: () => Promise<ReadinessReport>;
    /** Mark the node as draining: `/readyz` answers 503 from now on (graceful shutdown). */
    tesseraDrain: () => void;
  }
}
