import { fetchJwks as fetchJwksCore, isJoseError, type JwkSet } from '@tessera/jose';
import { isHttpLoopback } from '@tessera/jose/internal';
import { WebError } from './errors.js';

/**
 * The one network call the debugger can make: fetching a JWKS for the Verify pane, on a button
 * press, in the local process. Refused unless the UI was started with `--allow-network`
 * (docs/security.md#page-network), or the URL is exactly the JWKS of the issuer serving the page
 * (`serve --demo`); always through the core's `fetchJwks` (https only — plain http to a loopback
 * host with `--allow-http-loopback` or for that own issuer —, no redirects, a timeout, a size cap).
 */

export interface JwksFetchOptions {
  readonly allowNetwork: boolean;
  /** Plain `http:` to a loopback host (`--allow-http-loopback`); the core's rule decides what that is. */
  readonly allowHttpLoopback?: boolean;
  /** The JWKS URL of the issuer serving the page: fetched without `allowNetwork` (`serve --demo`). */
  readonly ownJwksUrl?: string | undefined;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
}

/**
 * Fetch a JWKS document over https.
 *
 * @example
 * const jwks = await fetchJwks('https://issuer.example/jwks', { allowNetwork: true });
 */
export async function fetchJwks(url: string, o: JwksFetchOptions): Promise<JwkSet> {
  const own = o.ownJwksUrl !== undefined && sameUrl(url, o.ownJwksUrl);
  if (!o.allowNetwork && !own)
    throw new WebError(
      'ERR_NETWORK_DISABLED',
      403,
      'network fetches are disabled: start the debugger with --allow-network',
    );
  const allowHttpLoopback = own || o.allowHttpLoopback === true;
  if (!allowHttpLoopback && isHttpLoopback(url))
    throw new WebError(
      'ERR_JWKS_URL_INVALID',
      400,
      'plain http is refused; for a loopback issuer start the debugger with tessera ui --allow-network --allow-http-loopback',
    );
  try {
    return await fetchJwksCore(url, {
      allowHttpLoopback,
      timeoutMs: o.timeoutMs ?? 5000,
      maxResponseBytes: o.maxResponseBytes ?? 256 * 1024,
      ...(o.fetch !== undefined ? { fetch: o.fetch } : {}),
    });
  } catch (e) {
    if (isJoseError(e, 'ERR_OPTIONS_INVALID'))
      throw new WebError('ERR_JWKS_URL_INVALID', 400, e.message);
    if (isJoseError(e, 'ERR_JWKS_INVALID')) throw new WebError('ERR_JWKS_INVALID', 502, e.message);
    if (isJoseError(e)) throw new WebError('ERR_JWKS_FETCH_FAILED', 502, e.message);
    throw new WebError('ERR_JWKS_FETCH_FAILED', 502, 'the JWKS could not be fetched');
  }
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}
