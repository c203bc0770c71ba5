import { createHash, createPublicKey, randomBytes, KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { isJsonObject, parseJsonObject, type JsonObject } from '../base/json.js';
import {
  JWS_ALGORITHMS,
  jwsAlgorithm,
  type JwsAlg,
  type JwsAlgorithm,
} from '../base/algorithms.js';
import type { Duration } from '../base/duration.js';
import { keyObjectToJwk, thumbprintOfJwk, type Jwk } from '../keys/jwk.js';
import { checkKeyForAlg, importJwk, prepareKey } from '../keys/keys.js';
import { prepareClaimChecks, checkClaims, type PreparedClaimChecks } from '../jwt/claims.js';
import {
  checkJwsHeaders,
  parseProtectedHeader,
  prepareVerify,
  signCompact,
  signingInput,
  splitCompact,
  verifyWithKeys,
  type PreparedVerify,
} from '../jws/compact.js';
import { normalizeOr } from './htu.js';

/** RFC 9449 §4.2: the `typ` of every DPoP proof. */
export const DPOP_TYP = 'dpop+jwt';
/** Default `maxAge` of a proof, in seconds, measured from its `iat`. */
export const DEFAULT_DPOP_MAX_AGE = 60;
/** Proofs are small (a header with one public key, five claims): a tighter cap than for tokens. */
const DEFAULT_MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 512;
// Members that only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * `ath` of RFC 9449 §4.2: base64url of the SHA-256 of the ASCII access token.
 *
 * @example
 * const ath = calculateAccessTokenHash(accessToken);
 */
export function calculateAccessTokenHash(accessToken: string): string {
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'accessToken must be a non-empty string');
  }
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

export interface CreateDpopProofOptions {
  /** The client's private key (a KeyObject or a private JWK); its public half goes in `jwk`. */
  key: KeyObject | Jwk;
  /** The HTTP method of the request, e.g. `"POST"`. */
  htm: string;
  /** The request URI; query and fragment are left out of the proof (RFC 9449 §4.2). */
  htu: string;
  /** `ath` as computed by {@link calculateAccessTokenHash}. */
  ath?: string;
  /** The access token the request carries; its hash becomes `ath` (instead of giving `ath`). */
  accessToken?: string;
  /** The last `DPoP-Nonce` the server sent (RFC 9449 §8, §9). */
  nonce?: string;
  /** The signing algorithm; by default the first asymmetric one of the registry that fits the key. */
  alg?: JwsAlg;
  /** The time `iat` states (default: now). */
  currentDate?: Date;
}

interface SigningKey {
  readonly key: KeyObject;
  readonly alg: JwsAlgorithm;
  readonly jwk: Jwk;
}
const signingKeys = new WeakMap<object, Map<string, SigningKey>>();

/** The prepared key, its algorithm row and its public JWK; computed once per key object. */
function signingKeyOf(input: KeyObject | Jwk, alg: JwsAlg | undefined): SigningKey {
  if (typeof input !== 'object' || input === null) {
    throw new JoseError('ERR_KEY_INVALID', 'a private key (KeyObject or JWK) is required');
  }
  let perAlg = signingKeys.get(input);
  const hit = perAlg?.get(alg ?? '');
  if (hit !== undefined) return hit;
  const key: KeyObject =
    input instanceof KeyObject ? input : importJwk(input as Jwk, undefined, undefined, 'sign');
  if (key.type !== 'private') {
    throw new JoseError('ERR_KEY_INVALID', 'a DPoP proof is signed with an asymmetric private key');
  }
  const row = alg !== undefined ? jwsAlgorithm(alg) : defaultAlgFor(key);
  if (row.family === 'hmac') {
    throw new JoseError('ERR_ALG_NOT_ALLOWED', 'a DPoP proof needs an asymmetric algorithm');
  }
  const prepared = prepareKey(key, row, 'sign');
  const pub = keyObjectToJwk(createPublicKey(prepared));
  const entry: SigningKey = { key: prepared, alg: row, jwk: Object.freeze(pub) };
  if (perAlg === undefined) signingKeys.set(input, (perAlg = new Map()));
  perAlg.set(alg ?? '', entry);
  return entry;
}

/** The registry's first asymmetric row the key fits (ES256 for P-256, EdDSA for Ed25519, RS256…). */
function defaultAlgFor(key: KeyObject): JwsAlgorithm {
  for (const row of Object.values(JWS_ALGORITHMS)) {
    if (row.family === 'hmac') continue;
    try {
      checkKeyForAlg(key, row, 'sign');
      return row;
    } catch {
      // Not this row; the next one may fit.
    }
  }
  throw new JoseError('ERR_KEY_INVALID', 'no JWS algorithm fits this key');
}

/**
 * Create a DPoP proof JWT (RFC 9449 §4.2) for one HTTP request: header `typ: dpop+jwt`, `alg`
 * and the public `jwk`; claims `jti` (128 random bits), `htm`, `htu` (no query or fragment),
 * `iat`, and `ath` / `nonce` when given.
 *
 * @example
 * const proof = createDpopProof({ key: privateKey, htm: 'GET', htu: 'https://api.example/x', accessToken });
 */
export function createDpopProof(options: CreateDpopProofOptions): string {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const { key, alg: algName, jwk } = signingKeyOf(options.key, options.alg);
  if (typeof options.htm !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(options.htm)) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'htm must be an HTTP method');
  }
  const htu = normalizeOr(options.htu, 'ERR_OPTIONS_INVALID', 'htu');
  if (options.ath !== undefined && options.accessToken !== undefined) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'give ath or accessToken, not both');
  }
  const ath =
    options.accessToken !== undefined ? calculateAccessTokenHash(options.accessToken) : options.ath;
  for (const [name, v] of [
    ['ath', ath],
    ['nonce', options.nonce],
  ] as const) {
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) {
      throw new JoseError('ERR_OPTIONS_INVALID', `${name} must be a non-empty string`);
    }
  }
  const now = options.currentDate ?? new Date();
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'currentDate must be a valid Date');
  }
  const claims: Record<string, unknown> = {
    jti: encodeBase64url(randomBytes(16)),
    htm: options.htm,
    htu,
    iat: Math.floor(now.getTime() / 1000),
  };
  if (ath !== undefined) claims['ath'] = ath;
  if (options.nonce !== undefined) claims['nonce'] = options.nonce;
  return signCompact(JSON.stringify(claims), key, {
    alg: algName.alg,
    header: { typ: DPOP_TYP, jwk },
  });
}

/** Which nonce a proof must carry: one value, several (e.g. this time slot and the last), or a check. */
export type DpopNonceCheck = string | readonly string[] | ((nonce: string) => boolean);

export interface DpopVerifierOptions {
  /** Allowlist of proof algorithms; asymmetric only (`HS*` is refused at configuration time). */
  algorithms: readonly JwsAlg[];
  /** Oldest accepted proof, measured from `iat` (default 60 s). */
  maxAge?: Duration;
  /** Clock skew allowed for `iat` in both directions (default 0). */
  clockTolerance?: Duration;
  /** Longest proof accepted, in characters (default 8192). */
  maxTokenLength?: number;
}

export interface DpopRequest {
  /** The method of the request the proof came with. */
  htm: string;
  /** The URI of the request as the client addressed it (query and fragment are ignored). */
  htu: string;
  /** The access token sent with the proof: `ath` is then required and must match. */
  accessToken?: string;
  /** The nonce the server expects (RFC 9449 §8, §9); when given, the proof must carry it. */
  nonce?: DpopNonceCheck;
  /** The time to check `iat` against (default: now). */
  currentDate?: Date;
}

export interface DpopVerifyOptions extends DpopVerifierOptions, DpopRequest {}

export interface DpopProofResult {
  /** RFC 7638 SHA-256 thumbprint of the proof's key: compare with the token's `cnf.jkt`. */
  jkt: string;
  /** The proof's `jti`, for replay detection. */
  jti: string;
  /** The proof's `iat` (seconds). */
  iat: number;
  /** The algorithm that verified. */
  alg: JwsAlg;
  /** The public key of the proof. */
  jwk: Jwk;
  /** The nonce the proof carried, if any. */
  nonce?: string;
}

/** A prepared proof verifier: the static options checked once, the request given per call. */
export type DpopVerifier = (proof: string, request: DpopRequest) => DpopProofResult;

interface CachedKey {
  readonly key: KeyObject;
  readonly jkt: string;
}
// Clients keep their DPoP key for many requests: import and thumbprint each key once. Entries are
// keyed by the exact header JWK (and alg), so a JWK differing in any member is imported afresh.
const MAX_CACHED_KEYS = 1024;
const proofKeys = new Map<string, CachedKey>();

function proofKey(alg: JwsAlgorithm, jwk: JsonObject): CachedKey {
  const id = `${alg.alg}\n${JSON.stringify(jwk)}`;
  const hit = proofKeys.get(id);
  if (hit !== undefined) return hit;
  for (const m of PRIVATE_MEMBERS) {
    if (Object.hasOwn(jwk, m)) {
      // RFC 9449 §4.3 step 7: the header must carry a public key only.
      throw new JoseError('ERR_DPOP_PROOF_INVALID', 'the "jwk" header holds private key members');
    }
  }
  let key: KeyObject;
  try {
    key = importJwk(jwk as Jwk, alg.alg, undefined, 'verify');
  } catch (cause) {
    if (cause instanceof JoseError) throw cause;
    throw new JoseError('ERR_JWK_INVALID', 'the "jwk" header is not a usable key', { cause });
  }
  const entry: CachedKey = { key, jkt: thumbprintOfJwk(jwk) };
  if (proofKeys.size >= MAX_CACHED_KEYS) proofKeys.delete(proofKeys.keys().next().value!);
  proofKeys.set(id, entry);
  return entry;
}

function proofFail(message: string): JoseError {
  return new JoseError('ERR_DPOP_PROOF_INVALID', message);
}

/**
 * Prepare a DPoP proof verifier (RFC 9449 §4.3). Options are validated once; each call then checks
 * one proof against one request, in the JWS verification order: size, split, strict base64url and
 * JSON, header rules, `alg` allowlist, `typ: dpop+jwt`, a public `jwk` that fits `alg`, the
 * signature with that key, then the claims: `jti`, `htm`, `htu` (normalised, no query or
 * fragment), `iat` within `maxAge` and `clockTolerance`, `ath` when an access token is given,
 * `nonce` when one is expected. Replay of `jti` is the caller's to track (the window is `maxAge`).
 *
 * @example
 * const verifyProof = createDpopVerifier({ algorithms: ['ES256', 'EdDSA'] });
 * const { jkt } = verifyProof(proof, { htm: 'GET', htu: 'https://api.example/x', accessToken });
 */
export function createDpopVerifier(options: DpopVerifierOptions): DpopVerifier {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const p: PreparedVerify = prepareVerify(
    {
      algorithms: options.algorithms,
      maxTokenLength: options.maxTokenLength ?? DEFAULT_MAX_PROOF_LENGTH,
    },
    false,
  );
  for (const row of p.algorithms.values()) {
    if (row.family === 'hmac') {
      // RFC 9449 §4.3 step 5: a proof is signed with an asymmetric key.
      throw new JoseError('ERR_OPTIONS_INVALID', `${row.alg} cannot verify DPoP proofs`);
    }
  }
  const claimChecks: PreparedClaimChecks = prepareClaimChecks({
    typ: DPOP_TYP,
    maxTokenAge: options.maxAge ?? DEFAULT_DPOP_MAX_AGE,
    clockTolerance: options.clockTolerance ?? 0,
    requiredClaims: ['jti', 'htm', 'htu', 'iat'],
  });
  // A client signs every proof with one key, so the protected header segment repeats byte for
  // byte: its checked parse (row, key, thumbprint) is kept per verifier, keyed by the exact text.
  const headers = new Map<string, CheckedHeader>();
  // Request and proof URIs repeat too; normalisation is a pure function of the string.
  const uris = new Map<string, string>();
  const ctx: VerifyContext = { p, c: claimChecks, headers, uris, lastAth: undefined };
  return (proof, request) => verifyPrepared(proof, request, ctx);
}

interface CheckedHeader {
  readonly header: JsonObject;
  readonly alg: JwsAlgorithm;
  readonly jwk: JsonObject;
  readonly key: KeyObject;
  readonly jkt: string;
}

interface VerifyContext {
  readonly p: PreparedVerify;
  readonly c: PreparedClaimChecks;
  readonly headers: Map<string, CheckedHeader>;
  readonly uris: Map<string, string>;
  lastAth: { readonly token: string; readonly ath: string } | undefined;
}

const MAX_CACHED_HEADERS = 1024;
const MAX_CACHED_URIS = 256;

function checkedHeader(segment: string, ctx: VerifyContext): CheckedHeader {
  const hit = ctx.headers.get(segment);
  if (hit !== undefined) return hit;
  const header = parseProtectedHeader(segment);
  const alg = checkJwsHeaders(header, undefined, ctx.p);
  const jwk = header['jwk'];
  if (!isJsonObject(jwk)) throw proofFail('the "jwk" header must be a JSON object');
  const { key, jkt } = proofKey(alg, jwk);
  // Shared by every result of this header: frozen, so one caller cannot change another's view.
  const entry: CheckedHeader = { header, alg, jwk: Object.freeze(jwk), key, jkt };
  if (ctx.headers.size >= MAX_CACHED_HEADERS) ctx.headers.delete(ctx.headers.keys().next().value!);
  ctx.headers.set(segment, entry);
  return entry;
}

function normalizedUri(
  uri: unknown,
  ctx: VerifyContext,
  code: 'ERR_OPTIONS_INVALID' | 'ERR_DPOP_PROOF_INVALID',
  what: string,
): string {
  if (typeof uri === 'string') {
    const hit = ctx.uris.get(`${code}\n${uri}`);
    if (hit !== undefined) return hit;
  }
  const n = normalizeOr(uri, code, what);
  if (ctx.uris.size >= MAX_CACHED_URIS) ctx.uris.delete(ctx.uris.keys().next().value!);
  ctx.uris.set(`${code}\n${uri as string}`, n);
  return n;
}

// A client sends one access token with many proofs: its hash is kept for the last token seen.
function accessTokenHash(accessToken: string, ctx: VerifyContext): string {
  const last = ctx.lastAth;
  if (last !== undefined && last.token === accessToken) return last.ath;
  const ath = calculateAccessTokenHash(accessToken);
  ctx.lastAth = { token: accessToken, ath };
  return ath;
}

function verifyPrepared(proof: unknown, request: DpopRequest, ctx: VerifyContext): DpopProofResult {
  const { p, c } = ctx;
  if (!isJsonObject(request)) throw new JoseError('ERR_OPTIONS_INVALID', 'the request is required');
  const expectedHtu = normalizedUri(request.htu, ctx, 'ERR_OPTIONS_INVALID', 'htu');
  const now = request.currentDate ?? new Date();
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'currentDate must be a valid Date');
  }
  const [h, pl, s] = splitCompact(proof, p.maxTokenLength);
  const { header, alg, jwk, key, jkt } = checkedHeader(h, ctx);
  const sig = decodeBase64url(s, 'signature');
  const payloadBytes = decodeBase64url(pl, 'payload');
  verifyWithKeys(alg, [key], signingInput(h, pl, true), sig);
  const payload = parseJsonObject(payloadBytes, 'payload');
  // typ, required claims, iat neither in the future nor older than maxAge (RFC 9449 §4.3 steps 3, 4, 11).
  checkClaims(payload, header['typ'], c, now.getTime() / 1000);
  const jti = payload['jti'];
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw proofFail(`"jti" must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
  }
  if (payload['htm'] !== request.htm) throw proofFail('"htm" does not match the request method');
  const htu = payload['htu'];
  const proofHtu = normalizedUri(htu, ctx, 'ERR_DPOP_PROOF_INVALID', '"htu"');
  if (proofHtu !== expectedHtu) throw proofFail('"htu" does not match the request URI');
  if (request.accessToken !== undefined) {
    const ath = payload['ath'];
    if (typeof ath !== 'string') throw proofFail('"ath" is required with an access token');
    // Not secret: a hash of a token the request itself carries, so a plain compare is fine.
    if (ath !== accessTokenHash(request.accessToken, ctx)) {
      throw proofFail('"ath" does not match the access token');
    }
  }
  const nonce = payload['nonce'];
  if (nonce !== undefined && typeof nonce !== 'string') throw proofFail('"nonce" must be a string');
  if (request.nonce !== undefined) {
    if (nonce === undefined) {
      throw new JoseError('ERR_DPOP_NONCE_INVALID', 'the proof carries no nonce');
    }
    const expected = request.nonce;
    const ok =
      typeof expected === 'function'
        ? expected(nonce) === true
        : typeof expected === 'string'
          ? nonce === expected
          : expected.includes(nonce);
    if (!ok)
      throw new JoseError('ERR_DPOP_NONCE_INVALID', 'the proof carries a stale or unknown nonce');
  }
  const result: DpopProofResult = {
    jkt,
    jti,
    iat: payload['iat'] as number,
    alg: alg.alg,
    jwk: jwk as Jwk,
  };
  if (nonce !== undefined) result.nonce = nonce;
  return result;
}

/**
 * Verify one DPoP proof against one request (RFC 9449 §4.3); see {@link createDpopVerifier},
 * the fast path when many proofs are checked with the same options.
 *
 * @example
 * const { jkt, jti } = verifyDpopProof(proof, { htm: 'POST', htu: 'https://as.example/token', algorithms: ['ES256'] });
 */
export function verifyDpopProof(proof: string, options: DpopVerifyOptions): DpopProofResult {
  const verify = createDpopVerifier({
    algorithms: options.algorithms,
    maxAge: options.maxAge,
    clockTolerance: options.clockTolerance,
    maxTokenLength: options.maxTokenLength,
  } as DpopVerifierOptions);
  return verify(proof, options);
}
