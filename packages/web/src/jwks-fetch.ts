/**
 * The one network call the debugger can make: fetching a JWKS for the Verify pane. Refused
 * unless the UI was started with `--allow-network` (docs/security.md#page-network); even then https only, no redirects,
 * a timeout and a size cap. It runs in the local process, on a button press.
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
  readonly maxBytes?: number;
}

/**
 * Fetch a JWKS document over https.
 *
 * @example
 * const jwks = await fetchJwks('https://issuer.example/jwks', { allowNetwork: true });
 */
export async function fetchJwks(url: string, o: JwksFetchOptions): Promise<{ keys: unknown[] }> {
  if (!o.allowNetwork) throw new NetworkRefusedError();
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new JwksFetchError('ERR_JWKS_URL_INVALID', 'the JWKS URL is not a URL');
  }
  if (u.protocol !== 'https:')
    throw new JwksFetchError('ERR_JWKS_URL_INVALID', 'only https JWKS URLs are fetched');
  if (u.username !== '' || u.password !== '')
    throw new JwksFetchError('ERR_JWKS_URL_INVALID', 'credentials in the URL are refused');
  const max = o.maxBytes ?? 256 * 1024;
  let text: string;
  try {
    const res = await (o.fetch ?? fetch)(u, {
      redirect: 'error',
      signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
      headers: { accept: 'application/json' },
    });
    if (!res.ok)
      throw new JwksFetchError('ERR_JWKS_FETCH_FAILED', `the JWKS URL answered ${res.status}`);
    const buf = await res.arrayBuffer();
    if (buf.byteLength > max)
      throw new JwksFetchError('ERR_JWKS_INVALID', 'the JWKS is larger than allowed');
    text = new TextDecoder().decode(buf);
  } catch (e) {
    if (e instanceof JwksFetchError) throw e;
    throw new JwksFetchError('ERR_JWKS_FETCH_FAILED', 'the JWKS could not be fetched');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JwksFetchError('ERR_JWKS_INVALID', 'the JWKS is not JSON');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys))
    throw new JwksFetchError('ERR_JWKS_INVALID', 'the document has no "keys" array');
  return { keys };
}
