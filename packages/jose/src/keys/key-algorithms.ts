import { KeyObject } from 'node:crypto';
import {
  CRV_BY_NAMED_CURVE,
  JWS_ALGORITHMS,
  JWS_ALGORITHM_NAMES,
  type JwsAlg,
  type Kty,
} from '../base/algorithms.js';
import type { Jwk } from './jwk.js';

interface KeyShape {
  kty: Kty | undefined;
  crv: string | undefined;
  /** RSA-PSS-restricted keys fit only the PS* rows (RFC 8017 §8.1). */
  pssOnly: boolean;
  /** A JWK's own `alg`, which narrows the answer to that one algorithm (RFC 7517 §4.4). */
  alg: unknown;
}

function shapeOf(key: KeyObject | Jwk | Uint8Array): KeyShape {
  if (key instanceof Uint8Array)
    return { kty: 'oct', crv: undefined, pssOnly: false, alg: undefined };
  if (key instanceof KeyObject) {
    if (key.type === 'secret')
      return { kty: 'oct', crv: undefined, pssOnly: false, alg: undefined };
    const type = key.asymmetricKeyType;
    const namedCurve = key.asymmetricKeyDetails?.namedCurve ?? '';
    if (type === 'rsa' || type === 'rsa-pss')
      return { kty: 'RSA', crv: undefined, pssOnly: type === 'rsa-pss', alg: undefined };
    if (type === 'ec')
      return { kty: 'EC', crv: CRV_BY_NAMED_CURVE[namedCurve], pssOnly: false, alg: undefined };
    if (type === 'ed25519' || type === 'ed448')
      return {
        kty: 'OKP',
        crv: type === 'ed25519' ? 'Ed25519' : 'Ed448',
        pssOnly: false,
        alg: undefined,
      };
    return { kty: undefined, crv: undefined, pssOnly: false, alg: undefined };
  }
  const kty = typeof key.kty === 'string' ? (key.kty as Kty) : undefined;
  return {
    kty,
    crv: typeof key.crv === 'string' ? key.crv : undefined,
    pssOnly: false,
    alg: key.alg,
  };
}

/**
 * The JWS algorithms a key's shape fits, by the registry rows (key type, curve; a JWK's own
 * `alg` narrows it to that one). Says nothing about strength: a 1024-bit RSA key still "fits"
 * RS256 here and is refused by `verifyJwt` unless allowed. Used to default an allowlist from a
 * key the user chose, never from a token's header.
 *
 * @example
 * algorithmsForKey({ kty: 'EC', crv: 'P-256', x: '…', y: '…' }) // ['ES256']
 */
export function algorithmsForKey(key: KeyObject | Jwk | Uint8Array): JwsAlg[] {
  const s = shapeOf(key);
  if (s.kty === undefined) return [];
  return JWS_ALGORITHM_NAMES.filter((name) => {
    const row = JWS_ALGORITHMS[name];
    if (row.kty !== s.kty) return false;
    if (s.pssOnly && row.family !== 'rsa-pss') return false;
    if (row.curves.length > 0 && (s.crv === undefined || !row.curves.includes(s.crv))) return false;
    return s.alg === undefined || s.alg === name;
  });
}
