import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import type { AuditLogger } from '../audit.js';

/** How client addresses appear in logs: as they are, cut to their network, or not at all. */
export type LogIpMode = 'full' | 'truncate' | 'omit';

/**
 * An address for the logs. `truncate` keeps the network only (IPv4 /24, IPv6 /48): enough to
 * see an attack's origin, not enough to name a person.
 */
export function logAddress(ip: string | undefined, mode: LogIpMode): string | undefined {
  if (ip === undefined || mode === 'omit') return undefined;
  if (mode === 'full') return ip;
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(ip)) {
    const [head = ''] = ip.split('::');
    const groups = head.split(':').filter((g) => g.length > 0);
    return `${[...groups, '0', '0', '0'].slice(0, 3).join(':')}::/48`;
  }
  return undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id: a trusted proxy's `X-Request-Id` (when it is a plain token of at most 128
 * characters), else a fresh UUID. "Trusted" is the same `trustProxy` list that decides whose
 * `X-Forwarded-For` is believed; with no list, no header is believed.
 */
export function requestIdGenerator(
  trustProxy: boolean | string | string[] | undefined,
): (req: IncomingMessage) => string {
  const trusted =
    trustProxy === undefined || trustProxy === false
      ? () => false
      : trustProxy === true
        ? () => true
        : proxyAddr.compile(trustProxy);
  return (req) => {
    const given = req.headers['x-request-id'];
    const peer = req.socket?.remoteAddress;
    if (
      typeof given === 'string' &&
      REQUEST_ID.test(given) &&
      peer !== undefined &&
      trusted(peer, 0)
    )
      return given;
    return randomUUID();
  };
}

/**
 * One JSON line per request at `info`, when it is answered: request id, method, route template,
 * path (never the query string: it may carry a code or a token), status, duration, client
 * address per `ipMode`. No header and no body is logged. The id is echoed as `X-Request-Id`.
 */
export function registerRequestLog(app: FastifyInstance, ipMode: LogIpMode): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const ip = logAddress(request.ip, ipMode);
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...(ip !== undefined ? { ip } : {}),
      },
      'request',
    );
    done();
  });
}

/** The audit's log side with client addresses shown per `ipMode` (the audit table keeps them whole). */
export function auditLogFor(log: AuditLogger, ipMode: LogIpMode): AuditLogger {
  if (ipMode === 'full') return log;
  return {
    info(obj, msg) {
      const a = (obj as { audit?: Record<string, unknown> }).audit;
      if (a === undefined || typeof a['ip'] !== 'string') return log.info(obj, msg);
      const ip = logAddress(a['ip'], ipMode);
      const { ip: _ip, ...rest } = a;
      log.info({ ...obj, audit: ip === undefined ? rest : { ...rest, ip } }, msg);
    },
  };
}
