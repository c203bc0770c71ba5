/**
 * The JWS rules both cores share (the Node.js core in this folder, the Web Crypto entry in
 * webcrypto/): option validation, header parsing and checks, the signing input, splitting. Pure
 * TypeScript: no `node:` module, no key handling.
 */
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
import type { KeyPolicy } from '../keys/policy.js';

/** Default maximum length of a compact token, checked before anything else (docs/security.md#token-size). */
export const DEFAULT_MAX_TOKEN_LENGTH = 16384;

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

/**
 * True when a key resolver found nothing: `undefined`, `null`, `""` or an empty byte array
 * (`keys[kid] || ''`, an empty file) means "no key for this token", never an empty secret
 * (docs/security.md#empty-secret).
 */
export function resolvedNoKey(found: unknown): boolean {
  return (
    found === undefined ||
    found === null ||
    found === '' ||
    (found instanceof Uint8Array && found.length === 0)
  );
}

export function payloadBytes(payload: Uint8Array | string): Uint8Array {
  if (typeof payload === 'string') return utf8(payload);
  if (payload instanceof Uint8Array) return payload;
  throw new JoseError('ERR_OPTIONS_INVALID', 'payload must be a Uint8Array or a string');
}

export function isUtf8(bytes: Uint8Array): boolean {
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

/** Options of a compact signature (both entries). */
export interface CompactSignOptions extends SignOptions {
  /** RFC 7797 unencoded payload: adds `b64: false` and `crit: ["b64"]` to the protected header. */
  b64?: boolean;
  /** Leave the payload segment empty (detached content, RFC 7515 Appendix F). */
  detached?: boolean;
}

/** A compact signature about to be made: its `alg` row and protected segment. */
export interface CompactSignPlan {
  readonly alg: JwsAlgorithm;
  readonly protectedB64: string;
  readonly b64: boolean;
}

/** signCompact step 1, before the key: options and the protected header. */
export function planCompactSignature(options: CompactSignOptions): CompactSignPlan {
  if (!isJsonObject(options)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const b64 = options.b64 !== false;
  const crit = [...new Set([...((options.header?.['crit'] as string[]) ?? []), 'b64'])];
  const header = buildProtectedHeader(options, b64 ? undefined : { b64: false, crit });
  const alg = jwsAlgorithm(header.alg);
  return { alg, protectedB64: encodeBase64url(JSON.stringify(header)), b64 };
}

/**
 * signCompact step 2, after the key: the payload segment as written ('' when detached) and the
 * signing input (RFC 7515 §5.1). An unencoded attached payload must be UTF-8 text without "."
 * (RFC 7797 §5.2); detached content may be any bytes.
 */
export function compactSigningInput(
  plan: CompactSignPlan,
  payload: Uint8Array | string,
  options: CompactSignOptions,
): { shown: string; data: Uint8Array | string } {
  const bytes = payloadBytes(payload);
  if (!plan.b64 && !options.detached) {
    if (bytes.includes(0x2e))
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        'an unencoded compact payload may not contain "." (use detached)',
      );
    if (!isUtf8(bytes))
      // The payload travels as text, so bytes that are not UTF-8 would not survive.
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        'an unencoded compact payload must be UTF-8 text (use detached)',
      );
  }
  const part = plan.b64 ? encodeBase64url(bytes) : bytes;
  const shown = options.detached ? '' : typeof part === 'string' ? part : utf8Decode(part);
  return { shown, data: signingInput(plan.protectedB64, part, plan.b64) };
}

/** A compact JWS checked up to its keys: the signature, its input, the payload and header. */
export interface CheckedCompact {
  readonly alg: JwsAlgorithm;
  readonly kid: unknown;
  readonly data: Uint8Array | string;
  readonly sig: Uint8Array;
  readonly payload: Uint8Array;
  readonly protectedHeader: JsonObject;
}

/**
 * verifyCompact before the keys, in the fixed order: size → split → strict base64url → strict
 * JSON → header rules → `alg` allowlist; the detached payload, if given, replaces an empty
 * payload segment (and never an attached one).
 */
export function checkCompact(
  jws: unknown,
  p: PreparedVerify,
  detachedPayload: Uint8Array | string | undefined,
): CheckedCompact {
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
  return {
    alg,
    kid: protectedHeader['kid'],
    data: signingInput(h, part, b64),
    sig,
    payload,
    protectedHeader,
  };
}
