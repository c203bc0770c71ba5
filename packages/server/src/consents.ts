import type { Audit } from './audit.js';
import type { Store } from './stores/store.js';
import { InputError, isValidUsername } from './users.js';

/** A remembered consent: a user allowed a third-party client these scopes. */
export interface Consent {
  clientId: string;
  scopes: string[];
  grantedAt: number;
}

export interface ConsentDeps {
  store: Store;
  audit?: Audit;
  now?: () => number;
}

async function userId(d: ConsentDeps, username: string): Promise<string> {
  const u = isValidUsername(username) ? await d.store.findUserByUsername(username) : undefined;
  if (u === undefined) throw new InputError('no such user');
  return u.id;
}

/**
 * The consents a user has given, by client.
 *
 * @example
 * for (const c of await listConsents({ store }, 'alice')) console.log(c.clientId, c.scopes);
 */
export async function listConsents(d: ConsentDeps, username: string): Promise<Consent[]> {
  const rows = await d.store.listConsents(await userId(d, username));
  return rows.map((r) => ({
    clientId: r.client_id,
    scopes: r.scopes.split(' ').filter((s) => s.length > 0),
    grantedAt: r.created_at,
  }));
}

/**
 * Withdraw a user's consent for a client: the consent page comes back next time, and the
 * client's refresh tokens for this user are revoked (what the consent allowed ends now).
 * Returns false when there was no consent.
 */
export async function revokeConsent(
  d: ConsentDeps,
  username: string,
  clientId: string,
): Promise<boolean> {
  const id = await userId(d, username);
  const removed = await d.store.deleteConsent(id, clientId);
  const now = Math.floor((d.now ?? Date.now)() / 1000);
  const ended = await d.store.endUserClientSessions(id, clientId, 'consent_revoked', now);
  if (removed || ended.length > 0)
    await d.audit?.record({
      type: 'consent.revoked',
      subject: id,
      clientId,
      detail: { sessions: ended.length },
    });
  return removed;
}
