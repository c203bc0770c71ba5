import { createSecretKey, type KeyObject } from 'node:crypto';
import { JoseError } from '../base/errors.js';
import { encodeBase64url, isStrictBase64url, decodeBase64url } from '../base/base64url.js';
import { JWS_ALGORITHMS } from '../base/algorithms.js';
import { parseDuration, type Duration } from '../base/duration.js';
import { signBytes, verifyBytes } from '../jws/signature.js';

const HS256 = JWS_ALGORITHMS.HS256;
/** Default length of one nonce time slot, in seconds. */
export const DEFAULT_DPOP_NONCE_PERIOD = 300;

export interface DpopNonceOptions {
  /** The secret shared by every node that issues or checks these nonces (at least 32 bytes). */
  secret: Uint8Array;
  /** Length of one time slot (default 300 s). A nonce is accepted for one to two slots. */
  period?: Duration;
  /** Separates nonces of different purposes made with one secret (e.g. issuer vs. resource). */
  purpose?: string;
}

/** Stateless DPoP nonces: what `DPoP-Nonce` sends now, and whether a proof's nonce is good. */
export interface DpopNonces {
  /** The nonce of the current time slot. */
  current(now?: Date): string;
  /** True for the nonce of the current, previous or next slot (the next: a node slightly ahead). */
  check(nonce: string, now?: Date): boolean;
}

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) that no node has to remember: the nonce of a time
 * slot is the HMAC-SHA-256 of the slot number under a shared secret, so every node with the secret
 * issues and accepts the same nonces, and a nonce from another secret or an old slot is refused.
 *
 * @example
 * const nonces = createDpopNonces({ secret });
 * verifyDpopProof(proof, { ..., nonce: (n) => nonces.check(n) });
 */
export function createDpopNonces(options: DpopNonceOptions): DpopNonces {
  if (!(options?.secret instanceof Uint8Array) || options.secret.length < 32) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'the nonce secret must be at least 32 bytes');
  }
  const period = parseDuration(options.period ?? DEFAULT_DPOP_NONCE_PERIOD, 'period');
  if (period < 1) throw new JoseError('ERR_OPTIONS_INVALID', 'period must be at least 1 s');
  const purpose = options.purpose ?? 'dpop';
  if (typeof purpose !== 'string' || purpose.includes(':')) {
    throw new JoseError('ERR_OPTIONS_INVALID', 'purpose must be a string without ":"');
  }
  const key: KeyObject = createSecretKey(Uint8Array.from(options.secret));
  const slotOf = (now: Date | undefined): number => {
    const t = (now ?? new Date()).getTime();
    if (!Number.isFinite(t)) throw new JoseError('ERR_OPTIONS_INVALID', 'now must be a valid Date');
    return Math.floor(t / 1000 / period);
  };
  const input = (slot: number): string => `tessera-dpop-nonce:${purpose}:${slot}`;
  // One cached value: every request in a slot sends the same nonce.
  let cached: { slot: number; nonce: string } | undefined;
  const nonceOf = (slot: number): string => {
    if (cached?.slot === slot) return cached.nonce;
    const nonce = encodeBase64url(signBytes(HS256, key, input(slot)));
    cached = { slot, nonce };
    return nonce;
  };
  return {
    current: (now) => nonceOf(slotOf(now)),
    check(nonce, now) {
      if (typeof nonce !== 'string' || nonce.length !== 43 || !isStrictBase64url(nonce))
        return false;
      const mac = decodeBase64url(nonce, 'nonce');
      const slot = slotOf(now);
      for (const s of [slot, slot - 1, slot + 1]) {
        if (verifyBytes(HS256, key, input(s), mac)) return true;
      }
      return false;
    },
  };
}
