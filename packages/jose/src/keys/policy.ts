/** Explicit, named escapes from the defaults. Both are unsafe; both default to false. */
export interface KeyPolicy {
  /** Accept HMAC secrets shorter than the hash output (RFC 7518 §3.2 says MUST NOT). */
  allowWeakSecret?: boolean;
  /** Accept RSA moduli under 2048 bits (RFC 7518 §3.3 says MUST NOT). */
  allowInsecureKeySize?: boolean;
}

export type KeyUse = 'sign' | 'verify';
