import { fetchBounded, isJoseError, type JwkSet } from '@tessera/jose';
import { networkError, usageError } from './exit-codes.js';

export interface FetchJwksOptions {
  /** Allow plain `http:` to a loopback address (127.0.0.0/8, ::1, localhost). Default false. */
  allowHttpLoopback?: boolean;
  /** Milliseconds before giving up. Default 5000. */
  timeoutMs?: number;
  /** Largest accepted body in bytes. Default 512 KiB. */
  maxBytes?: number;
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|\[::1\]|localhost)$/i;

/**
 * Parse and police a JWKS URL before anything is sent: https only; http only to loopback with
 * the explicit allowance; no credentials. A bad URL is a usage error (exit 2), with a hint.
 */
export function checkJwksUrl(raw: string, o: FetchJwksOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError('the JWKS URL is not a valid URL');
  }
  if (url.username !== '' || url.password !== '')
    throw usageError('the JWKS URL may not contain credentials');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) {
    if (o.allowHttpLoopback === true) return url;
    throw usageError('http: is refused; for a loopback test server add --allow-http-loopback');
  }
  throw usageError('only https: JWKS URLs are fetched');
}

/**
 * Fetch a JWKS: the one explicit network action of the CLI, through @tessera/jose's bounded
 * fetch (no redirects, a timeout over headers and body, a size cap). The body must be
 * `{ "keys": [...] }`. Every failure is a network error (exit 5).
 */
export async function fetchJwks(
  raw: string,
  o: FetchJwksOptions = {},
): Promise<{ url: URL; jwks: JwkSet }> {
  const url = checkJwksUrl(raw, o);
  let res;
  try {
    res = await fetchBounded(url, {
      allowHttpLoopback: o.allowHttpLoopback === true,
      timeoutMs: o.timeoutMs ?? 5000,
      maxResponseBytes: o.maxBytes ?? 512 * 1024,
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
  } catch (e) {
    if (isJoseError(e)) throw networkError(`JWKS fetch: ${e.message}`, e.code);
    throw networkError('JWKS fetch failed', 'ERR_JWKS_FETCH_FAILED');
  }
  if (res.status !== 200) {
    throw networkError(`the JWKS endpoint answered HTTP ${res.status}`, 'ERR_JWKS_FETCH_FAILED');
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
  } catch {
    throw networkError('the JWKS endpoint did not return JSON', 'ERR_JWKS_INVALID');
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    !Array.isArray((json as Record<string, unknown>)['keys'])
  ) {
    throw networkError(
      'the JWKS endpoint did not return a key set ({"keys": [...]})',
      'ERR_JWKS_INVALID',
    );
  }
  return { url, jwks: json as JwkSet };
}
