import { fetchJwks as fetchJwksCore, isJoseError, type JwkSet } from '@tessera/jose';

/**
 * The one network call the debugger can make: fetching a JWKS for the Verify pane, on a button
 * press, in the local process. Refused unless the UI was started with `--allow-network` (docs/security.md#page-network); even
 * then through the core's `fetchJwks` (https only, no redirects, a timeout, a size cap).
 */
export class NetworkRefusedError extends Error {
  readonly code = 'ERR_NETWORK_DISABLED' as const;
  constructor() {
    super('network fetches are disabled: start the debugger with --allow-network');
  }
  override get name(): string {
    return 'NetworkRefusedError';
  }
}

export class JwksFetchError extends Error {
  readonly code: 'ERR_JWKS_URL_INVALID' | 'ERR_JWKS_FETCH_FAILED' | 'ERR_JWKS_INVALID';
  constructor(code: JwksFetchError['code'], message: string) {
    super(message);
    this.code = code;
  }
  override get name(): string {
    return 'JwksFetchError';
  }
}

export interface JwksFetchOptions {
  readonly allowNetwork: boolean;
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
  if (!o.allowNetwork) throw new NetworkRefusedError();
  try {
    return await fetchJwksCore(url, {
      timeoutMs: o.timeoutMs ?? 5000,
      maxResponseBytes: o.maxResponseBytes ?? 256 * 1024,
      ...(o.fetch !== undefined ? { fetch: o.fetch } : {}),
    });
  } catch (e) {
    if (isJoseError(e, 'ERR_OPTIONS_INVALID'))
      throw new JwksFetchError('ERR_JWKS_URL_INVALID', e.message);
    if (isJoseError(e, 'ERR_JWKS_INVALID')) throw new JwksFetchError('ERR_JWKS_INVALID', e.message);
    if (isJoseError(e)) throw new JwksFetchError('ERR_JWKS_FETCH_FAILED', e.message);
    throw new JwksFetchError('ERR_JWKS_FETCH_FAILED', 'the JWKS could not be fetched');
  }
}
