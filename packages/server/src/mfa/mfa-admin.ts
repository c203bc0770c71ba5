import type { Audit } from '../audit.js';
import type { Kek } from '../keys/kek.js';
import type { Store } from '../stores/store.js';
import { endSessions, InputError, mustFind } from '../users.js';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import { checkSecondFactor } from './second-factor.js';
import { newTotpFactor, totpSecretsKek, totpUri } from './totp.js';

/** Why a second-factor management call was refused. */
export type MfaErrorCode =
  'malformed_code' | 'wrong_code' | 'too_many_attempts' | 'not_enrolled' | 'already_enrolled';

/** A refused second-factor call: a typed code; nothing was changed. */
export class MfaError extends InputError {
  constructor(
    readonly code: MfaErrorCode,
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

/** A user's second factors, without secrets. */
export interface MfaStatus {
  readonly totp: 'none' | 'pending' | 'confirmed';
  readonly enrolledAt?: number;
  readonly confirmedAt?: number;
  readonly lastUsedAt?: number;
  readonly recoveryCodesLeft: number;
}

const seconds = (d: MfaDeps) => Math.floor((d.now ?? Date.now)() / 1000);

/**
 * Start a TOTP enrolment (RFC 6238): a new 160-bit secret, sealed at rest, not asked for until
 * {@link confirmTotp} sees a first valid code. An earlier unconfirmed enrolment is replaced; a
 * confirmed factor must be reset first.
 *
 * @example
 * const { secret, uri } = await enrolTotp(deps, 'alice', { issuer: 'Example' });
 * // show `uri` as a QR code and `secret` for manual entry
 */
export async function enrolTotp(
  d: MfaDeps,
  username: string,
  o: { issuer?: string } = {},
): Promise<{ secret: string; uri: string }> {
  const user = await mustFind(d, username);
  const secrets = totpSecretsKek(d.kek);
  const { row, base32 } = newTotpFactor(secrets, user.id, seconds(d));
  if (!(await d.store.putMfaFactor(row)))
    throw new MfaError(
      'already_enrolled',
      'the user already has a confirmed TOTP factor; reset it first',
    );
  return { secret: base32, uri: totpUri(secrets, row, user.username, o.issuer ?? 'Tessera') };
}

/**
 * Confirm a pending TOTP enrolment with a first valid code (throttled and spent like a sign-in
 * code). Returns the user's recovery codes — shown once, stored as hashes only.
 */
export async function confirmTotp(
  d: MfaDeps,
  username: string,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const user = await mustFind(d, username);
  const pending = (await d.store.listMfaFactors(user.id)).find(
    (f) => f.kind === 'totp' && f.confirmed_at === null,
  );
  if (pending === undefined) throw new MfaError('not_enrolled', 'no TOTP enrolment is pending');
  const r = await checkSecondFactor(
    { store: d.store, secrets: totpSecretsKek(d.kek), audit: d.audit, nowMs: d.now ?? Date.now },
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
  };
}

/**
 * Remove every second factor and recovery code of a user (a lost phone), audited. Ends the
 * user's sessions and puts their ids on the revocation feed, as disabling a user does: whoever
 * asked for the reset may not be the only one holding a session.
 */
export async function resetMfa(
  d: Omit<MfaDeps, 'kek'>,
  username: string,
): Promise<{ factors: number; sessionsEnded: number }> {
  const user = await mustFind(d, username);
  const factors = await d.store.deleteUserMfa(user.id);
  await d.audit?.record({ type: 'mfa.reset', subject: user.id, detail: { factors } });
  const sessionsEnded = await endSessions(d, user.id, 'mfa_reset');
  return { factors, sessionsEnded };
}
