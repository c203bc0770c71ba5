/**
 * JWTs on Web Crypto (RFC 7519), async, over the shared layers: the claim set builder, the JWT
 * header rules, the claim checks and the verified-token cache are the Node.js core's own.
 */
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { parseJsonObject, type JsonObject } from '../base/json.js';
import { jwsAlgorithm, type JwsAlgorithm } from '../base/algorithms.js';
import type { JoseHeader } from '../base/header.js';
import { parseProtectedHeader, splitCompact } from '../jws/rules.js';
import { buildClaimSet, prepareClaimSet } from '../jwt/claim-set.js';
import { checkClaims, nowSeconds, type JwtPayload } from '../jwt/claims.js';
import {
  checkJwtHeader,
  jwtSignHeader,
  prepareJwtVerify,
  type PreparedJwtVerify,
  type SignJwtOptions,
  type VerifyJwtOptions,
} from '../jwt/rules.js';
import { VerifiedTokenCache, type VerifyCacheOptions } from '../jwt/verify-cache.js';
import { jwsSignParams, requireWebJws } from './algorithms.js';
import { isWebKeySet, requireRemote, withRemoteKeys, type WebRemoteKeySet } from './key-sets.js';
import { prepareWebKey, type WebKeyInput } from './keys.js';
import { signWith, verifyWithWebKeys, webKeysFor, type WebVerifyKey } from './jws.js';

export interface WebJwtVerifyResult<P = JwtPayload> {
  payload: P;
  protectedHeader: JoseHeader;
  /** The key that verified the signature. */
  key: CryptoKey;
}

/** The options of {@link createVerifier}. */
export type WebVerifierOptions = VerifyJwtOptions & {
  key: WebVerifyKey;
  cache?: boolean | VerifyCacheOptions;
};

function prepareWebJwtVerify(o: VerifyJwtOptions): PreparedJwtVerify {
  const v = prepareJwtVerify(o);
  for (const row of v.jws.algorithms.values()) requireWebJws(row);
  return v;
}

interface PreparedWebSigner {
  readonly key: Promise<CryptoKey>;
  readonly alg: JwsAlgorithm;
  readonly headerB64: string;
  readonly claims: ReturnType<typeof prepareClaimSet>;
  /** The imported key and its sign parameters, kept once the import has resolved. */
  ready: { readonly key: CryptoKey; readonly params: Algorithm } | undefined;
}

function prepareSigner(key: WebKeyInput, o: SignJwtOptions): PreparedWebSigner {
  const header = jwtSignHeader(o);
  const alg = jwsAlgorithm(header.alg);
  requireWebJws(alg);
  const claims = prepareClaimSet(o);
  const k = prepareWebKey(key, alg, 'sign', o);
  k.catch(() => undefined); // reported by the first sign
  return {
    key: k,
    alg,
    headerB64: encodeBase64url(JSON.stringify(header)),
    claims,
    ready: undefined,
  };
}

async function signPrepared(claims: unknown, s: PreparedWebSigner): Promise<string> {
  const input = `${s.headerB64}.${encodeBase64url(buildClaimSet(claims, s.claims))}`;
  let r = s.ready;
  if (r === undefined) {
    const key = await s.key;
    r = s.ready = { key, params: jwsSignParams(s.alg, key) };
  }
  return `${input}.${encodeBase64url(await signWith(s.alg, r.key, input, r.params))}`;
}

/**
 * Sign claims into a compact JWT (`iat` now unless `issuedAt: false`; `typ: JWT` unless given).
 *
 * @example
 * const token = await signJwt({ role: 'admin' }, privateKey, { alg: 'EdDSA', subject: 'u1', expiresIn: '15m' });
 */
export function signJwt(
  claims: JwtPayload,
  key: WebKeyInput,
  options: SignJwtOptions,
): Promise<string> {
  try {
    return signPrepared(claims, prepareSigner(key, options));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * A signer with options validated and the key prepared once.
 *
 * @example
 * const sign = createSigner({ key: privateKey, alg: 'ES256', issuer: 'https://auth.example', expiresIn: '10m' });
 * const token = await sign({ sub: 'u1' });
 */
export function createSigner(
  options: SignJwtOptions & { key: WebKeyInput },
): (claims: JwtPayload) => Promise<string> {
  const s = prepareSigner(options?.key, options);
  return (claims) => signPrepared(claims, s);
}

async function verifyPrepared<P>(
  token: unknown,
  source: WebVerifyKey,
  v: PreparedJwtVerify,
  keysByAlg?: ReadonlyMap<string, Promise<CryptoKey[]>>,
): Promise<WebJwtVerifyResult<P>> {
  const [h, pl, s] = splitCompact(token, v.jws.maxTokenLength);
  const protectedHeader = parseProtectedHeader(h);
  const alg = checkJwtHeader(protectedHeader, v);
  const sig = decodeBase64url(s, 'signature');
  const payloadBytes = decodeBase64url(pl, 'payload');
  const keys = await (keysByAlg?.get(alg.alg) ??
    webKeysFor(source, alg, protectedHeader['kid'], v.jws.policy));
  const key = await verifyWithWebKeys(
    alg,
    keys,
    (token as string).slice(0, h.length + 1 + pl.length),
    sig,
  );
  const payload = parseJsonObject(payloadBytes, 'JWT claims', {
    allowDuplicateMembers: v.allowDuplicateClaims,
  });
  checkClaims(payload, protectedHeader['typ'], v.claims, nowSeconds(v.claims));
  return { payload: payload as P, protectedHeader: protectedHeader as JoseHeader, key };
}

/**
 * Verify a compact JWT: signature first, then claims. `algorithms` is required.
 *
 * @example
 * const { payload } = await verifyJwt(token, publicKey, { algorithms: ['EdDSA'], issuer: 'https://auth.example', audience: 'api' });
 */
export function verifyJwt<P = JwtPayload>(
  token: string,
  key: WebVerifyKey,
  options: VerifyJwtOptions,
): Promise<WebJwtVerifyResult<P>> {
  try {
    return verifyPrepared<P>(token, key, prepareWebJwtVerify(options));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** One key for every allowed alg it fits, prepared at configuration time. */
function keysByAlgOf(v: PreparedJwtVerify, key: WebKeyInput): Map<string, Promise<CryptoKey[]>> {
  const out = new Map<string, Promise<CryptoKey[]>>();
  for (const alg of v.jws.algorithms.values()) {
    const p = prepareWebKey(key, alg, 'verify', v.jws.policy).then((k) => [k]);
    p.catch(() => undefined);
    out.set(alg.alg, p);
  }
  return out;
}

/**
 * Resolves once the key fits one allowed algorithm; rejects with the first algorithm's error when
 * it fits none: the Node.js core's configuration-time refusal, reported by every call here
 * (keys are imported asynchronously), before any token is looked at.
 */
function anyFits(keysByAlg: ReadonlyMap<string, Promise<CryptoKey[]>>): Promise<void> {
  const all = [...keysByAlg.values()];
  return Promise.any(all).then(
    () => undefined,
    (e: unknown) => {
      throw (e as AggregateError).errors?.[0] ?? e;
    },
  );
}

/**
 * A verifier with options validated once (ERR_OPTIONS_INVALID, ERR_ALG_UNSUPPORTED at once) and
 * keys prepared once; with a remote key set it loads and refreshes the keys itself. `cache` is
 * the Node.js core's verified-token cache (every claim re-checked at each hit).
 *
 * @example
 * const verify = createVerifier({ key: createRemoteKeySet(jwksUri), algorithms: ['EdDSA'], issuer });
 * const { payload } = await verify(token);
 */
export function createVerifier<P = JwtPayload>(
  options: WebVerifierOptions,
): (token: string) => Promise<WebJwtVerifyResult<P>> {
  const v = prepareWebJwtVerify(options);
  const source = options?.key;
  if (source === undefined || source === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'key is required');
  const keySet = isWebKeySet(source) ? source : undefined;
  const remote =
    keySet !== undefined && 'ensureLoaded' in keySet ? (keySet as WebRemoteKeySet) : undefined;
  const keysByAlg =
    keySet === undefined && typeof source !== 'function'
      ? keysByAlgOf(v, source as WebKeyInput)
      : undefined;
  const fits = keysByAlg === undefined ? undefined : anyFits(keysByAlg);
  let fitsChecked = fits === undefined;
  fits?.then(() => (fitsChecked = true)).catch(() => undefined);
  const verifyOnce = async (token: string) => {
    if (!fitsChecked) await fits;
    return verifyPrepared<P>(token, source, v, keysByAlg);
  };
  const verify =
    remote === undefined
      ? verifyOnce
      : (token: string) => withRemoteKeys(remote, () => verifyOnce(token));
  const cacheOption = options.cache;
  if (cacheOption === undefined || cacheOption === false) return verify;
  if (typeof source === 'function')
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'cache needs a key or a key set, not a key resolver',
    );
  const cache = new VerifiedTokenCache<WebJwtVerifyResult<P>>(cacheOption);
  const max = v.jws.maxTokenLength;
  return async (token) => {
    if (typeof token !== 'string' || token.length > max) return verify(token);
    const version = keySet === undefined ? 0 : keySet.version;
    const now = nowSeconds(v.claims);
    const hit = cache.get(token, version, now);
    if (hit !== undefined) {
      try {
        checkClaims(hit.payload as JsonObject, hit.protectedHeader['typ'], v.claims, now);
      } catch (e) {
        cache.delete(token);
        throw e;
      }
      return hit;
    }
    const result = await verify(token);
    const exp = (result.payload as JsonObject)['exp'];
    return cache.set(token, version, result, now, typeof exp === 'number' ? exp : undefined);
  };
}

/** The async verifier for a remote key set (the same as {@link createVerifier}; for symmetry with the Node.js core). */
export function createAsyncVerifier<P = JwtPayload>(
  options: WebVerifierOptions & { key: WebRemoteKeySet },
): (token: string) => Promise<WebJwtVerifyResult<P>> {
  requireRemote(options?.key);
  return createVerifier<P>(options);
}

/** Verify against a remote key set (loads and refreshes it). */
export function verifyJwtAsync<P = JwtPayload>(
  token: string,
  keySet: WebRemoteKeySet,
  options: VerifyJwtOptions,
): Promise<WebJwtVerifyResult<P>> {
  try {
    const ks = requireRemote(keySet);
    return withRemoteKeys(ks, () => verifyJwt<P>(token, ks, options));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** {@link createVerifier}'s options checked without a key (ERR_OPTIONS_INVALID / ERR_ALG_UNSUPPORTED). */
export function checkVerifierOptions(options: Omit<WebVerifierOptions, 'key'>): void {
  prepareWebJwtVerify(options as VerifyJwtOptions);
  const cache = options.cache;
  if (cache !== undefined && cache !== false) new VerifiedTokenCache(cache);
}
