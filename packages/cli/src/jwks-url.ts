import { fetchJwks, isJoseError, type JwkSet } from '@tessera/jose';
import { isHttpLoopback } from '@tessera/jose/internal';
import { networkError, usageError } from './exit-codes.js';

export interface JwksUrlOptions {
  /** Allow plain `http:` to a loopback address (127.0.0.0/8, ::1, localhost). Default false. */
  allowHttpLoopback?: boolean;
  /** Milliseconds before giving up. Default 5000. */
  timeoutMs?: number;
}

/**
 * Fetch a JWKS from a URL given on the command line, through the core's `fetchJwks` (https only,
 * no redirects, a timeout over headers and body, a size cap). A URL the core refuses is a usage
 * error (exit 2) with the flag that would allow it; every fetch failure is a network error
 * (exit 5) naming the URL.
 */
export async function fetchJwksUrl(
  raw: string,
  o: JwksUrlOptions = {},
): Promise<{ url: URL; jwks: JwkSet }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError('the JWKS URL is not a valid URL');
  }
  if (isHttpLoopback(url) && o.allowHttpLoopback !== true)
    throw usageError('http: is refused; for a loopback test server add --allow-http-loopback');
  try {
    const jwks = await fetchJwks(url, {
      allowHttpLoopback: o.allowHttpLoopback === true,
      timeoutMs: o.timeoutMs ?? 5000,
    });
    return { url, jwks };
  } catch (e) {
    if (isJoseError(e, 'ERR_OPTIONS_INVALID'))
      throw usageError(`only https: JWKS URLs are fetched (${e.message})`);
    if (isJoseError(e)) throw networkError(`JWKS fetch: ${e.message}`, e.code);
    throw networkError('JWKS fetch failed', 'ERR_JWKS_FETCH_FAILED');
  }
}
