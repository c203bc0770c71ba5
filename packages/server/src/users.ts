import { randomUUID } from 'node:crypto';
import type { Audit } from './audit.js';
import { MAX_PASSWORD_BYTES, type PasswordHasher } from './passwords.js';
import type { Store, UserRow } from './stores/store.js';
import { ServerError } from './errors.js';

/** Thrown for invalid input to the user and client APIs (the CLI maps it to exit code 3). */
export class InputError extends ServerError {
  override readonly name = 'InputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INPUT', message, options);
  }
}

export interface User {
  id: string;
  username: string;
  roles: string[];
  disabled: boolean;
  createdAt: number;
  /** OIDC Core §5.1 `email`, `email_verified` and `name` (the `email` and `profile` scopes). */
  email?: string;
  emailVerified: boolean;
  name?: string;
}

const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;

/** Usernames are 1–64 characters of letters, digits and `. _ @ + -`, compared exactly. */
export function isValidUsername(u: unknown): u is string {
  return typeof u === 'string' && USERNAME.test(u);
}

/** Passwords are 8 characters to 1024 bytes; throws {@link InputError} otherwise. */
export function checkPassword(p: unknown): asserts p is string {
  if (typeof p !== 'string' || p.length < 8)
    throw new InputError('a password has at least 8 characters');
  if (Buffer.byteLength(p) > MAX_PASSWORD_BYTES)
    throw new InputError(`a password has at most ${MAX_PASSWORD_BYTES} bytes`);
}

const ROLE = /^[A-Za-z0-9._:-]{1,64}$/;

/** The public view of a stored user (no password hash). */
export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    roles: JSON.parse(r.roles) as string[],
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    ...(r.email !== null ? { email: r.email } : {}),
    emailVerified: r.email_verified === 1,
    ...(r.name !== null ? { name: r.name } : {}),
  };
}

// A pragmatic address check (one @, no spaces or controls, a dot in the domain): the issuer
// only stores and reports the address; it is proven by whoever sets `emailVerified`.
const EMAIL = /^[^\s@\x00-\x1f]{1,64}@[^\s@\x00-\x1f]+\.[^\s@\x00-\x1f]{2,}$/;

function checkProfile(input: { email?: string; name?: string }): void {
  if (input.email !== undefined && (input.email.length > 254 || !EMAIL.test(input.email)))
    throw new InputError('an email address looks like name@example.com');
  if (
    input.name !== undefined &&
    (typeof input.name !== 'string' ||
      input.name.length === 0 ||
      input.name.length > 200 ||
      /[\x00-\x1f\x7f]/.test(input.name))
  )
    throw new InputError('a name is 1-200 characters without control characters');
}

export interface UserDeps {
  store: Store;
  hasher: PasswordHasher;
  audit?: Audit;
  now?: () => number;
  /** Byte budget left for roles in access tokens (configuration's budget minus custom claims). */
  rolesBudgetBytes?: number;
  /**
   * How long a revoked session stays on the revocation feed: at least the access-token lifetime
   * + clock skew (default: the longest allowed lifetime, 1 day, + 60 s).
   */
  revocationTtlSeconds?: number;
}

/**
 * End every session of a user: refresh families revoked, browser sessions (single sign-on)
 * ended, and the ids of both on the revocation feed — family ids are the `sid` of password-grant
 * tokens, browser-session ids that of code-flow tokens — so resource servers drop the access
 * tokens already out there.
 */
export async function endSessions(
  d: Pick<UserDeps, 'store' | 'audit' | 'now' | 'revocationTtlSeconds'>,
  userId: string,
  reason: string,
): Promise<number> {
  const now = Math.floor((d.now ?? Date.now)() / 1000);
  const sids = await d.store.endUserSessions(userId, reason, now);
  const browsers = await d.store.endUserBrowserSessions(userId, now);
  for (const sid of [...sids, ...browsers]) {
    await d.store.addRevocation('sid', sid, now + (d.revocationTtlSeconds ?? 86400 + 60), now);
  }
  if (sids.length > 0)
    await d.audit?.record({
      type: 'session.ended',
      subject: userId,
      detail: { reason, sessions: sids.length },
    });
  return sids.length;
}

/**
 * Create a user with an Argon2id password hash.
 *
 * @example
 * await createUser(deps, { username: 'alice', password: 'correct horse battery', roles: ['reader'] });
 */
export async function createUser(
  d: UserDeps,
  input: {
    username: string;
    password: string;
    roles?: string[];
    email?: string;
    emailVerified?: boolean;
    name?: string;
  },
): Promise<User> {
  if (!isValidUsername(input.username))
    throw new InputError('a username is 1-64 characters of letters, digits and . _ @ + -');
  checkPassword(input.password);
  checkProfile(input);
  const roles = checkRoles(input.roles ?? [], d.rolesBudgetBytes);
  if ((await d.store.findUserByUsername(input.username)) !== undefined)
    throw new InputError('that username is taken');
  const now = Math.floor((d.now ?? Date.now)() / 1000);
  const row: UserRow = {
    id: randomUUID(),
    username: input.username,
    password_hash: await d.hasher.hash(input.password),
    roles: JSON.stringify(roles),
    disabled: 0,
    created_at: now,
    updated_at: now,
    email: input.email ?? null,
    email_verified: input.emailVerified === true ? 1 : 0,
    name: input.name ?? null,
  };
  await d.store.insertUser(row);
  await d.audit?.record({
    type: 'user.created',
    subject: row.id,
    detail: { username: row.username },
  });
  return toUser(row);
}

function checkRoles(roles: unknown, budget: number | undefined): string[] {
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || !ROLE.test(r))) {
    throw new InputError('roles are 1-64 characters of letters, digits and . _ : -');
  }
  const list = [...new Set(roles as string[])];
  if (budget !== undefined && Buffer.byteLength(JSON.stringify(list)) > budget) {
    throw new InputError(`the roles exceed the access-token claim budget (${budget} bytes)`);
  }
  return list;
}

/**
 * All users, by username.
 *
 * @example
 * for (const u of await listUsers({ store })) console.log(u.username, u.disabled);
 */
export async function listUsers(d: Pick<UserDeps, 'store'>): Promise<User[]> {
  return (await d.store.listUsers()).map(toUser);
}

/** The user named `username`; throws {@link InputError} when there is none. */
export async function mustFind(d: Pick<UserDeps, 'store'>, username: string): Promise<UserRow> {
  const u = isValidUsername(username) ? await d.store.findUserByUsername(username) : undefined;
  if (u === undefined) throw new InputError('no such user');
  return u;
}

/**
 * Disable (or re-enable) a user. Disabling also ends their sessions (refresh families revoked,
 * session ids on the revocation feed); a disabled user cannot log in or refresh.
 */
export async function setUserDisabled(
  d: UserDeps,
  username: string,
  disabled: boolean,
): Promise<void> {
  const u = await mustFind(d, username);
  await d.store.updateUser(u.id, {
    disabled: disabled ? 1 : 0,
    updated_at: Math.floor((d.now ?? Date.now)() / 1000),
  });
  await d.audit?.record({ type: 'user.updated', subject: u.id, detail: { disabled } });
  // After the flag: a login racing with this call either fails or its session is ended here.
  if (disabled) await endSessions(d, u.id, 'user_disabled');
}

/**
 * Set a new password (hashed with the configured Argon2id parameters). Ends the user's sessions
 * unless `keepSessions` — a password is usually reset because someone else may know it.
 */
export async function setUserPassword(
  d: UserDeps,
  username: string,
  password: string,
  options: { keepSessions?: boolean } = {},
): Promise<void> {
  checkPassword(password);
  const u = await mustFind(d, username);
  await d.store.updateUser(u.id, {
    password_hash: await d.hasher.hash(password),
    updated_at: Math.floor((d.now ?? Date.now)() / 1000),
  });
  await d.audit?.record({ type: 'user.updated', subject: u.id, detail: { password: 'changed' } });
  if (options.keepSessions !== true) await endSessions(d, u.id, 'password_changed');
}

/** Replace a user's roles (carried in the `roles` claim, within the claim budget). */
export async function setUserRoles(d: UserDeps, username: string, roles: string[]): Promise<void> {
  const u = await mustFind(d, username);
  const list = checkRoles(roles, d.rolesBudgetBytes);
  await d.store.updateUser(u.id, {
    roles: JSON.stringify(list),
    updated_at: Math.floor((d.now ?? Date.now)() / 1000),
  });
  await d.audit?.record({ type: 'user.updated', subject: u.id, detail: { roles: list } });
}

/** Set a user's profile (`email`, `emailVerified`, `name`); omitted fields stay as they are. */
export async function setUserProfile(
  d: UserDeps,
  username: string,
  profile: { email?: string; emailVerified?: boolean; name?: string },
): Promise<void> {
  const u = await mustFind(d, username);
  checkProfile(profile);
  await d.store.updateUser(u.id, {
    ...(profile.email !== undefined ? { email: profile.email } : {}),
    ...(profile.emailVerified !== undefined
      ? { email_verified: profile.emailVerified ? 1 : 0 }
      : {}),
    ...(profile.name !== undefined ? { name: profile.name } : {}),
    updated_at: Math.floor((d.now ?? Date.now)() / 1000),
  });
  await d.audit?.record({ type: 'user.updated', subject: u.id, detail: { profile: 'changed' } });
}
