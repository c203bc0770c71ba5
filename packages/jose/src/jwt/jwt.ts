import type { KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { parseJsonObject, type JsonObject } from '../base/json.js';
import { jwsAlgorithm, type JwsAlgorithm } from '../base/algorithms.js';
import { buildClaimSet, prepareClaimSet, type PreparedClaimSet } from './claim-set.js';
import { checkClaims, nowSeconds, type JwtPayload } from './claims.js';
import { prepareKey, type KeyInput } from '../keys/keys.js';
import { signBytes } from '../jws/signature.js';
import {
  keysFor,
  parseProtectedHeader,
  splitCompact,
  verifyWithKeys,
  type VerifyKey,
} from '../jws/compact.js';
import {
  checkJwtHeader,
  jwtSignHeader,
  prepareJwtVerify,
  type PreparedJwtVerify,
  type SignJwtOptions,
  type VerifyJwtOptions,
} from './rules.js';

export type { SignJwtOptions, VerifyJwtOptions } from './rules.js';
import type { JoseHeader } from '../base/header.js';
import { isKeySet } from '../jwks/local.js';
import { deepFreeze, VerifiedTokenCache, type VerifyCacheOptions } from './verify-cache.js';

export interface JwtVerifyResult<P = JwtPayload> {
  payload: P;
  protectedHeader: JoseHeader;
  /** The key that verified the signature. */
  key: KeyObject;
}

interface PreparedSigner {
  readonly key: KeyObject;
  readonly alg: ReturnType<typeof jwsAlgorithm>;
  readonly headerB64: string;
  readonly claims: PreparedClaimSet;
}

function prepareSigner(key: KeyInput, o: SignJwtOptions): PreparedSigner {
  const header = jwtSignHeader(o);
  const alg = jwsAlgorithm(header.alg);
  const claims = prepareClaimSet(o);
  return {
    key: prepareKey(key, alg, 'sign', o),
    alg,
    headerB64: encodeBase64url(JSON.stringify(header)),
    claims,
  };
}

function signPrepared(claims: unknown, s: PreparedSigner): string {
  const input = `${s.headerB64}.${encodeBase64url(buildClaimSet(claims, s.claims))}`;
  return `${input}.${encodeBase64url(signBytes(s.alg, s.key, input))}`;
}

/**
 * Sign claims into a compact JWT. `iat` is set to now unless `issuedAt: false`; `typ` is `JWT`
 * unless given.
 *
 * @example
 * const token = signJwt({ role: 'admin' }, privateKey, { alg: 'EdDSA', subject: 'u1', expiresIn: '15m' });
 */
export function signJwt(claims: JwtPayload, key: KeyInput, options: SignJwtOptions): string {
  return signPrepared(claims, prepareSigner(key, options));
}

/**
 * A signer with options validated and the key prepared once: the fast path for issuers.
 *
 * @example
 * const sign = createSigner({ key: privateKey, alg: 'ES256', issuer: 'https://auth.example', expiresIn: '10m' });
 * const token = sign({ sub: 'u1' });
 */
export function createSigner(
  options: SignJwtOptions & { key: KeyInput },
): (claims: JwtPayload) => string {
  const s = prepareSigner(options?.key, options);
  return (claims) => signPrepared(claims, s);
}

/**
 * What a factory-made verifier prepares once: the keys per allowed `alg` when one key is
 * configured, and the protected-header segments it has already seen in verified tokens.
 */
interface VerifierFastPath {
  readonly keysByAlg: ReadonlyMap<string, KeyObject[]> | undefined;
  readonly headers: Map<string, { readonly header: JoseHeader; readonly alg: JwsAlgorithm }>;
}

// Distinct protected headers remembered per verifier: one per (alg, kid, typ) in use, so a few.
const MAX_REMEMBERED_HEADERS = 32;

function verifyPrepared<P>(
  token: unknown,
  source: VerifyKey,
  v: PreparedJwtVerify,
  fast?: VerifierFastPath,
): JwtVerifyResult<P> {
  const [h, pl, s] = splitCompact(token, v.jws.maxTokenLength);
  // A header segment is parsed and checked the same way every time, so the outcome for a segment
  // already seen in a verified token is reused; it is remembered only after a signature verified
  // (docs/security.md#cost-limits: nothing an unsigned token says is kept).
  const seen = fast?.headers.get(h);
  let protectedHeader: JsonObject;
  let alg: JwsAlgorithm;
  if (seen === undefined) {
    protectedHeader = parseProtectedHeader(h);
    alg = checkJwtHeader(protectedHeader, v);
  } else {
    protectedHeader = { ...(seen.header as JsonObject) };
    alg = seen.alg;
  }
  const sig = decodeBase64url(s, 'signature');
  // docs/architecture.md#verification-order: every segment is strict base64url before the
  // signature is checked (docs/security.md#base64url).
  const payloadBytes = decodeBase64url(pl, 'payload');
  const keys =
    fast?.keysByAlg?.get(alg.alg) ?? keysFor(source, alg, protectedHeader['kid'], v.jws.policy);
  // The signing input is the token up to the second dot (RFC 7515 §5.2 step 8): a slice, no copy.
  const key = verifyWithKeys(alg, keys, (token as string).slice(0, h.length + 1 + pl.length), sig);
  const payload = parseJsonObject(payloadBytes, 'JWT claims', {
    allowDuplicateMembers: v.allowDuplicateClaims,
  });
  checkClaims(payload, protectedHeader['typ'], v.claims, nowSeconds(v.claims));
  if (fast !== undefined && seen === undefined) rememberHeader(fast, h, protectedHeader, alg);
  return { payload: payload as P, protectedHeader: protectedHeader as JoseHeader, key };
}

function rememberHeader(
  fast: VerifierFastPath,
  segment: string,
  header: JsonObject,
  alg: JwsAlgorithm,
): void {
  if (fast.headers.size >= MAX_REMEMBERED_HEADERS) fast.headers.clear();
  // A private deep copy, frozen: callers get shallow copies and may change their own.
  fast.headers.set(segment, { header: deepFreeze(structuredClone(header)) as JoseHeader, alg });
}

/**
 * Verify a compact JWT: signature first, then claims. `algorithms` is required.
 *
 * @example
 * const { payload } = verifyJwt(token, publicKey, { algorithms: ['EdDSA'], issuer: 'https://auth.example', audience: 'api' });
 */
export function verifyJwt<P = JwtPayload>(
  token: string,
  key: VerifyKey,
  options: VerifyJwtOptions,
): JwtVerifyResult<P> {
  return verifyPrepared<P>(token, key, prepareJwtVerify(options));
}

/**
 * A verifier with options validated and keys prepared once: the fast path for resource servers.
 *
 * `cache` (opt-in, default off) keeps verified results in a bounded LRU keyed by the full token
 * string (`true`, or `{ max: 1000, ttl: 600, maxBytes }`): every claim and time check still runs
 * at each hit, results are deeply frozen, and a change of the key set's `version` flushes it.
 * A key resolver function cannot be combined with the cache (it has no version).
 *
 * @example
 * const verify = createVerifier({ key: publicKey, algorithms: ['ES256'], audience: 'api' });
 * const { payload } = verify(token);
 */
export function createVerifier<P = JwtPayload>(
  options: VerifyJwtOptions & { key: VerifyKey; cache?: boolean | VerifyCacheOptions },
): (token: string) => JwtVerifyResult<P> {
  const v = prepareJwtVerify(options);
  const source = options.key;
  if (source === undefined || source === null)
    throw new JoseError('ERR_OPTIONS_INVALID', 'key is required');
  let keysByAlg: Map<string, KeyObject[]> | undefined;
  // Fail at configuration time on a key that fits none of the allowed algorithms (docs/security.md#empty-secret).
  if (typeof source !== 'function' && !isKeySet(source)) {
    keysByAlg = new Map();
    let firstError: unknown;
    for (const alg of v.jws.algorithms.values()) {
      try {
        keysByAlg.set(alg.alg, [prepareKey(source as KeyInput, alg, 'verify', v.jws.policy)]);
      } catch (e) {
        firstError ??= e;
      }
    }
    if (keysByAlg.size === 0) throw firstError;
  }
  const fast: VerifierFastPath = { keysByAlg, headers: new Map() };
  const cacheOption = options.cache;
  if (cacheOption === undefined || cacheOption === false)
    return (token) => verifyPrepared<P>(token, source, v, fast);
  if (typeof source === 'function') {
    // A resolver has no version, so nothing would tell the cache that its keys changed (docs/security.md#verify-cache).
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      'cache needs a key or a key set, not a key resolver',
    );
  }
  const cache = new VerifiedTokenCache<JwtVerifyResult<P>>(cacheOption);
  const keySet = isKeySet(source) ? source : undefined;
  const max = v.jws.maxTokenLength;
  return (token) => {
    // docs/security.md#token-size: an over-long token is not even hashed for a lookup; the full path refuses it.
    if (typeof token !== 'string' || token.length > max)
      return verifyPrepared<P>(token, source, v, fast);
    const version = keySet === undefined ? 0 : keySet.version;
    const now = nowSeconds(v.claims);
    const hit = cache.get(token, version, now);
    if (hit !== undefined) {
      try {
        // docs/security.md#verify-cache: every time-bound (exp, nbf, iat, maxTokenAge) and claim check runs at every hit.
        checkClaims(hit.payload as JsonObject, hit.protectedHeader['typ'], v.claims, now);
      } catch (e) {
        cache.delete(token);
        throw e;
      }
      return hit;
    }
    const result = verifyPrepared<P>(token, source, v, fast);
    const exp = (result.payload as JsonObject)['exp'];
    return cache.set(token, version, result, now, typeof exp === 'number' ? exp : undefined);
  };
}

/** The options of {@link createVerifier}. */
export type VerifierOptions = VerifyJwtOptions & {
  key: VerifyKey;
  cache?: boolean | VerifyCacheOptions;
};

/**
 * Validate {@link createVerifier}'s options without a key, the way the factory does
 * (`ERR_OPTIONS_INVALID` at configuration time): for callers that build the verifier later,
 * once their keys are known (a guard before discovery).
 *
 * @example
 * checkVerifierOptions({ algorithms: ['EdDSA'], issuer: 'https://auth.example', cache: true });
 */
export function checkVerifierOptions(options: Omit<VerifierOptions, 'key'>): void {
  prepareJwtVerify(options as VerifyJwtOptions);
  const cache = options.cache;
  if (cache !== undefined && cache !== false) new VerifiedTokenCache(cache);
}

export { decodeJwt, decodeProtectedHeader } from './decode.js';

export type { JsonObject };
