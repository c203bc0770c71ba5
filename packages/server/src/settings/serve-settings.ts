import { parseDuration, type Duration } from '@tessera/jose';
import {
  ConfigError,
  resolveConfig,
  type FeedAccess,
  type LoginProtectionConfig,
  type SigningAlg,
} from '../config.js';
import type { StartOptions } from '../server.js';
import { KekError, parseKek } from '../keys/kek.js';
import { setting, SettingsError, type LoadedSettings } from './load-settings.js';

import type { LogIpMode } from '../logging/request-log.js';

/** Where `/metrics` is served: its own port, or the issuer's port behind a bearer credential. */
export interface MetricsSettings {
  readonly port?: number;
  readonly host?: string;
  readonly token?: string;
}

/** The settings of `tessera serve`, turned into what `startServer` and the process need. */
export interface ServeSettings {
  readonly start: StartOptions;
  /** Run pending PostgreSQL migrations at start (else an unmigrated database refuses to start). */
  readonly migrate: boolean;
  readonly shutdownTimeoutMs: number;
  readonly shutdownDrainMs: number;
  readonly metrics: MetricsSettings | undefined;
  readonly logLevel: string;
  readonly logIp: LogIpMode;
}

const TTL_KEYS = [
  'accessTokenTtl',
  'refreshTokenTtl',
  'sessionMaxAge',
  'replayWindow',
  'keyRotationInterval',
  'jwksMaxAge',
  'clockTolerance',
  'auditRetention',
] as const;

/**
 * Turn loaded settings into start options and check what the schema cannot (the issuer rules,
 * lifetimes against each other, where metrics go) by resolving the issuer configuration once:
 * `tessera config check` and `tessera serve` refuse the same mistakes.
 *
 * @example
 * const serve = toServeSettings(loadSettings({ env: process.env }));
 * const server = await startServer(serve.start);
 */
export function toServeSettings(loaded: LoadedSettings): ServeSettings {
  const get = <T>(path: string) => setting<T>(loaded, path);
  const start: Record<string, unknown> = {};
  for (const key of [
    'issuer',
    'host',
    'port',
    'database',
    'dataDir',
    'kek',
    'alg',
    'audience',
    'claimBudgetBytes',
    'bodyLimit',
    'mfa',
    ...TTL_KEYS,
  ]) {
    const v = get(key);
    if (v !== undefined) start[key] = v;
  }
  const lp = get<Partial<LoginProtectionConfig>>('loginProtection');
  if (lp !== undefined) start['loginProtection'] = { ...lp };
  if (get<boolean>('dpop.nonce') === true) start['dpop'] = { nonce: true };
  const feedAccess = get<FeedAccess>('feed.access');
  const feedToken = get<string>('feed.token');
  if (feedAccess !== undefined || feedToken !== undefined)
    start['feed'] = {
      ...(feedAccess !== undefined ? { access: feedAccess } : {}),
      ...(feedToken !== undefined ? { token: feedToken } : {}),
    };
  if (get<boolean>('passkeys.enabled') === true) {
    const passkeys: Record<string, unknown> = {};
    for (const k of ['rpId', 'origins', 'ceremonyTtl', 'offerAfterPassword']) {
      const v = get(`passkeys.${k}`);
      if (v !== undefined) passkeys[k] = v;
    }
    start['passkeys'] = passkeys;
  }
  const trust = get<string[]>('trustProxy');
  if (trust !== undefined && trust.length > 0) start['trustProxy'] = trust;

  const problems: string[] = [];
  const host = (start['host'] as string | undefined) ?? '127.0.0.1';
  const port = (start['port'] as number | undefined) ?? 4000;
  try {
    const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    resolveConfig({
      ...(start as Partial<StartOptions>),
      issuer:
        (start['issuer'] as string | undefined) ??
        `http://${shownHost}:${port === 0 ? 4000 : port}`,
      alg: start['alg'] as SigningAlg | undefined,
    } as Parameters<typeof resolveConfig>[0]);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(e.message);
  }

  const kek = start['kek'] as string | undefined;
  if (kek !== undefined) {
    try {
      parseKek(kek);
    } catch (e) {
      if (!(e instanceof KekError)) throw e;
      problems.push(`kek (from ${loaded.origins['kek'] ?? 'settings'}): ${e.message}`);
    }
  }

  let metrics: MetricsSettings | undefined;
  if (get<boolean>('metrics.enabled') === true) {
    const mPort = get<number>('metrics.port');
    const token = get<string>('metrics.token');
    if (mPort === undefined && token === undefined)
      problems.push(
        'metrics.enabled needs metrics.port (a separate port) or metrics.token (a bearer credential on the issuer port)',
      );
    else if (mPort !== undefined && mPort !== 0 && mPort === port)
      problems.push('metrics.port must differ from port');
    const mHost = get<string>('metrics.host');
    metrics = {
      ...(mPort !== undefined ? { port: mPort } : {}),
      ...(mHost !== undefined ? { host: mHost } : {}),
      ...(token !== undefined ? { token } : {}),
    };
  }
  if (problems.length > 0) throw new SettingsError(problems);

  const shutdown = get<Duration>('shutdownTimeout');
  const drain = get<Duration>('shutdownDrain');
  return {
    start: start as StartOptions,
    migrate: get<boolean>('migrate') ?? false,
    shutdownTimeoutMs:
      (shutdown === undefined ? 10 : parseDuration(shutdown, 'shutdownTimeout')) * 1000,
    shutdownDrainMs: (drain === undefined ? 1 : parseDuration(drain, 'shutdownDrain')) * 1000,
    metrics,
    logLevel: get<string>('log.level') ?? 'info',
    logIp: get<LogIpMode>('log.ip') ?? 'full',
  };
}
