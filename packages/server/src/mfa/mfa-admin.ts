import type { Audit } from '../audit.js';
import type { Kek } from '../keys/kek.js';
import type { Store } from '../stores/store.js';
import { endSessions, InputError, mustFind } from '../users.js';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import { checkSecondFactor } from './second-factor.js';
import {
  newTotpFactor,
  TOTP_ENROLMENT_TTL_SECONDS,
  totpSecretBase32,
  totpSecretsKek,
  totpUri,
} from './totp.js';

/** Why a second-factor management call was refused. */
export type MfaErrorCode =
  | 'malformed_code'
  | 'wrong_code'
  | 'too_many_attempts'
  | 'not_enrolled'
  | 'already_enrolled'
  | 'enrolment_expired';

/** A refused second-factor call: a typed code; nothing was changed. */
export class MfaError extends InputError {
  constructor(
    override readonly code: MfaErrorCode,
    message: string,
    /** Seconds to wait, for `too_many_attempts`. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface MfaDeps {
  store: Store;
  /** The issuer's key-encryption key (TOTP secrets are sealed with a subkey of it). */
  kek: Kek;
  audit?: Audit;
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** How long ended sessions stay on the revocation feed (see `UserDeps`). */
  revocationTtlSeconds?: number;
}

/** A registered passkey, as `listMfa` shows it (the public key is left out). */
export interface PasskeyStatus {
  /** The credential id (base64url): public, names the passkey. */
  readonly id: string;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
  readonly counter: number;
  readonly transports: readonly string[];
  /** Backup eligible (BE): a synced passkey, `swk` in `amr`; else device-bound, `hwk`. */
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
}

/** A user's second factors, without secrets. */
export interface MfaStatus {
  readonly totp: 'none' | 'pending' | 'confirmed';
  readonly enrolledAt?: number;
  readonly confirmedAt?: number;
  readonly lastUsedAt?: number;
  readonly recoveryCodesLeft: number;
  readonly passkeys: readonly PasskeyStatus[];
}

/**
 * {@link MfaDeps} with the TOTP subkey already derived (`totpSecretsKek`) instead of the KEK: what
 * the issuer's own pages hold.
 */
export type MfaSubkeyDeps = Omit<MfaDeps, 'kek'> & { readonly secrets: Kek };

const secretsOf = (d: MfaDeps | MfaSubkeyDeps): Kek =>
  'secrets' in d ? d.secrets : totpSecretsKek(d.kek);

const seconds = (d: Pick<MfaDeps, 'now'>) => Math.floor((d.now ?? Date.now)() / 1000);

/**
 * Start a TOTP enrolment (RFC 6238): a new 160-bit secret, sealed at rest, not asked for until
 * {@link confirmTotp} sees a first valid code within {@link TOTP_ENROLMENT_TTL_SECONDS} (10 min).
 * An earlier unconfirmed enrolment is replaced; a confirmed factor must be reset first.
 *
 * @example
 * const { secret, uri } = await enrolTotp(deps, 'alice', { issuer: 'Example' });
 * // show `uri` as a QR code and `secret` for manual entry
 */
export async function enrolTotp(
  d: MfaDeps | MfaSubkeyDeps,
  username: string,
  o: { issuer?: string } = {},
): Promise<PendingTotp> {
  const user = await mustFind(d, username);
  const secrets = secretsOf(d);
  const { row, base32 } = newTotpFactor(secrets, user.id, seconds(d));
  if (!(await d.store.putMfaFactor(row)))
    throw new MfaError(
      'already_enrolled',
      'the user already has a confirmed TOTP factor; reset it first',
    );
  return {
    secret: base32,
    uri: totpUri(secrets, row, user.username, o.issuer ?? 'Tessera'),
    factorId: row.id,
    expiresAt: row.created_at + TOTP_ENROLMENT_TTL_SECONDS,
  };
}

/** A TOTP enrolment waiting for its first code. */
export interface PendingTotp {
  /** Base32, for manual entry. */
  readonly secret: string;
  /** The `otpauth://` URI (the QR code's content). */
  readonly uri: string;
  /** Which enrolment this is: {@link confirmTotp} can insist on it. */
  readonly factorId: string;
  /** Seconds since the epoch after which it can no longer be confirmed. */
  readonly expiresAt: number;
}

/**
 * The user's pending TOTP enrolment again (to show its QR code and secret once more), if there is
 * one that has not expired.
 */
export async function pendingTotp(
  d: MfaDeps | MfaSubkeyDeps,
  username: string,
  o: { issuer?: string } = {},
): Promise<PendingTotp | undefined> {
  const user = await mustFind(d, username);
  const row = (await d.store.listMfaFactors(user.id)).find(
    (f) => f.kind === 'totp' && f.confirmed_at === null,
  );
  if (row === undefined || row.created_at + TOTP_ENROLMENT_TTL_SECONDS <= seconds(d))
    return undefined;
  const secrets = secretsOf(d);
  return {
    secret: totpSecretBase32(secrets, row),
    uri: totpUri(secrets, row, user.username, o.issuer ?? 'Tessera'),
    factorId: row.id,
    expiresAt: row.created_at + TOTP_ENROLMENT_TTL_SECONDS,
  };
}

/**
 * Confirm a pending TOTP enrolment with a first valid code (throttled and spent like a sign-in
 * code), within 10 minutes of {@link enrolTotp}. With `factorId`, only that enrolment (one
 * replaced meanwhile is `not_enrolled`). Returns the user's recovery codes — shown once, stored
 * as hashes only.
 */
export async function confirmTotp(
  d: MfaDeps | MfaSubkeyDeps,
  username: string,
  code: string,
  o: { factorId?: string } = {},
): Promise<{ recoveryCodes: string[] }> {
  const user = await mustFind(d, username);
  const pending = (await d.store.listMfaFactors(user.id)).find(
    (f) => f.kind === 'totp' && f.confirmed_at === null,
  );
  if (pending === undefined || (o.factorId !== undefined && pending.id !== o.factorId))
    throw new MfaError('not_enrolled', 'no TOTP enrolment is pending');
  if (pending.created_at + TOTP_ENROLMENT_TTL_SECONDS <= seconds(d))
    throw new MfaError('enrolment_expired', 'the TOTP enrolment expired; start it again');
  const r = await checkSecondFactor(
    { store: d.store, secrets: secretsOf(d), audit: d.audit, nowMs: d.now ?? Date.now },
    pending,
    { kind: 'totp', code },
  );
  if (!r.ok) {
    if (r.why === 'malformed') throw new MfaError('malformed_code', 'a code is 6 digits');
    if (r.why === 'blocked')
      throw new MfaError(
        'too_many_attempts',
        'too many wrong codes; try again later',
        r.retryAfter,
      );
    throw new MfaError('wrong_code', 'the code is wrong, used or expired');
  }
  const now = seconds(d);
  if (!(await d.store.confirmMfaFactor(pending.id, now)))
    throw new MfaError('not_enrolled', 'no TOTP enrolment is pending');
  const recoveryCodes = newRecoveryCodes();
  await d.store.replaceRecoveryCodes(
    user.id,
    recoveryCodes.map((c) => recoveryCodeHash(user.id, c)!),
    now,
  );
  await d.audit?.record({ type: 'mfa.enrolled', subject: user.id, detail: { kind: 'totp' } });
  return { recoveryCodes };
}

/** A user's second factors and how many recovery codes are left. */
export async function listMfa(d: Pick<MfaDeps, 'store'>, username: string): Promise<MfaStatus> {
  const user = await mustFind(d, username);
  const totp = (await d.store.listMfaFactors(user.id)).find((f) => f.kind === 'totp');
  return {
    totp: totp === undefined ? 'none' : totp.confirmed_at === null ? 'pending' : 'confirmed',
    ...(totp !== undefined ? { enrolledAt: totp.created_at } : {}),
    ...(totp?.confirmed_at != null ? { confirmedAt: totp.confirmed_at } : {}),
    ...(totp?.last_used_at != null ? { lastUsedAt: totp.last_used_at } : {}),
    recoveryCodesLeft: await d.store.countRecoveryCodes(user.id),
    passkeys: (await d.store.listWebauthnCredentials(user.id)).map((p) => ({
      id: p.id,
      createdAt: p.created_at,
      ...(p.last_used_at !== null ? { lastUsedAt: p.last_used_at } : {}),
      counter: p.counter,
      transports: JSON.parse(p.transports) as string[],
      backupEligible: p.backup_eligible === 1,
      backedUp: p.backup_state === 1,
    })),
  };
}

/**
 * Remove every second factor (TOTP and passkeys) and recovery code of a user (a lost phone or
 * security key), audited. Ends the user's sessions and puts their ids on the revocation feed, as
 * disabling a user does: whoever asked for the reset may not be the only one holding a session.
 */
export async function resetMfa(
  d: Omit<MfaDeps, 'kek'>,
  username: string,
): Promise<{ factors: number; passkeys: number; sessionsEnded: number }> {
  const user = await mustFind(d, username);
  const totp = await d.store.deleteUserMfa(user.id);
  const passkeys = await d.store.deleteWebauthnCredentials(user.id);
  const factors = totp + passkeys;
  await d.audit?.record({ type: 'mfa.reset', subject: user.id, detail: { factors, passkeys } });
  const sessionsEnded = await endSessions(d, user.id, 'mfa_reset');
  return { factors, passkeys, sessionsEnded };
}
