import { JoseError } from '../base/errors.js';

/** The one message of every JWE decryption failure, whatever its cause (no oracle). */
export const DECRYPTION_FAILED_MESSAGE = 'decryption failed';

/**
 * The opaque failure of RFC 7516 §11.5 / §11.4: a bad encrypted key, an invalid `epk`, a wrong
 * IV or tag length, a failed tag, bad padding and a corrupt DEFLATE stream all look the same.
 * No `cause` is attached: OpenSSL's messages ("bad decrypt" vs "unable to authenticate")
 * would tell padding failures from tag failures (docs/security.md#cbc-hmac; GHSA-58f5-hfqc-jgch).
 */
export function decryptionFailed(): JoseError {
  return new JoseError('ERR_JWE_DECRYPTION_FAILED', DECRYPTION_FAILED_MESSAGE);
}
