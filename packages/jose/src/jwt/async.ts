import { JoseError, isJoseError } from '../base/errors.js';
import type { JwtPayload } from './claims.js';
import { createVerifier, verifyJwt, type JwtVerifyResult, type VerifyJwtOptions } from './jwt.js';
import { isRemoteKeySet, type RemoteKeySet } from '../jwks/remote.js';

/**
 * Run a synchronous verification against a remote key set: load the keys first when none are
 * usable, and when no key matches the token's header (a rotated-in `kid`), refetch once (under
 * the cooldown, de-duplicated) and verify again. The token is parsed and its `alg` checked
 * against the allowlist before any key lookup, so malformed tokens never cause a fetch.
 *
 * @example
 * const verify = createVerifier({ key: remoteKeys, algorithms: ['ES256'] });
 * const result = await withRemoteKeys(remoteKeys, () => verify(token));
 */
export async function withRemoteKeys<R>(keySet: RemoteKeySet, verify: () => R): Promise<R> {
  const pending = keySet.ensureLoaded();
  if (pending !== undefined) await pending;
  const seen = keySet.version;
  try {
    return verify();
  } catch (e) {
    if (!isJoseError(e, 'ERR_KEY_NOT_FOUND')) throw e;
    await keySet.refreshForUnknownKey(seen);
    return verify();
  }
}

function requireRemote(keySet: unknown): RemoteKeySet {
  if (!isRemoteKeySet(keySet)) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'a remote key set (createRemoteKeySet) is required');
  }
  return keySet;
}

/**
 * The async twin of {@link verifyJwt} for remote keys: the same checks in the same order, with
 * the key set loaded or refreshed (once, under the cooldown) when needed.
 *
 * @example
 * const keys = createRemoteKeySet('https://auth.example/jwks');
 * const { payload } = await verifyJwtAsync(token, keys, { algorithms: ['EdDSA'], audience: 'api' });
 */
export function verifyJwtAsync<P = JwtPayload>(
  token: string,
  keySet: RemoteKeySet,
  options: VerifyJwtOptions,
): Promise<JwtVerifyResult<P>> {
  const ks = requireRemote(keySet);
  return withRemoteKeys(ks, () => verifyJwt<P>(token, ks, options));
}

/**
 * The async twin of {@link createVerifier}: options validated once, keys from a remote set.
 *
 * @example
 * const verify = createAsyncVerifier({ key: createRemoteKeySet(jwksUri), algorithms: ['EdDSA'], issuer });
 * const { payload } = await verify(token);
 */
export function createAsyncVerifier<P = JwtPayload>(
  options: Parameters<typeof createVerifier>[0] & { key: RemoteKeySet },
): (token: string) => Promise<JwtVerifyResult<P>> {
  const ks = requireRemote(options?.key);
  const verify = createVerifier<P>(options);
  return (token) => withRemoteKeys(ks, () => verify(token));
}
