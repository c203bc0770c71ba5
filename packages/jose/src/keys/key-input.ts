import { Buffer } from 'node:buffer';
import { KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';

/**
 * The one check every key entry point makes first: a key is an object (KeyObject, CryptoKey, JWK
 * or Uint8Array). A string is never guessed into a key (docs/security.md#key-confusion), and a missing key is
 * never an empty secret (docs/security.md#empty-secret).
 */
export function requireKeyObjectInput(input: unknown): asserts input is object {
  if (typeof input !== 'object' || input === null) {
    throw new JoseError(
      'ERR_KEY_INVALID',
      typeof input === 'string'
        ? 'a string is never used as a key: pass a Uint8Array secret, a JWK, a KeyObject, or importPem(pem, alg)'
        : 'a key is required',
    );
  }
}

/** True for a Web Crypto CryptoKey (where the runtime has them). */
export function isCryptoKey(v: object): v is CryptoKey {
  return typeof CryptoKey !== 'undefined' && v instanceof CryptoKey;
}

/**
 * The KeyObject behind an extractable CryptoKey. A non-extractable one is refused: reaching its
 * material from `node:crypto` is deprecated (Node DEP0204, a runtime warning on Node 24) and will
 * throw in a later Node, so it fails the same way on every version we support.
 */
export function keyObjectFromCryptoKey(key: CryptoKey): KeyObject {
  if (!key.extractable) {
    throw new JoseError(
      'ERR_KEY_INVALID',
      'a non-extractable CryptoKey cannot be used by the node:crypto API: pass a KeyObject, a JWK, or a CryptoKey created with extractable: true',
    );
  }
  return KeyObject.from(key);
}

// The JWK members that make up a key and its permissions.
const STAMPED = [
  'kty',
  'crv',
  'x',
  'y',
  'n',
  'e',
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
  'k',
  'alg',
  'use',
  'key_ops',
] as const;

interface Entry {
  readonly key: KeyObject;
  /** For a JWK: its key members when prepared. */
  readonly stamp: string;
  /** For a byte array: a copy of its contents when prepared. */
  readonly bytes: Buffer | undefined;
}

function jwkStamp(jwk: Record<string, unknown>): string {
  let s = '';
  for (const m of STAMPED) {
    const v = jwk[m];
    s += `${Array.isArray(v) ? v.join(',') : String(v)}|`;
  }
  return s;
}

/**
 * KeyObjects prepared from a caller's key inputs, per input object and purpose (algorithm, use,
 * policy), so one-shot calls with the same key stay cheap. A JWK or a byte array can be changed
 * in place after a first use (a reused buffer refilled with another tenant's secret): its entry
 * counts only while its contents are unchanged, so a stale key never signs, verifies, encrypts
 * or decrypts.
 */
export class PreparedKeyCache {
  readonly #entries = new WeakMap<object, Map<string, Entry>>();

  get(input: object, purpose: string): KeyObject | undefined {
    const hit = this.#entries.get(input)?.get(purpose);
    if (hit === undefined) return undefined;
    if (input instanceof Uint8Array) return hit.bytes!.equals(input) ? hit.key : undefined;
    if (input instanceof KeyObject || isCryptoKey(input)) return hit.key;
    return hit.stamp === jwkStamp(input as Record<string, unknown>) ? hit.key : undefined;
  }

  set(input: object, purpose: string, key: KeyObject): void {
    let perObject = this.#entries.get(input);
    if (perObject === undefined) this.#entries.set(input, (perObject = new Map()));
    const isBytes = input instanceof Uint8Array;
    const stamp =
      isBytes || input instanceof KeyObject || isCryptoKey(input)
        ? ''
        : jwkStamp(input as Record<string, unknown>);
    perObject.set(purpose, { key, stamp, bytes: isBytes ? Buffer.from(input) : undefined });
  }
}
