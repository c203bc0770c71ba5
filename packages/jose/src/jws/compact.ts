import type { KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { utf8, utf8Decode } from '../base/bytes.js';
import { isJsonObject, parseJsonObject, type JsonObject } from '../base/json.js';
import {
  jwsAlgorithm,
  printable,
  resolveAllowlist,
  type JwsAlg,
  type JwsAlgorithm,
} from '../base/algorithms.js';
import {
  b64Of,
  checkCrit,
  checkDisjoint,
  checkHeaderTypes,
  type JoseHeader,
} from '../base/header.js';
import { prepareKey, type KeyInput, type KeyPolicy } from '../keys/keys.js';
import { isKeySet, type KeyResolver, type KeySet } from '../jwks/local.js';
import { signBytes, verifyBytes } from './signature.js';

/** Default maximum length of a compact token, checked before anything else (docs/security.md#token-size). */
export const DEFAULT_MAX_TOKEN_LENGTH = 16384;

/** Where verification keys come from: one key, a key set, or a resolver of `alg`/`kid`. */
export type VerifyKey = KeyInput | KeySet | KeyResolver;

export interface SignOptions extends KeyPolicy {
  /** The JWS algorithm; always written to the protected header. */
  alg: JwsAlg;
  /** Key id for the protected header. */
  kid?: string;
  /** Further protected header parameters (`alg` and `kid` come from the options). */
  header?: Record<string, unknown>;
}

export interface VerifyOptions extends KeyPolicy {
  /** Allowlist of accepted `alg` values. Required: there is no default. */
  algorithms: readonly JwsAlg[];
  /** Critical extensions (`crit`) the caller understands and checks itself. */
  crit?: readonly string[] | Readonly<Record<string, boolean>>;
  /** Maximum token length in characters (default 16384). */
  maxTokenLength?: number;
}

export interface CompactVerifyOptions extends VerifyOptions {
  /** The payload of a detached-content JWS (RFC 7515 Appendix F), whose payload segment is empty. */
  detachedPayload?: Uint8Array | string;
}

export interface VerifyResult {
  payload: Uint8Array;
  protectedHeader: JoseHeader;
  /** The key that verified the signature. */
  key: KeyObject;
}

/** Verify options validated once. */
export interface PreparedVerify {
  readonly algorithms: ReadonlyMap<string, JwsAlgorithm>;
  readonly understood: ReadonlySet<string>;
  readonly policy: KeyPolicy;
  readonly maxTokenLength: number;
}

/** Validate verify options (ERR_OPTIONS_INVALID at configuration time). */
export function prepareVerify(options: VerifyOptions, understandsB64: boolean): PreparedVerify {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const crit = options.crit;
  const understood = new Set<string>(understandsB64 ? ['b64'] : []);
  // Braces matter here: an unbraced `else` would bind to the inner `if` and skip the type check.
  if (Array.isArray(crit)) {
    for (const c of crit) {
      if (typeof c !== 'string')
        throw new JoseError('ERR_OPTIONS_INVALID', 'crit must list header parameter names');
      understood.add(c);
    }
  } else if (isJsonObject(crit)) {
    for (const [c, on] of Object.entries(crit)) if (on === true) understood.add(c);
  } else if (crit !== undefined) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'crit must be an array or an object');
  }
  const max = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isSafeInteger(max) || max <= 0) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'maxTokenLength must be a positive integer');
  }
  return {
    algorithms: resolveAllowlist(options.algorithms),
    understood,
    policy: {
      allowWeakSecret: options.allowWeakSecret === true,
      allowInsecureKeySize: options.allowInsecureKeySize === true,
    },
    maxTokenLength: max,
  };
}

/** Parse the protected header segment: strict base64url, strict JSON object, no duplicates ever. */
export function parseProtectedHeader(segment: string): JsonObject {
  return parseJsonObject(decodeBase64url(segment, 'protected header'), 'protected header');
}

/**
 * The header rules of the verification order (docs/architecture.md#verification-order): `crit`, `b64`, disjoint headers, types,
 * then `alg` — from the protected header only (docs/security.md#protected-alg) — against the allowlist. Returns the row.
 */
export function checkJwsHeaders(
  protectedHeader: JsonObject,
  unprotectedHeader: JsonObject | undefined,
  p: PreparedVerify,
): JwsAlgorithm {
  if (unprotectedHeader !== undefined) {
    checkDisjoint(protectedHeader, unprotectedHeader);
    checkHeaderTypes(unprotectedHeader);
    if (unprotectedHeader['b64'] !== undefined) {
      throw new JoseError('ERR_HEADER_INVALID', '"b64" must be in the protected header');
    }
  }
  checkCrit(protectedHeader, unprotectedHeader, p.understood);
  checkHeaderTypes(protectedHeader);
  const alg = protectedHeader['alg'];
  if (typeof alg !== 'string') {
    throw new JoseError(
      unprotectedHeader?.['alg'] !== undefined ? 'ERR_HEADER_INVALID' : 'ERR_ALG_NOT_ALLOWED',
      '"alg" must be a string in the protected header',
    );
  }
  const row = p.algorithms.get(alg);
  if (row === undefined) {
    throw new JoseError(
      'ERR_ALG_NOT_ALLOWED',
      alg.length <= 32 ? `"alg" (${printable(alg)}) is not allowed` : '"alg" is not allowed',
    );
  }
  return row;
}

/** Candidate keys for a header (docs/security.md#empty-secret: an empty key from a resolver is "not found"). */
export function keysFor(
  source: VerifyKey,
  alg: JwsAlgorithm,
  kid: unknown,
  policy: KeyPolicy,
): KeyObject[] {
  const k = typeof kid === 'string' ? kid : undefined;
  if (isKeySet(source)) return source.select(alg, k, policy);
  if (typeof source === 'function') {
    const found = source(Object.freeze({ alg: alg.alg, kid: k }));
    if (
      found === undefined ||
      found === null ||
      (found as unknown) === '' ||
      (found instanceof Uint8Array && found.length === 0)
    ) {
      throw new JoseError('ERR_KEY_NOT_FOUND', 'the key resolver found no key for this token');
    }
    return [prepareKey(found, alg, 'verify', policy)];
  }
  return [prepareKey(source, alg, 'verify', policy)];
}

/** Verify with each candidate in turn; returns the key that verified, or throws. */
export function verifyWithKeys(
  alg: JwsAlgorithm,
  keys: readonly KeyObject[],
  data: Uint8Array | string,
  sig: Uint8Array,
): KeyObject {
  if (sig.length === 0) {
    // docs/security.md#alg-none special case: a key is configured, so an empty signature is never acceptable.
    throw new JoseError('ERR_SIGNATURE_INVALID', 'signature required');
  }
  for (const key of keys) if (verifyBytes(alg, key, data, sig)) return key;
  throw new JoseError('ERR_SIGNATURE_INVALID', 'signature verification failed');
}

/** Build a protected header from sign options; `alg`/`kid` from options win and are checked. */
export function buildProtectedHeader(
  options: SignOptions,
  extra?: Record<string, unknown>,
): JoseHeader {
  const alg = jwsAlgorithm(options.alg).alg;
  const header: JoseHeader = { alg };
  for (const src of [options.header, extra]) {
    if (src === undefined) continue;
    if (!isJsonObject(src)) throw new JoseError('ERR_OPTIONS_INVALID', 'header must be an object');
    for (const [k, v] of Object.entries(src)) {
      // An own "__proto__" (as JSON.parse makes) would be a [[Set]] of the prototype here: the
      // parameter would vanish from the header and its members would read as inherited ones.
      if (k === '__proto__')
        throw new JoseError('ERR_OPTIONS_INVALID', '"__proto__" is not a header parameter');
      if (k !== 'alg') header[k] = v;
    }
  }
  if (options.kid !== undefined) {
    if (typeof options.kid !== 'string' || options.kid.length === 0) {
      throw new JoseError('ERR_OPTIONS_INVALID', 'kid must be a non-empty string');
    }
    header.kid = options.kid;
  }
  checkHeaderTypes(header as JsonObject);
  return header;
}

/** Signing input bytes: ASCII(protected) '.' payload (RFC 7515 §5.1; RFC 7797 §3 for b64:false). */
export function signingInput(
  protectedB64: string,
  payloadPart: Uint8Array | string,
  b64: boolean,
): Uint8Array | string {
  if (b64) return `${protectedB64}.${payloadPart as string}`;
  const head = utf8(`${protectedB64}.`);
  const body = typeof payloadPart === 'string' ? utf8(payloadPart) : payloadPart;
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

export function payloadBytes(payload: Uint8Array | string): Uint8Array {
  if (typeof payload === 'string') return utf8(payload);
  if (payload instanceof Uint8Array) return payload;
  throw new JoseError('ERR_OPTIONS_INVALID', 'payload must be a Uint8Array or a string');
}

export interface SignCompactOptions extends SignOptions {
  /** RFC 7797 unencoded payload: adds `b64: false` and `crit: ["b64"]` to the protected header. */
  b64?: boolean;
  /** Leave the payload segment empty (detached content, RFC 7515 Appendix F). */
  detached?: boolean;
}

/**
 * Sign a payload into a compact JWS.
 *
 * @example
 * const jws = signCompact('hello', secret, { alg: 'HS256' });
 */
export function signCompact(
  payload: Uint8Array | string,
  key: KeyInput,
  options: SignCompactOptions,
): string {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const b64 = options.b64 !== false;
  const header = buildProtectedHeader(
    options,
    b64
      ? undefined
      : {
          b64: false,
          crit: [...new Set([...((options.header?.['crit'] as string[]) ?? []), 'b64'])],
        },
  );
  const alg = jwsAlgorithm(header.alg);
  const k = prepareKey(key, alg, 'sign', options);
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const bytes = payloadBytes(payload);
  let part: string | Uint8Array;
  if (b64) part = encodeBase64url(bytes);
  else {
    if (!options.detached && bytes.includes(0x2e)) {
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        'an unencoded compact payload may not contain "." (use detached)',
      );
    }
    if (!options.detached && !isUtf8(bytes)) {
      // The payload travels as text, so bytes that are not UTF-8 would not survive (RFC 7797 §5.2).
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        'an unencoded compact payload must be UTF-8 text (use detached)',
      );
    }
    part = bytes;
  }
  const sig = signBytes(alg, k, signingInput(protectedB64, part, b64));
  const shown = options.detached
    ? ''
    : typeof part === 'string'
      ? part
      : Buffer.from(part).toString('utf8');
  return `${protectedB64}.${shown}.${encodeBase64url(sig)}`;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Split a compact JWS after the length cap (docs/security.md#token-size); a JWE (5 segments) is named as such (docs/security.md#nested).
 */
export function splitCompact(token: unknown, max: number): [string, string, string] {
  if (typeof token !== 'string')
    throw new JoseError('ERR_JWS_MALFORMED', 'a compact JWS must be a string');
  if (token.length > max)
    throw new JoseError('ERR_TOKEN_TOO_LARGE', `the token is longer than ${max} characters`);
  const a = token.indexOf('.');
  const b = a === -1 ? -1 : token.indexOf('.', a + 1);
  if (b === -1 || token.indexOf('.', b + 1) !== -1) {
    const dots = token.split('.').length - 1;
    throw new JoseError(
      'ERR_JWS_MALFORMED',
      dots === 4
        ? 'a JWE (5 segments) cannot be verified as a JWS; decrypt it instead'
        : 'a compact JWS has exactly three segments',
    );
  }
  return [token.slice(0, a), token.slice(a + 1, b), token.slice(b + 1)];
}

/**
 * Verify a compact JWS in the fixed order: size → split → strict base64url → strict JSON →
 * header rules → `alg` allowlist → key fits `alg` → signature. Returns the payload bytes.
 */
export function verifyCompactPrepared(
  jws: unknown,
  source: VerifyKey,
  p: PreparedVerify,
  detachedPayload: Uint8Array | string | undefined,
): VerifyResult {
  const [h, pl, s] = splitCompact(jws, p.maxTokenLength);
  const protectedHeader = parseProtectedHeader(h);
  const alg = checkJwsHeaders(protectedHeader, undefined, p);
  const b64 = b64Of(protectedHeader);
  let part: string | Uint8Array = pl;
  if (detachedPayload !== undefined) {
    // A caller verifying detached content must never get a success for other, attached content.
    if (pl.length !== 0)
      throw new JoseError(
        'ERR_JWS_MALFORMED',
        'detached content was given, but the JWS carries a payload',
      );
    const bytes = payloadBytes(detachedPayload);
    part = b64 ? encodeBase64url(bytes) : bytes;
  }
  const sig = decodeBase64url(s, 'signature');
  // docs/architecture.md#verification-order: every segment is strict base64url before the
  // signature is checked (docs/security.md#base64url).
  const payload = b64
    ? decodeBase64url(typeof part === 'string' ? part : '', 'payload')
    : payloadBytes(part);
  const keys = keysFor(source, alg, protectedHeader['kid'], p.policy);
  const data = signingInput(h, part, b64);
  const key = verifyWithKeys(alg, keys, data, sig);
  return { payload, protectedHeader: protectedHeader as JoseHeader, key };
}

/**
 * Verify a compact JWS (RFC 7515 §7.1) and return its payload bytes and protected header.
 *
 * @example
 * const { payload } = verifyCompact(jws, publicKey, { algorithms: ['ES256'] });
 */
export function verifyCompact(
  jws: string,
  key: VerifyKey,
  options: CompactVerifyOptions,
): VerifyResult {
  return verifyCompactPrepared(jws, key, prepareVerify(options, true), options.detachedPayload);
}
