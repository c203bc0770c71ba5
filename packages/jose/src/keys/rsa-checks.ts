import { createPublicKey, type KeyObject } from 'node:crypto';
import { bigIntOfBytes, checkRsaPublicNumbers } from './rsa-numbers.js';

/** Read one DER element at `at`: its tag, and where its contents start and end. */
function derElement(der: Uint8Array, at: number): { tag: number; start: number; end: number } {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  return { tag, start, end: start + len };
}

/**
 * n and e of an RSA or RSA-PSS public key, read from its SubjectPublicKeyInfo (RFC 5280 §4.1,
 * RFC 8017 A.1.1). DER rather than a JWK export: RSA-PSS keys have no JWK form in node:crypto,
 * and exporting a freshly generated key as a JWK can hang Node 20.
 */
function rsaPublicNumbers(pub: KeyObject): { n: bigint; e: bigint } {
  const der = pub.export({ format: 'der', type: 'spki' });
  const spki = derElement(der, 0);
  const algId = derElement(der, spki.start);
  const bits = derElement(der, algId.end); // BIT STRING: one byte of unused bits, then RSAPublicKey
  const seq = derElement(der, bits.start + 1);
  const n = derElement(der, seq.start);
  const e = derElement(der, n.end);
  return {
    n: bigIntOfBytes(der.subarray(n.start, n.end)),
    e: bigIntOfBytes(der.subarray(e.start, e.end)),
  };
}

// Each KeyObject is checked once: the fingerprint costs a few hundred microseconds.
const checked = new WeakSet<KeyObject>();

/** {@link checkRsaPublicNumbers} for an RSA or RSA-PSS KeyObject (public or private). */
export function checkRsaKey(key: KeyObject): void {
  if (checked.has(key)) return;
  const { n, e } = rsaPublicNumbers(key.type === 'private' ? createPublicKey(key) : key);
  checkRsaPublicNumbers(n, e);
  checked.add(key);
}

/** Record that `key` was made from numbers {@link checkRsaPublicNumbers} accepted. */
export function markRsaChecked(key: KeyObject): KeyObject {
  checked.add(key);
  return key;
}
