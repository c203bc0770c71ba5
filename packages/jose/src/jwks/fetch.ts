import { JoseError } from '../base/errors.js';
import { parseJsonObject } from '../base/json.js';
import type { JwkSet } from '../keys/jwk.js';

/** Limits of one bounded HTTP GET (remote key sets, discovery documents, feeds). */
export interface BoundedFetchOptions {
  /** Abort the whole exchange (headers and body) after this many milliseconds. Default 5000. */
  timeoutMs?: number;
  /** Refuse a body larger than this many bytes. Default 512 KiB. */
  maxResponseBytes?: number;
  /** Allow `http:` for loopback hosts (127.0.0.0/8, ::1, localhost) — for tests and sidecars. */
  allowHttpLoopback?: boolean;
  /** Extra request headers. */
  headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use (default: the global one), e.g. a test double or an instrumented fetch. */
  fetch?: typeof fetch;
}

/** The answer of {@link fetchBounded}: status, headers and the whole body (within the cap). */
export interface BoundedResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a URL is plain `http:` to a loopback host: the one case `allowHttpLoopback` opens.
 * Hosts use it to name their own switch when they refuse such a URL (`--allow-http-loopback`).
 *
 * @example
 * isHttpLoopback('http://127.0.0.1:4000/jwks'); // → true
 */
export function isHttpLoopback(url: string | URL): boolean {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return false;
  }
  return u.protocol === 'http:' && LOOPBACK.test(u.hostname);
}

/**
 * Check a configured URL once: `https:` only, `http:` only for a loopback host when allowed,
 * no credentials in the URL. The URL always comes from configuration, never from a token
 * (docs/security.md#key-urls, #key-selection).
 */
export function checkFetchUrl(url: string | URL, allowHttpLoopback: boolean, what = 'url'): URL {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch (cause) {
    throw new JoseError('ERR_OPTIONS_INVALID', `${what} is not a valid URL`, { cause });
  }
  if (u.username !== '' || u.password !== '') {
    throw new JoseError('ERR_OPTIONS_INVALID', `${what} may not carry credentials`);
  }
  if (u.protocol === 'https:') return u;
  if (allowHttpLoopback && isHttpLoopback(u)) return u;
  const hint = allowHttpLoopback
    ? ' (plain http only to a loopback host)'
    : isHttpLoopback(u)
      ? ' (set allowHttpLoopback: true to allow plain http to a loopback host)'
      : ' (plain http only to a loopback host, with allowHttpLoopback: true)';
  throw new JoseError('ERR_OPTIONS_INVALID', `${what} ${u.origin} must use https${hint}`);
}

/** Validate a count/duration option (internal to the fetching modules). */
export function positiveInt(v: unknown, fallback: number, name: string, allowZero = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || (v === 0 && !allowZero)) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`,
    );
  }
  return v;
}

/**
 * One bounded GET: no redirects (a 3xx is a failure), a timeout over headers and body, a byte
 * cap enforced while streaming (and up front from `Content-Length`). Non-2xx/304 statuses are
 * returned, not thrown; network failures throw ERR_JWKS_FETCH_FAILED, timeouts ERR_JWKS_TIMEOUT,
 * an oversized body ERR_JWKS_INVALID.
 *
 * @example
 * const { status, body } = await fetchBounded(new URL('https://auth.example/jwks'), { timeoutMs: 2000 });
 */
export async function fetchBounded(
  url: URL,
  options: BoundedFetchOptions = {},
): Promise<BoundedResponse> {
  const timeoutMs = positiveInt(options.timeoutMs, DEFAULT_FETCH_TIMEOUT_MS, 'timeoutMs');
  const maxBytes = positiveInt(
    options.maxResponseBytes,
    DEFAULT_MAX_RESPONSE_BYTES,
    'maxResponseBytes',
  );
  checkFetchUrl(url, options.allowHttpLoopback === true);
  // Every failure names the URL (never its query, which may carry an API key).
  const where = `${url.origin}${url.pathname}`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    let res: Response;
    try {
      // docs/security.md#key-urls: a redirect could lead off-host; 'manual' hands us the 3xx instead.
      res = await (options.fetch ?? fetch)(url, {
        method: 'GET',
        redirect: 'manual',
        signal: controller.signal,
        headers: { accept: 'application/json', ...options.headers },
      });
    } catch (cause) {
      if (timedOut)
        throw new JoseError('ERR_JWKS_TIMEOUT', `no answer from ${where} within ${timeoutMs} ms`, {
          cause,
        });
      const code = (cause as { cause?: { code?: unknown } }).cause?.code;
      throw new JoseError(
        'ERR_JWKS_FETCH_FAILED',
        `the request to ${where} failed${typeof code === 'string' ? ` (${code})` : ''}`,
        { cause },
      );
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      await res.body?.cancel().catch(() => undefined);
      throw new JoseError(
        'ERR_JWKS_FETCH_FAILED',
        `${where} answered ${res.status}: redirects are not followed`,
      );
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new JoseError(
        'ERR_JWKS_INVALID',
        `the response of ${where} is larger than ${maxBytes} bytes`,
      );
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body !== null) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.byteLength;
          if (total > maxBytes) {
            controller.abort();
            throw new JoseError(
              'ERR_JWKS_INVALID',
              `the response of ${where} is larger than ${maxBytes} bytes`,
            );
          }
          chunks.push(value);
        }
      } catch (cause) {
        if (cause instanceof JoseError) throw cause;
        if (timedOut)
          throw new JoseError(
            'ERR_JWKS_TIMEOUT',
            `no answer from ${where} within ${timeoutMs} ms`,
            {
              cause,
            },
          );
        throw new JoseError('ERR_JWKS_FETCH_FAILED', `the response of ${where} could not be read`, {
          cause,
        });
      }
    }
    const body = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    return { status: res.status, headers: res.headers, body };
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link fetchJwks}. */
export interface FetchJwksOptions extends BoundedFetchOptions {}

/** Where a URL points, for messages: origin and path only (no query, no fragment). */
export function describeUrl(u: URL): string {
  return `${u.origin}${u.pathname}`;
}

/**
 * Fetch a JWKS document once: `https:` only (`http:` to a loopback host when
 * `allowHttpLoopback`), no redirects, a timeout over headers and body, the size cap enforced
 * while streaming, then strict JSON with a `keys` array. Secret (`oct`) keys are kept: the
 * caller decides what a key set may hold. For a cached, rotating set use `createRemoteKeySet`.
 *
 * Failures: ERR_OPTIONS_INVALID (the URL), ERR_JWKS_FETCH_FAILED (network, status, redirect),
 * ERR_JWKS_TIMEOUT, ERR_JWKS_INVALID (not a JWKS, too large). Messages name the URL's origin and
 * path, never a key.
 *
 * @example
 * const jwks = await fetchJwks('https://auth.example/jwks', { timeoutMs: 2000 });
 */
export async function fetchJwks(
  url: string | URL,
  options: FetchJwksOptions = {},
): Promise<JwkSet> {
  const target = checkFetchUrl(url, options.allowHttpLoopback === true, 'the JWKS url');
  const where = describeUrl(target);
  // fetchBounded's failures already name the URL (once: no prefix here).
  const res = await fetchBounded(target, {
    ...options,
    headers: { accept: 'application/jwk-set+json, application/json', ...options.headers },
  });
  if (res.status !== 200)
    throw new JoseError('ERR_JWKS_FETCH_FAILED', `${where} answered HTTP ${res.status}`);
  let doc;
  try {
    doc = parseJsonObject(res.body, 'JWKS');
  } catch (cause) {
    throw new JoseError('ERR_JWKS_INVALID', `${where} did not return a JSON object`, { cause });
  }
  if (!Array.isArray(doc['keys']))
    throw new JoseError('ERR_JWKS_INVALID', `${where} did not return a key set ({"keys": [...]})`);
  return {
    keys: (doc['keys'] as unknown[]).filter(
      (k): k is JwkSet['keys'][number] => typeof k === 'object' && k !== null && !Array.isArray(k),
    ),
  };
}
