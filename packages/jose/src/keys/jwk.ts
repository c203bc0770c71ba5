import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
} from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { decodeBase64url, encodeBase64url } from '../base/base64url.js';
import { isJsonObject } from '../base/json.js';
import { CURVES } from '../base/algorithms.js';
import { thumbprintInput, type ThumbprintHash } from './thumbprint.js';
import { b64Member, checkCommonMembers } from './jwk-members.js';

export { THUMBPRINT_URI_HASH } from './thumbprint.js';
export type { ThumbprintHash } from './thumbprint.js';
import { isWeakEd25519Point, isWeakEd448Point } from './edwards.js';
import { markRsaChecked } from './rsa-checks.js';
import { checkRsaPublicNumbers } from './rsa-numbers.js';

/** A JSON Web Key (RFC 7517). Only the members Tessera reads are typed. */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
  x5c?: string[];
  x5t?: string;
  'x5t#S256'?: string;
  [member: string]: unknown;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface JwkSet {
  keys: Jwk[];
}

const RSA_PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/**
 * Validate a JWK strictly and turn it into a node:crypto KeyObject. Public keys of Edwards
 * curves are checked for small order (docs/security.md#eddsa-small-order); a private JWK must match its public
 * members. The result is not yet checked against any algorithm.
 */
export function jwkToKeyObject(input: unknown): KeyObject {
  if (!isJsonObject(input)) throw new JoseError('ERR_JWK_INVALID', 'a JWK must be a JSON object');
  const jwk = input as Record<string, unknown>;
  checkCommonMembers(jwk);
  const kty = jwk['kty'];
  try {
    switch (kty) {
      case 'oct': {
        const k = b64Member(jwk, 'k', true)!;
        return createSecretKey(k);
      }
      case 'RSA': {
        b64Member(jwk, 'n', true);
        b64Member(jwk, 'e', true);
        if (jwk['oth'] !== undefined) {
          throw new JoseError('ERR_JWK_INVALID', 'multi-prime RSA keys ("oth") are not supported');
        }
        checkRsaPublicNumbers(bigIntOf(jwk, 'n'), bigIntOf(jwk, 'e'));
        const present = RSA_PRIVATE.filter((m) => jwk[m] !== undefined);
        if (present.length === 0)
          return markRsaChecked(
            createPublicKey({ key: pick(jwk, ['kty', 'n', 'e']), format: 'jwk' }),
          );
        if (present.length !== RSA_PRIVATE.length) {
          throw new JoseError('ERR_JWK_INVALID', 'an RSA private JWK needs d, p, q, dp, dq and qi');
        }
        for (const m of RSA_PRIVATE) b64Member(jwk, m, true);
        const key = createPrivateKey({
          key: pick(jwk, ['kty', 'n', 'e', ...RSA_PRIVATE]),
          format: 'jwk',
        });
        // node:crypto takes n and e as given, so check the private members against them: n = p·q.
        if (bigIntOf(jwk, 'p') * bigIntOf(jwk, 'q') !== bigIntOf(jwk, 'n')) {
          throw new JoseError(
            'ERR_JWK_INVALID',
            'the private JWK does not match its public members',
          );
        }
        return markRsaChecked(key);
      }
      case 'EC': {
        const crv = jwk['crv'];
        const info = typeof crv === 'string' ? CURVES[crv] : undefined;
        if (info === undefined || info.nodeKeyType !== 'ec') {
          throw new JoseError('ERR_JWK_INVALID', 'unsupported EC curve');
        }
        const x = b64Member(jwk, 'x', true)!;
        const y = b64Member(jwk, 'y', true)!;
        const d = b64Member(jwk, 'd', false);
        if (x.length !== info.size || y.length !== info.size || (d && d.length !== info.size)) {
          throw new JoseError(
            'ERR_JWK_INVALID',
            `EC key members have the wrong length for ${info.crv}`,
          );
        }
        if (d === undefined) {
          return createPublicKey({ key: pick(jwk, ['kty', 'crv', 'x', 'y']), format: 'jwk' });
        }
        const key = createPrivateKey({
          key: pick(jwk, ['kty', 'crv', 'x', 'y', 'd']),
          format: 'jwk',
        });
        // node:crypto keeps x and y as given next to d; derive the public point from d instead.
        const ecdh = createECDH(info.namedCurve!);
        ecdh.setPrivateKey(d);
        const point = ecdh.getPublicKey();
        if (
          !equalBytes(point.subarray(1, 1 + info.size), x) ||
          !equalBytes(point.subarray(1 + info.size), y)
        ) {
          throw new JoseError(
            'ERR_JWK_INVALID',
            'the private JWK does not match its public members',
          );
        }
        return key;
      }
      case 'OKP': {
        const crv = jwk['crv'];
        const info = typeof crv === 'string' ? CURVES[crv] : undefined;
        if (info === undefined || info.nodeKeyType === 'ec') {
          throw new JoseError('ERR_JWK_INVALID', 'unsupported OKP curve');
        }
        const x = b64Member(jwk, 'x', true)!;
        const d = b64Member(jwk, 'd', false);
        if (x.length !== info.size || (d && d.length !== info.size)) {
          throw new JoseError(
            'ERR_JWK_INVALID',
            `OKP key members have the wrong length for ${info.crv}`,
          );
        }
        if (
          (info.crv === 'Ed25519' && isWeakEd25519Point(x)) ||
          (info.crv === 'Ed448' && isWeakEd448Point(x))
        ) {
          throw new JoseError(
            'ERR_JWK_INVALID',
            `${info.crv} public key is of small order or not canonical`,
          );
        }
        if (d === undefined) {
          return createPublicKey({ key: pick(jwk, ['kty', 'crv', 'x']), format: 'jwk' });
        }
        const key = createPrivateKey({ key: pick(jwk, ['kty', 'crv', 'x', 'd']), format: 'jwk' });
        assertPublicMatches(key, jwk, ['x']);
        return key;
      }
      default:
        throw new JoseError('ERR_JWK_INVALID', 'unsupported or missing JWK "kty"');
    }
  } catch (e) {
    if (e instanceof JoseError) throw e;
    throw new JoseError('ERR_JWK_INVALID', 'the JWK could not be imported', { cause: e });
  }
}

// Only the members node:crypto needs, so unknown members (and `__proto__`) never reach it.
function pick(jwk: Record<string, unknown>, names: readonly string[]): { kty: string } {
  const out: Record<string, unknown> = {};
  for (const n of names) if (jwk[n] !== undefined) out[n] = jwk[n];
  return out as { kty: string };
}

function bigIntOf(jwk: Record<string, unknown>, name: string): bigint {
  return BigInt(`0x${decodeBase64url(jwk[name] as string).toString('hex') || '0'}`);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertPublicMatches(
  key: KeyObject,
  jwk: Record<string, unknown>,
  members: string[],
): void {
  const pub = createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>;
  for (const m of members) {
    if (pub[m] !== jwk[m]) {
      throw new JoseError('ERR_JWK_INVALID', 'the private JWK does not match its public members');
    }
  }
}

/** Export a KeyObject as a JWK (public, private or `oct`). */
export function keyObjectToJwk(key: KeyObject): Jwk {
  if (key.type === 'secret') return { kty: 'oct', k: encodeBase64url(key.export()) };
  try {
    return key.export({ format: 'jwk' }) as Jwk;
  } catch (cause) {
    throw new JoseError('ERR_KEY_INVALID', 'this key type cannot be exported as a JWK', { cause });
  }
}

/** RFC 7638 thumbprint of a JWK (only its required members count). */
export function thumbprintOfJwk(jwk: unknown, hash: ThumbprintHash = 'sha256'): string {
  return createHash(hash).update(thumbprintInput(jwk, hash)).digest('base64url');
}
