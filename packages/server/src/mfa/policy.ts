import type { ClientRow } from '../stores/store.js';

/**
 * When a sign-in asks for a second factor (issue 16). A user with a factor enrolled is asked for
 * it under every policy; the policy decides what happens to a user without one:
 * - `off`: nothing (a password login);
 * - `optional`: after the password, offered to set one up (the user may skip);
 * - `required`: after the password, sent to set one up; no code or token is issued before.
 */
export const MFA_POLICIES = ['off', 'optional', 'required'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

export function isMfaPolicy(v: unknown): v is MfaPolicy {
  return typeof v === 'string' && (MFA_POLICIES as readonly string[]).includes(v);
}

/**
 * The policy of a sign-in for `client`: the client's own when it has one (its registration's
 * `mfa`), else the issuer's (`mfa` setting, default `off`). The client's wins either way: an
 * administrator registers clients, and may exempt one (a kiosk) or demand more of one (the admin
 * console) than the rest.
 */
export function mfaPolicyFor(issuerPolicy: MfaPolicy, client: Pick<ClientRow, 'mfa'>): MfaPolicy {
  return isMfaPolicy(client.mfa) ? client.mfa : issuerPolicy;
}
