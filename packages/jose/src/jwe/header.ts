import {
  isJweContentEncryptionAlg,
  isJweKeyManagementAlg,
  JWE_CONTENT_ENCRYPTION_ALGORITHMS,
  JWE_KEY_MANAGEMENT_ALGORITHMS,
  printable,
  type JweContentEncryptionAlg,
  type JweContentEncryptionAlgorithm,
  type JweKeyManagementAlg,
  type JweKeyManagementAlgorithm,
} from '../base/algorithms.js';
import { decodeBase64url, isStrictBase64url } from '../base/base64url.js';
import { JoseError } from '../base/errors.js';
import { checkCrit, checkDisjoint, checkHeaderTypes } from '../base/header.js';
import { isJsonObject, type JsonObject } from '../base/json.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from '../jws/rules.js';
import type { KeyPolicy } from '../keys/policy.js';
import {
  checkPbes2Parameters,
  DEFAULT_MAX_DECOMPRESSED_LENGTH,
  DEFAULT_MAX_PBES2_COUNT,
} from './rules.js';

/** Options of every JWE decryption (compact, flattened, general, JWT). */
export interface DecryptOptions extends KeyPolicy {
  /** Allowlist of accepted `alg` values. Required. PBES2 is accepted only when listed here. */
  keyManagementAlgorithms: readonly JweKeyManagementAlg[];
  /** Allowlist of accepted `enc` values. Required. */
  contentEncryptionAlgorithms: readonly JweContentEncryptionAlg[];
  /** Highest accepted PBES2 `p2c` (default 10,000), checked before any derivation. */
  maxPbes2Count?: number;
  /** Cap on the inflated plaintext of a `zip: "DEF"` JWE in bytes (default 250,000). */
  maxDecompressedLength?: number;
  /** Maximum JWE length in characters, checked before parsing (default 16384). */
  maxTokenLength?: number;
  /** Critical extensions (`crit`) the caller understands and checks itself. */
  crit?: readonly string[] | Readonly<Record<string, boolean>>;
}

/** Decrypt options validated once. */
export interface PreparedDecrypt {
  readonly keyManagement: ReadonlyMap<string, JweKeyManagementAlgorithm>;
  readonly contentEncryption: ReadonlyMap<string, JweContentEncryptionAlgorithm>;
  readonly understood: ReadonlySet<string>;
  readonly policy: KeyPolicy;
  readonly maxPbes2Count: number;
  readonly maxDecompressedLength: number;
  readonly maxTokenLength: number;
}

function positiveInteger(v: unknown, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new JoseError('ERR_OPTIONS_INVALID', `${name} must be a positive integer`);
  }
  return v;
}

function allowlist<R>(
  list: unknown,
  name: string,
  isName: (v: unknown) => boolean,
  row: (v: string) => R,
): Map<string, R> {
  if (!Array.isArray(list) || list.length === 0) {
    throw new JoseError(
      'ERR_OPTIONS_INVALID',
      `${name} must be a non-empty array (an allowlist is required)`,
    );
  }
  const out = new Map<string, R>();
  for (const a of list) {
    if (a === 'RSA1_5') {
      throw new JoseError(
        'ERR_OPTIONS_INVALID',
        'RSA1_5 is not supported (CVE-2023-46809): use RSA-OAEP-256 or ECDH-ES',
      );
    }
    if (!isName(a))
      throw new JoseError('ERR_OPTIONS_INVALID', `${name} contains an unsupported algorithm`);
    out.set(a as string, row(a as string));
  }
  return out;
}

/** Validate decrypt options (ERR_OPTIONS_INVALID at configuration time). */
export function prepareDecrypt(o: DecryptOptions): PreparedDecrypt {
  if (!isJsonObject(o)) throw new JoseError('ERR_OPTIONS_INVALID', 'options are required');
  const understood = new Set<string>();
  const crit = o.crit;
  if (Array.isArray(crit)) for (const c of crit) understood.add(String(c));
  else if (isJsonObject(crit))
    for (const [c, on] of Object.entries(crit))
      if (on === true) understood.add(c);
      else if (crit !== undefined)
        throw new JoseError('ERR_OPTIONS_INVALID', 'crit must be an array or an object');
  return {
    keyManagement: allowlist(
      o.keyManagementAlgorithms,
      'keyManagementAlgorithms',
      isJweKeyManagementAlg,
      (a) => JWE_KEY_MANAGEMENT_ALGORITHMS[a as JweKeyManagementAlg],
    ),
    contentEncryption: allowlist(
      o.contentEncryptionAlgorithms,
      'contentEncryptionAlgorithms',
      isJweContentEncryptionAlg,
      (e) => JWE_CONTENT_ENCRYPTION_ALGORITHMS[e as JweContentEncryptionAlg],
    ),
    understood,
    policy: { allowInsecureKeySize: o.allowInsecureKeySize === true },
    maxPbes2Count: positiveInteger(o.maxPbes2Count, DEFAULT_MAX_PBES2_COUNT, 'maxPbes2Count'),
    maxDecompressedLength: positiveInteger(
      o.maxDecompressedLength,
      DEFAULT_MAX_DECOMPRESSED_LENGTH,
      'maxDecompressedLength',
    ),
    maxTokenLength: positiveInteger(o.maxTokenLength, DEFAULT_MAX_TOKEN_LENGTH, 'maxTokenLength'),
  };
}

/** The result of the header rules: resolved rows, the joined header and the `kid`. */
export interface CheckedJweHeader {
  readonly alg: JweKeyManagementAlgorithm;
  readonly enc: JweContentEncryptionAlgorithm;
  /** Union of the protected, shared unprotected and per-recipient headers (RFC 7516 §7.2.1). */
  readonly joined: JsonObject;
  readonly kid: string | undefined;
  /** True when the plaintext is DEFLATE-compressed (`zip: "DEF"` in the protected header). */
  readonly zip: boolean;
}

function notAllowed(what: string, value: string): JoseError {
  return new JoseError(
    'ERR_ALG_NOT_ALLOWED',
    value.length <= 32
      ? `"${what}" (${printable(value)}) is not allowed`
      : `"${what}" is not allowed`,
  );
}

/**
 * The JWE header rules, all before any key is touched: disjoint headers, types, `crit` (protected
 * only), `zip` (protected only, `DEF` only: docs/security.md#zip), `alg` and `enc` against the allowlists, PBES2
 * only when listed and with `p2c`/`p2s` in bounds (docs/security.md#pbes2).
 */
export function checkJweHeaders(
  protectedHeader: JsonObject | undefined,
  sharedHeader: JsonObject | undefined,
  recipientHeader: JsonObject | undefined,
  p: PreparedDecrypt,
): CheckedJweHeader {
  checkDisjoint(protectedHeader, sharedHeader, recipientHeader);
  const joined: JsonObject = {};
  for (const h of [protectedHeader, sharedHeader, recipientHeader]) {
    if (h === undefined) continue;
    checkHeaderTypes(h);
    for (const k of Object.keys(h)) joined[k] = h[k]!;
  }
  checkCrit(protectedHeader, sharedHeader ?? recipientHeader, p.understood);
  if (sharedHeader?.['crit'] !== undefined || recipientHeader?.['crit'] !== undefined) {
    throw new JoseError('ERR_CRIT_UNSUPPORTED', '"crit" must be in the protected header');
  }
  let zip = false;
  if (joined['zip'] !== undefined) {
    if (protectedHeader?.['zip'] === undefined) {
      throw new JoseError('ERR_HEADER_INVALID', '"zip" must be in the protected header');
    }
    if (joined['zip'] !== 'DEF')
      throw new JoseError('ERR_HEADER_INVALID', 'the only supported "zip" is "DEF"');
    zip = true;
  }
  const alg = joined['alg'];
  const enc = joined['enc'];
  if (typeof alg !== 'string')
    throw new JoseError('ERR_JWE_MALFORMED', 'the JWE header has no "alg" string');
  if (typeof enc !== 'string')
    throw new JoseError('ERR_JWE_MALFORMED', 'the JWE header has no "enc" string');
  const algRow = p.keyManagement.get(alg);
  if (algRow === undefined) {
    if (isJweKeyManagementAlg(alg) && JWE_KEY_MANAGEMENT_ALGORITHMS[alg].family === 'pbes2') {
      throw new JoseError(
        'ERR_JWE_PBES2_NOT_ALLOWED',
        'PBES2 key management is not enabled (list it in keyManagementAlgorithms)',
      );
    }
    throw notAllowed('alg', alg);
  }
  const encRow = p.contentEncryption.get(enc);
  if (encRow === undefined) throw notAllowed('enc', enc);
  if (algRow.family === 'pbes2') {
    const p2s = joined['p2s'];
    const salt =
      typeof p2s === 'string' && isStrictBase64url(p2s) ? decodeBase64url(p2s) : undefined;
    checkPbes2Parameters(joined['p2c'], salt, p.maxPbes2Count);
  }
  const kid = joined['kid'];
  return { alg: algRow, enc: encRow, joined, kid: typeof kid === 'string' ? kid : undefined, zip };
}
