import type { Audit } from '../audit.js';
import type { Store } from '../stores/store.js';
import { endSessions, InputError } from '../users.js';

/** An open session (refresh family) as an operator sees it: identifiers and times only. */
export interface SessionInfo {
  readonly sid: string;
  readonly userId: string;
  readonly username: string | undefined;
  readonly clientId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface SessionAdminDeps {
  readonly store: Store;
  readonly audit: Audit;
  /** Current time in seconds. */
  readonly now: () => number;
  /** How long a revoked session stays on the feed: at least the access-token lifetime + skew. */
  readonly revocationTtlSeconds: number;
}

async function userIdOf(store: Store, username: string): Promise<string> {
  const user = await store.findUserByUsername(username);
  if (user === undefined) throw new InputError(`no user ${username}`);
  return user.id;
}

/** Open sessions, newest first (at most `limit`), optionally of one user. */
export async function listOpenSessions(
  d: Pick<SessionAdminDeps, 'store' | 'now'>,
  { username, limit = 1000 }: { username?: string; limit?: number } = {},
): Promise<SessionInfo[]> {
  const userId = username === undefined ? undefined : await userIdOf(d.store, username);
  const rows = await d.store.listSessions({
    ...(userId !== undefined ? { userId } : {}),
    now: d.now(),
    limit,
  });
  const names = new Map<string, string | undefined>();
  for (const r of rows)
    if (!names.has(r.user_id))
      names.set(r.user_id, (await d.store.findUserById(r.user_id))?.username);
  return rows.map((r) => ({
    sid: r.id,
    userId: r.user_id,
    username: names.get(r.user_id),
    clientId: r.client_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  }));
}

/**
 * End one session: its refresh family is revoked and its `sid` goes onto the revocation feed,
 * so resource servers refuse the access tokens already issued in it. Audited.
 */
export async function revokeSession(d: SessionAdminDeps, sid: string): Promise<void> {
  const now = d.now();
  const session = await d.store.findSession(sid);
  if (session === undefined) throw new InputError(`no session ${sid}`);
  if (!(await d.store.endSession(sid, 'admin', now)))
    throw new InputError(`session ${sid} has already ended`);
  await d.store.addRevocation('sid', sid, now + d.revocationTtlSeconds, now);
  await d.audit.record({
    type: 'session.ended',
    subject: session.user_id,
    clientId: session.client_id,
    detail: { reason: 'admin', sid },
  });
}

/** End every open session of a user (each `sid` onto the feed); returns how many ended. */
export async function revokeUserSessions(d: SessionAdminDeps, username: string): Promise<number> {
  const userId = await userIdOf(d.store, username);
  return endSessions(
    {
      store: d.store,
      audit: d.audit,
      now: () => d.now() * 1000,
      revocationTtlSeconds: d.revocationTtlSeconds,
    },
    userId,
    'admin',
  );
}
