import type { KeyObject } from 'node:crypto';
import {
  algorithmsForKey,
  decodeBase64url,
  exportJwk,
  importJwk,
  importPem,
  isJoseError,
  isStrictBase64url,
  JoseError,
  JWS_ALGORITHMS,
  type Jwk,
  type JwkSet,
  type JwsAlg,
} from '@tessera/jose';
import { InspectError } from './errors.js';

/** How a typed secret is turned into bytes. */
export const SECRET_ENCODINGS = ['utf8', 'base64', 'base64url', 'hex'] as const;
export type SecretEncoding = (typeof SECRET_ENCODINGS)[number];

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Secret text → bytes; undefined when the text is not valid in the encoding. Without an
 * explicit encoding the prefixes `b64:`, `b64url:`, `hex:` select one; otherwise UTF-8.
 * base64url is the core's strict alphabet (RFC 7515 §2); base64 must be padded (RFC 4648 §4).
 *
 * @example
 * decodeSecret('hex:68656c6c6f') // Uint8Array 'hello'
 */
export function decodeSecret(text: string, encoding?: SecretEncoding): Uint8Array | undefined {
  let enc: SecretEncoding = encoding ?? 'utf8';
  let body = text;
  if (encoding === undefined) {
    const m = /^(b64|b64url|hex):/.exec(text);
    if (m !== null) {
      enc = m[1] === 'b64' ? 'base64' : m[1] === 'b64url' ? 'base64url' : 'hex';
      body = text.slice(m[0].length);
    }
  }
  switch (enc) {
    case 'utf8':
      return new TextEncoder().encode(body);
    case 'base64': {
      const v = body.replace(/\s+/g, '');
      if (!B64.test(v) || v.length % 4 !== 0) return undefined;
      const bin = atob(v);
      return Uint8Array.from(bin, (c) => c.charCodeAt(0));
    }
    case 'base64url':
      return isStrictBase64url(body) ? decodeBase64url(body) : undefined;
    case 'hex': {
      if (!HEX.test(body)) return undefined;
      const out = new Uint8Array(body.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = parseInt(body.slice(2 * i, 2 * i + 2), 16);
      return out;
    }
  }
}

/** A key read from text: one key (PEM or JWK) or a key set, with the algorithms it fits. */
export type KeyText =
  | {
      readonly kind: 'key';
      readonly source: 'pem' | 'jwk';
      readonly key: KeyObject;
      readonly jwk: Jwk;
      readonly algorithms: JwsAlg[];
    }
  | {
      readonly kind: 'jwks';
      readonly source: 'jwks';
      readonly jwks: JwkSet;
      readonly kids: readonly string[];
      readonly algorithms: JwsAlg[];
    };

export interface KeyTextOptions {
  /** Algorithms the user named: a PEM is imported for the first asymmetric one that fits. */
  readonly algorithms?: readonly JwsAlg[];
  /** `sign` requires a private key. Default `verify`. */
  readonly use?: 'verify' | 'sign';
  /** Accept an `oct` JWK (a secret) as the key. Default false: secrets go in a secret field. */
  readonly allowSecretJwk?: boolean;
}

/** The asymmetric algorithms tried, in order, for a PEM given without an algorithm. */
const PEM_PROBE: readonly JwsAlg[] = [
  'RS256',
  'PS256',
  'ES256',
  'ES384',
  'ES512',
  'ES256K',
  'EdDSA',
];

function jsonOf(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InspectError('ERR_KEY_TEXT_INVALID', 'the key is neither PEM nor JSON (JWK or JWKS)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InspectError('ERR_KEY_TEXT_INVALID', 'the key must be a JWK or a JWKS object');
  return parsed as Record<string, unknown>;
}

/** The union of algorithms the asymmetric keys of a set fit (secrets never come from a set). */
export function algorithmsForKeySet(jwks: JwkSet): JwsAlg[] {
  const out = new Set<JwsAlg>();
  for (const k of jwks.keys) if (k.kty !== 'oct') for (const a of algorithmsForKey(k)) out.add(a);
  return [...out];
}

/**
 * Read key text as people paste or save it: PEM (SPKI, PKCS#1, SEC1, PKCS#8, X.509 certificate),
 * a JWK, or a JWKS (`{"keys": [...]}`). A PEM is imported for an explicit algorithm (a string is
 * never guessed into a key): the first asymmetric one given, else the first family it fits.
 * Throws {@link InspectError} `ERR_KEY_TEXT_INVALID` for text that is not a key at all, and the
 * core's JoseError (ERR_PEM_INVALID, ERR_JWK_INVALID, ERR_KEY_INVALID …) for a key it refuses.
 *
 * @example
 * readKeyText(pemText).algorithms // e.g. ['ES256']
 */
export function readKeyText(text: string, o: KeyTextOptions = {}): KeyText {
  const t = text.replace(/^\uFEFF/, '').trim();
  const use = o.use ?? 'verify';
  if (t.startsWith('-----BEGIN')) {
    const asked = (o.algorithms ?? []).filter((a) => JWS_ALGORITHMS[a].family !== 'hmac');
    let first: unknown;
    for (const alg of asked.length > 0 ? asked : PEM_PROBE) {
      let key: KeyObject;
      try {
        key = importPem(t, alg);
      } catch (e) {
        if (isJoseError(e, 'ERR_PEM_INVALID')) throw e;
        first ??= e;
        continue;
      }
      if (use === 'sign' && key.type !== 'private')
        throw new JoseError('ERR_KEY_INVALID', 'signing needs a private key');
      return {
        kind: 'key',
        source: 'pem',
        key,
        jwk: exportJwk(key),
        algorithms: algorithmsForKey(key),
      };
    }
    throw first;
  }
  const json = jsonOf(t);
  if (Array.isArray(json['keys'])) {
    const keys = (json['keys'] as unknown[]).filter(
      (k): k is Jwk => typeof k === 'object' && k !== null && !Array.isArray(k),
    );
    const jwks = { keys };
    const kids = keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string');
    return { kind: 'jwks', source: 'jwks', jwks, kids, algorithms: algorithmsForKeySet(jwks) };
  }
  if (typeof json['kty'] !== 'string')
    throw new InspectError(
      'ERR_KEY_TEXT_INVALID',
      'the JSON is neither a JWK (no "kty") nor a JWKS (no "keys")',
    );
  const jwk = json as Jwk;
  if (jwk.kty === 'oct' && o.allowSecretJwk !== true)
    // docs/security.md#key-confusion: a public-key field never yields an HMAC secret.
    throw new JoseError('ERR_KEY_INVALID', 'an "oct" JWK is a secret: use the secret field');
  const key = importJwk(jwk, use === 'sign' ? o.algorithms?.[0] : undefined, undefined, use);
  if (use === 'sign' && key.type !== 'private' && key.type !== 'secret')
    throw new JoseError('ERR_KEY_INVALID', 'signing needs a private key');
  return { kind: 'key', source: 'jwk', key, jwk, algorithms: algorithmsForKey(jwk) };
}

/** The keys of a set with the given `kid`; ERR_KEY_NOT_FOUND when none has it. */
export function selectKid(jwks: JwkSet, kid: string | undefined): JwkSet {
  if (kid === undefined || kid === '') {
    if (jwks.keys.length === 0) throw new JoseError('ERR_KEY_NOT_FOUND', 'the key set is empty');
    return jwks;
  }
  const keys = jwks.keys.filter((k) => k.kid === kid);
  if (keys.length === 0)
    throw new JoseError('ERR_KEY_NOT_FOUND', 'no key with that kid in the key set');
  return { keys };
}
