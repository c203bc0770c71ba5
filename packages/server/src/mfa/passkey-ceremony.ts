import { createHash, randomBytes } from 'node:crypto';
import { encodeBase64url } from '@tessera/jose';
import type { IssuerContext } from '../context.js';
import { PasskeyError } from './passkey-errors.js';

/** What a ceremony is for: add a passkey, sign in with one, or use one after the password. */
export type CeremonyPurpose = 'register' | 'login' | 'second_factor';

/** What a stored challenge is bound to. */
interface CeremonyBinding {
  readonly purpose: CeremonyPurpose;
  /** The store key of the interaction (page) that showed the challenge. */
  readonly interaction: string;
  /** The user the ceremony is for (registration and second factor); none for a sign-in. */
  readonly userId?: string;
}

const STORE_KIND = 'webauthn';
const keyOf = (challenge: string) =>
  createHash('sha256').update(`webauthn:${challenge}`).digest('base64url');

/**
 * A fresh challenge (WebAuthn L3 §13.4.3: at least 16 random bytes; 32 here) for one ceremony,
 * stored bound to its page's interaction, its purpose and user, expiring after
 * `passkeys.ceremonyTtl`. The store keeps only its hash; any issuer node can finish it.
 */
export async function startCeremony(
  ctx: IssuerContext,
  clientId: string,
  binding: CeremonyBinding,
): Promise<{ challenge: Uint8Array<ArrayBuffer>; challengeText: string }> {
  const ttl = ctx.config.passkeys?.ceremonyTtl ?? 300;
  const challenge = randomBytes(32);
  const challengeText = encodeBase64url(challenge);
  await ctx.store.insertAuthorizationRequest({
    id_hash: keyOf(challengeText),
    kind: STORE_KIND,
    client_id: clientId,
    params: JSON.stringify(binding),
    csrf_hash: null,
    expires_at: ctx.nowSeconds() + ttl,
    used_at: null,
  });
  return { challenge: new Uint8Array(challenge), challengeText };
}

/**
 * Spend the ceremony whose challenge the client signed (`clientData.challenge`): it must have
 * been issued for this purpose, interaction and user, be unexpired and unused; the spend is a
 * compare-and-swap, so of two posts of one response one at most gets past here.
 */
export async function takeCeremony(
  ctx: IssuerContext,
  challenge: string,
  expected: CeremonyBinding,
): Promise<void> {
  const key = keyOf(challenge);
  const row = challenge.length <= 128 ? await ctx.store.findAuthorizationRequest(key) : undefined;
  if (row === undefined || row.kind !== STORE_KIND)
    throw new PasskeyError('wrong_challenge', 'the response answers no challenge of ours');
  const bound = JSON.parse(row.params) as CeremonyBinding;
  if (
    bound.purpose !== expected.purpose ||
    bound.interaction !== expected.interaction ||
    bound.userId !== expected.userId
  )
    throw new PasskeyError('wrong_challenge', 'the response answers a challenge of another page');
  if (row.used_at !== null) throw new PasskeyError('replayed', 'the ceremony was already used');
  if (row.expires_at <= ctx.nowSeconds())
    throw new PasskeyError('expired', 'the ceremony expired; try again');
  if (!(await ctx.store.consumeAuthorizationRequest(key, ctx.nowSeconds())))
    throw new PasskeyError('replayed', 'the ceremony was already used');
}
