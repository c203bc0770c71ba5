import type { Audit } from '../audit.js';
import type { ServerConfig } from '../config.js';
import type { Kek } from '../keys/kek.js';
import { reserveSecondFactor } from '../login-protection.js';
import type { MfaFactorRow, Store } from '../stores/store.js';
import { recoveryCodeHash } from './recovery-codes.js';
import { TOTP_CODE, confirmedTotp, matchTotpStep, stepExpiry } from './totp.js';

/** What the user typed on the second step: a TOTP code or one of their recovery codes. */
export type SecondFactorInput =
  | { readonly kind: 'totp'; readonly code: string }
  | { readonly kind: 'recovery_code'; readonly code: string };

/** The outcome of a second-factor check. */
export type SecondFactorResult =
  | { readonly ok: true; readonly method: 'totp' }
  | { readonly ok: true; readonly method: 'recovery_code'; readonly remaining: number }
  /** Not the shape of a code at all: refused before any guess is counted or anything stored. */
  | { readonly ok: false; readonly why: 'malformed' }
  /** Wrong, already used, or out of its window: one answer, so nothing is learned. */
  | { readonly ok: false; readonly why: 'wrong' }
  | { readonly ok: false; readonly why: 'blocked'; readonly retryAfter: number };

export interface SecondFactorDeps {
  readonly store: Store;
  /** The subkey sealing TOTP secrets ({@link totpSecretsKek}). */
  readonly secrets: Kek;
  readonly audit?: Audit | undefined;
  readonly nowMs: () => number;
}

/** Whether the user has a passkey the hosted pages can ask for (passkeys configured). */
export async function hasPasskeyFactor(
  ctx: { readonly store: Store; readonly config: Pick<ServerConfig, 'passkeys'> },
  userId: string,
): Promise<boolean> {
  if (ctx.config.passkeys === undefined) return false;
  return (await ctx.store.listWebauthnCredentials(userId)).length > 0;
}

/**
 * Whether the user has a second factor enrolled (a confirmed TOTP factor, or a passkey when
 * passkeys are on): such a user is always asked for it, whatever the policy, and a channel that
 * cannot ask (the password grant) refuses them.
 */
export async function hasSecondFactor(
  ctx: { readonly store: Store; readonly config: Pick<ServerConfig, 'passkeys'> },
  userId: string,
): Promise<boolean> {
  return (
    (await confirmedTotp(ctx.store, userId)) !== undefined || (await hasPasskeyFactor(ctx, userId))
  );
}

/** Whether `input` has the shape of its kind (no store access). */
export function isWellFormed(userId: string, input: SecondFactorInput): boolean {
  return input.kind === 'totp'
    ? TOTP_CODE.test(input.code)
    : recoveryCodeHash(userId, input.code) !== undefined;
}

/**
 * Check a second factor for `factor`'s user. The guess is reserved in the store's back-off
 * counters before the code is looked at (so no number of concurrent guesses on any number of
 * nodes gets more checks than the back-off allows); a right TOTP code spends its time step in the
 * store (each code works once per user, on every node); a recovery code is spent once.
 */
export async function checkSecondFactor(
  d: SecondFactorDeps,
  factor: MfaFactorRow,
  input: SecondFactorInput,
  source: { readonly ip?: string; readonly clientId?: string } = {},
): Promise<SecondFactorResult> {
  const userId = factor.user_id;
  if (!isWellFormed(userId, input)) return { ok: false, why: 'malformed' };
  const nowMs = d.nowMs();
  const now = Math.floor(nowMs / 1000);
  const reservation = await reserveSecondFactor(d.store, userId, now);
  const event = { subject: userId, ip: source.ip, clientId: source.clientId };
  if (!reservation.ok) {
    await d.audit?.record({
      type: 'mfa.blocked',
      ...event,
      detail: { retryAfter: reservation.retryAfter },
    });
    return { ok: false, why: 'blocked', retryAfter: reservation.retryAfter };
  }
  if (input.kind === 'totp') {
    const step = matchTotpStep(d.secrets, factor, input.code, nowMs);
    if (step !== undefined && (await d.store.spendTotpStep(userId, step, stepExpiry(step)))) {
      await reservation.attempt.succeeded();
      await d.store.touchMfaFactor(factor.id, now);
      return { ok: true, method: 'totp' };
    }
    await d.audit?.record({
      type: 'mfa.failed',
      ...event,
      detail: { method: 'totp', replayed: step !== undefined },
    });
    return { ok: false, why: 'wrong' };
  }
  const spent = await d.store.spendRecoveryCode(userId, recoveryCodeHash(userId, input.code)!, now);
  if (!spent.spent) {
    await d.audit?.record({ type: 'mfa.failed', ...event, detail: { method: 'recovery_code' } });
    return { ok: false, why: 'wrong' };
  }
  await reservation.attempt.succeeded();
  await d.audit?.record({
    type: 'mfa.recovery_code_used',
    ...event,
    detail: { remaining: spent.remaining },
  });
  return { ok: true, method: 'recovery_code', remaining: spent.remaining };
}
