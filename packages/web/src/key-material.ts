import type { KeyObject } from 'node:crypto';
import { createLocalKeySet, type JwsAlg, type KeyInput, type KeySet } from '@tessera/jose';
import { WebError } from './errors.js';
import { readKeyText, selectKid, SECRET_ENCODINGS, type SecretEncoding } from '@tessera/inspect';

export { SECRET_ENCODINGS, type SecretEncoding };
export { decodeSecret } from '@tessera/inspect';

/** A key as the page sends it: text plus what the user said it is. */
export type KeyMaterial =
  | { readonly kind: 'secret'; readonly value: string; readonly encoding?: SecretEncoding }
  | { readonly kind: 'public' | 'private'; readonly value: string; readonly kid?: string };

/** How the key text was read, for the status card. */
export type KeySource = 'secret' | 'pem' | 'jwk' | 'jwks';

/** A verification key read from text, with its format; `kids` lists a JWKS's key ids. */
export interface VerificationKey {
  readonly key: KeyInput | KeySet;
  readonly source: KeySource;
  readonly kids: readonly string[];
}

/**
 * Read a public key from text (@tessera/inspect's `readKeyText`): PEM (a private PEM is reduced
 * to its public half by the core), a JWK, or a JWKS, optionally narrowed to one `kid`. A PEM is
 * imported for the token's algorithm, since Tessera never guesses one (docs/security.md#key-confusion).
 *
 * @example
 * readVerificationKey(pemText, 'ES256').source // 'pem'
 */
export function readVerificationKey(text: string, alg: JwsAlg, kid?: string): VerificationKey {
  const k = readKeyText(text, { algorithms: [alg] });
  if (k.kind === 'key')
    return { key: k.key, source: k.source, kids: typeof k.jwk.kid === 'string' ? [k.jwk.kid] : [] };
  // A chosen kid picks that one key, whatever kid the token names (the user decides here).
  if (kid !== undefined && kid !== '')
    return { key: selectKid(k.jwks, kid).keys[0]!, source: 'jwks', kids: k.kids };
  return { key: createLocalKeySet(k.jwks), source: 'jwks', kids: k.kids };
}

/**
 * Read a private signing key from text: PEM (PKCS#8, PKCS#1, SEC1) or a private JWK.
 *
 * @example
 * readSigningKey(pkcs8Pem, 'EdDSA')
 */
export function readSigningKey(text: string, alg: JwsAlg): { key: KeyObject; source: KeySource } {
  const k = readKeyText(text, { algorithms: [alg], use: 'sign' });
  if (k.kind === 'jwks')
    throw new WebError('ERR_KEY_INVALID', 400, 'signing needs one private key, not a key set');
  return { key: k.key, source: k.source };
}
