import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Kek } from '../keys/kek.js';
import type { MfaFactorRow, Store } from '../stores/store.js';

/**
 * RFC 6238 parameters, fixed: HMAC-SHA-1, 6 digits, 30-second steps — what every authenticator
 * app understands (§4.1 defaults, §5.2 one step of delay either way).
 */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW = 1;
/** RFC 4226 §4 R6 asks for 128 bits and recommends 160: 20 random bytes. */
const SECRET_BYTES = 20;

/** The subkey that seals TOTP secrets (never the KEK itself). */
export function totpSecretsKek(kek: Kek): Kek {
  return kek.derive('mfa-totp-secret');
}

const sealContext = (factorId: string) => `totp-secret:${factorId}`;

/** A fresh factor row (unconfirmed) and its secret as base32 for the user's app. */
export function newTotpFactor(
  secrets: Kek,
  userId: string,
  now: number,
): { row: MfaFactorRow; base32: string } {
  const secret = new Secret({ size: SECRET_BYTES });
  const id = randomUUID();
  return {
    row: {
      id,
      user_id: userId,
      kind: 'totp',
      secret_sealed: secrets.seal(secret.bytes, sealContext(id)),
      created_at: now,
      confirmed_at: null,
      last_used_at: null,
    },
    base32: secret.base32,
  };
}

function totpOf(secrets: Kek, row: MfaFactorRow, label = 'user', issuer = 'Tessera'): TOTP {
  const bytes = secrets.open(row.secret_sealed, sealContext(row.id));
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    secret: new Secret({ buffer: new Uint8Array(bytes).buffer }),
  });
}

/**
 * How long a TOTP enrolment waits for its first code: after that the pending secret can no longer
 * be confirmed (it stays sealed in its row until replaced or reset) and enrolment starts over.
 */
export const TOTP_ENROLMENT_TTL_SECONDS = 600;

/** The secret of a factor in base32, for manual entry in an authenticator app. */
export function totpSecretBase32(secrets: Kek, row: MfaFactorRow): string {
  return totpOf(secrets, row).secret.base32;
}

/** The `otpauth://totp/…` URI an authenticator app imports (the QR code's content). */
export function totpUri(secrets: Kek, row: MfaFactorRow, label: string, issuer: string): string {
  return totpOf(secrets, row, label, issuer).toString();
}

/** A TOTP code as typed: exactly six ASCII digits (anything else is refused before any check). */
export const TOTP_CODE = /^[0-9]{6}$/;

/**
 * The time step a code belongs to, if it is valid at `nowMs` within ±1 step; the caller spends
 * the step in the store so the code works once.
 */
export function matchTotpStep(
  secrets: Kek,
  row: MfaFactorRow,
  code: string,
  nowMs: number,
): number | undefined {
  if (!TOTP_CODE.test(code)) return undefined;
  const delta = totpOf(secrets, row).validate({
    token: code,
    timestamp: nowMs,
    window: TOTP_WINDOW,
  });
  if (delta === null) return undefined;
  return TOTP.counter({ period: TOTP_PERIOD, timestamp: nowMs }) + delta;
}

/** Until when a spent step must be remembered: after that it can no longer verify. */
export function stepExpiry(step: number): number {
  return (step + 1 + TOTP_WINDOW) * TOTP_PERIOD + TOTP_PERIOD;
}

/** The user's confirmed TOTP factor, if any. */
export async function confirmedTotp(
  store: Store,
  userId: string,
): Promise<MfaFactorRow | undefined> {
  return (await store.listMfaFactors(userId)).find(
    (f) => f.kind === 'totp' && f.confirmed_at !== null,
  );
}
