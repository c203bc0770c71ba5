import type { Selectable } from 'kysely';
import type {
  AuditEventTable,
  AuthorizationCodeTable,
  AuthorizationRequestTable,
  BrowserSessionTable,
  ConsentTable,
  ClientTable,
  MfaFactorTable,
  WebauthnCredentialTable,
  LoginFailureTable,
  RefreshTokenTable,
  RevocationTable,
  SessionTable,
  SigningKeyTable,
  UserTable,
} from './schema.js';
import type { RefreshGrantRows } from './refresh-lookup.js';
import type { BackoffRule, Reservation } from './login-backoff.js';

export type { BackoffRule, Reservation } from './login-backoff.js';

export type UserRow = Selectable<UserTable>;
export type ClientRow = Selectable<ClientTable>;
export type SessionRow = Selectable<SessionTable>;
export type RefreshTokenRow = Selectable<RefreshTokenTable>;
export type RevocationRow = Selectable<RevocationTable>;
export type SigningKeyRow = Selectable<SigningKeyTable>;
export type LoginFailureRow = Selectable<LoginFailureTable>;
export type AuditEventRow = Selectable<AuditEventTable>;
export type BrowserSessionRow = Selectable<BrowserSessionTable>;
export type AuthorizationRequestRow = Selectable<AuthorizationRequestTable>;
export type AuthorizationCodeRow = Selectable<AuthorizationCodeTable>;
export type ConsentRow = Selectable<ConsentTable>;
export type MfaFactorRow = Selectable<MfaFactorTable>;
export type WebauthnCredentialRow = Selectable<WebauthnCredentialTable>;

/** What a code exchange issues, recorded when the code is spent (so a replay can revoke it). */
export interface CodeIssuance {
  readonly sessionId: string | null;
  readonly jti: string;
  readonly exp: number;
}

/** What a code exchange writes besides the spend, decided inside the same transaction. */
export interface CodeRedemptionPlan {
  readonly session?: SessionRow;
  readonly token?: RefreshTokenRow;
  readonly audit?: AuditEventRow;
}

export interface CodeRedemptionInput {
  readonly hash: string;
  readonly now: number;
  readonly issuance: CodeIssuance;
  /**
   * Given the code (as the spend leaves it), its browser session and its user, what to issue
   * (`undefined`: nothing, the code stays spent). Synchronous, no I/O, and it must not throw.
   * SQLite calls it inside the transaction, after the spend; PostgreSQL before its one write
   * statement, so it may also run for an exchange that then loses the race — only the winner's
   * rows are written, and a loser gets `consumed: false`.
   */
  plan(
    row: AuthorizationCodeRow,
    browser: BrowserSessionRow | undefined,
    user: UserRow | undefined,
  ): CodeRedemptionPlan | undefined;
}

/** The outcome of redeeming an authorization code. */
export type CodeRedemption =
  | {
      readonly consumed: true;
      readonly row: AuthorizationCodeRow;
      readonly browser: BrowserSessionRow | undefined;
      readonly user: UserRow | undefined;
      /** What was written with the spend; `undefined` when the plan refused. */
      readonly plan: CodeRedemptionPlan | undefined;
    }
  | { readonly consumed: false; readonly row: AuthorizationCodeRow | undefined };

export const REFRESH_STATES = { active: 'active', rotated: 'rotated', revoked: 'revoked' } as const;
export type RefreshState = (typeof REFRESH_STATES)[keyof typeof REFRESH_STATES];

export const KEY_STATES = {
  next: 'next',
  active: 'active',
  retiring: 'retiring',
  retired: 'retired',
} as const;
export type KeyState = (typeof KEY_STATES)[keyof typeof KEY_STATES];

/** What `purgeExpired` drops beside what has expired. */
export interface PurgeOptions {
  /** Seconds: audit events older than this are deleted (absent: audit events are kept). */
  readonly auditRetention?: number;
}

/** Applied and pending migrations, by name in order. */
export interface MigrationStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

/** The outcome of an atomic refresh-token rotation. */
export type RotateResult =
  | { readonly rotated: true }
  | { readonly rotated: false; readonly current: RefreshTokenRow | undefined };

/**
 * Everything the issuer persists, behind one interface. Two implementations (SQLite and
 * PostgreSQL) share the schema, the migrations and the SQL (see `kysely-store.ts`); the same test
 * suite runs against both. Every method that decides a security outcome is atomic in the store,
 * so several issuer nodes over one database stay correct.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  /** Which migrations have run and which are pending (by name, in order). */
  migrationStatus(): Promise<MigrationStatus>;
  ping(): Promise<void>;
  close(): Promise<void>;

  insertUser(row: UserRow): Promise<void>;
  findUserByUsername(username: string): Promise<UserRow | undefined>;
  findUserById(id: string): Promise<UserRow | undefined>;
  listUsers(): Promise<UserRow[]>;
  updateUser(id: string, patch: Partial<Omit<UserRow, 'id'>>): Promise<boolean>;

  insertClient(row: ClientRow): Promise<void>;
  /** May answer from a cache at most 500 ms old; a change made through this store is seen at once. */
  findClient(id: string): Promise<ClientRow | undefined>;
  listClients(): Promise<ClientRow[]>;
  updateClient(id: string, patch: Partial<Omit<ClientRow, 'id'>>): Promise<boolean>;

  /** Start a session (refresh family) and store its first refresh token, in one transaction. */
  createSession(session: SessionRow, token: RefreshTokenRow): Promise<void>;
  findSession(id: string): Promise<SessionRow | undefined>;
  /** Open (not ended, not expired) sessions, newest first, optionally of one user. */
  listSessions(filter: { userId?: string; now: number; limit: number }): Promise<SessionRow[]>;
  /** End a session and revoke every refresh token of its family. False when already ended. */
  endSession(id: string, reason: string, now: number): Promise<boolean>;
  /** End every open session of a user (and revoke their families); returns the ended session ids. */
  endUserSessions(userId: string, reason: string, now: number): Promise<string[]>;
  /** End every open session started by a client (and revoke their families); returns their ids. */
  endClientSessions(clientId: string, reason: string, now: number): Promise<string[]>;
  /**
   * The access tokens a client was issued through the code flow and refreshes that may still be
   * alive (`exp` after `now`): their `jti` and `exp`, from the code and refresh-token rows.
   */
  listLiveAccessTokens(clientId: string, now: number): Promise<{ jti: string; exp: number }[]>;

  findRefreshToken(hash: string): Promise<RefreshTokenRow | undefined>;
  /** The token, its session and its user in one read (see `refresh-lookup.ts`). */
  findRefreshGrant(hash: string): Promise<RefreshGrantRows | undefined>;
  /**
   * Compare-and-swap: mark `hash` rotated (recording the encrypted successor response) only if it
   * is still active, and insert its successor — all or nothing. Exactly one of any number of
   * concurrent callers gets `rotated: true`. `audit`, when given, is appended in the same
   * transaction (one commit per refresh).
   */
  rotateRefreshToken(
    hash: string,
    rotatedAtMs: number,
    successorResponse: string,
    next: RefreshTokenRow,
    audit?: AuditEventRow,
  ): Promise<RotateResult>;

  /** Add a revoked `jti` or `sid` until `expiresAt` (an existing entry keeps the later expiry). */
  addRevocation(kind: 'jti' | 'sid', value: string, expiresAt: number, now: number): Promise<void>;
  listRevocations(now: number): Promise<RevocationRow[]>;
  /**
   * Call `listener` after every revocation added through this store (and, on PostgreSQL, by
   * other nodes when they notify). Returns the unsubscribe function.
   */
  onRevocationsChanged(listener: () => void): () => void;
  isRevoked(kind: 'jti' | 'sid', value: string, now: number): Promise<boolean>;
  /** True when the `jti`, or the `sid` when given, is revoked: one read for both. */
  isAnyRevoked(jti: string, sid: string | undefined, now: number): Promise<boolean>;
  /**
   * Drop expired revocations, expired refresh tokens of ended sessions, old login failures — and,
   * with `auditRetention`, audit events older than that.
   */
  purgeExpired(now: number, options?: PurgeOptions): Promise<void>;

  listSigningKeys(): Promise<SigningKeyRow[]>;
  insertSigningKey(row: SigningKeyRow): Promise<void>;
  /** Move a key from one state to another only if it is still in `from` (compare-and-swap). */
  transitionSigningKey(
    kid: string,
    from: KeyState,
    to: KeyState,
    at: number,
    dropPrivate?: boolean,
  ): Promise<boolean>;

  /** Take or renew a named lease; true when `holder` holds it until `nowMs + ttlMs`. */
  acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  getLoginFailure(key: string): Promise<LoginFailureRow | undefined>;
  /**
   * Atomically count one attempt against `key` before its password is checked — unless the key
   * is blocked — and set the back-off when the count reaches `rule.threshold`. However many
   * attempts arrive at once, on however many nodes, at most the allowed number are reserved.
   */
  reserveLoginAttempt(key: string, now: number, rule: BackoffRule): Promise<Reservation>;
  /**
   * Give back one reserved attempt (the login succeeded, or another key refused it). A block in
   * force is kept until it expires.
   */
  releaseLoginAttempt(key: string): Promise<void>;
  clearLoginFailures(key: string): Promise<void>;

  /** Browser sessions (single sign-on), looked up by the hash of the cookie's secret. */
  createBrowserSession(row: BrowserSessionRow): Promise<void>;
  findBrowserSession(tokenHash: string): Promise<BrowserSessionRow | undefined>;
  findBrowserSessionById(id: string): Promise<BrowserSessionRow | undefined>;
  touchBrowserSession(id: string, now: number): Promise<void>;
  /** End every open browser session of a user; returns their ids (the `sid` of code-flow tokens). */
  endUserBrowserSessions(userId: string, now: number): Promise<string[]>;
  /**
   * End a browser session and every refresh family started from it, in one transaction; returns
   * the client ids those families belonged to, or undefined when it had already ended.
   */
  endBrowserSession(id: string, now: number): Promise<string[] | undefined>;

  insertAuthorizationRequest(row: AuthorizationRequestRow): Promise<void>;
  findAuthorizationRequest(idHash: string): Promise<AuthorizationRequestRow | undefined>;
  /** Mark a pending request used, only if it was not (compare-and-swap). */
  consumeAuthorizationRequest(idHash: string, now: number): Promise<boolean>;

  insertAuthorizationCode(row: AuthorizationCodeRow): Promise<void>;
  /**
   * Spend a code exactly once and write what it issues, in one transaction: of any number of
   * concurrent callers one gets `consumed: true`; the issuance ids are recorded with the spend
   * (so a replay can revoke them), and the plan's rows commit with it (one fsync).
   */
  redeemAuthorizationCode(input: CodeRedemptionInput): Promise<CodeRedemption>;

  findConsent(userId: string, clientId: string): Promise<ConsentRow | undefined>;
  /** Insert or replace the consent of a user for a client. */
  putConsent(row: ConsentRow): Promise<void>;
  listConsents(userId: string): Promise<ConsentRow[]>;
  deleteConsent(userId: string, clientId: string): Promise<boolean>;
  /** End a user's open sessions with one client (refresh families revoked); returns their ids. */
  endUserClientSessions(
    userId: string,
    clientId: string,
    reason: string,
    now: number,
  ): Promise<string[]>;

  /** Remember a client assertion's `jti` until `expiresAt`; false when it was already seen. */
  recordClientAssertion(key: string, expiresAt: number, now: number): Promise<boolean>;
  /**
   * Remember a DPoP proof (by `key`) until `expiresAt`; true when it was not seen before (or its
   * earlier entry has expired), false for a replay. Atomic: of concurrent calls one gets true.
   */
  recordDpopProof(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** The secret named `name`, storing `candidate` first when there is none yet (first writer wins). */
  getOrCreateSecret(name: string, candidate: string, now: number): Promise<string>;

  /**
   * Store a new factor. An unconfirmed factor of the same user and kind is replaced; false (and
   * nothing written) when a confirmed one exists.
   */
  putMfaFactor(row: MfaFactorRow): Promise<boolean>;
  listMfaFactors(userId: string): Promise<MfaFactorRow[]>;
  /** Mark a factor confirmed, only if it was not (compare-and-swap). */
  confirmMfaFactor(id: string, now: number): Promise<boolean>;
  touchMfaFactor(id: string, now: number): Promise<void>;
  /** Remove every factor, spent step and recovery code of a user; returns how many factors went. */
  deleteUserMfa(userId: string): Promise<number>;
  /**
   * Spend a TOTP time step of a user: true the first time, false for a replay. Atomic over every
   * node (the unique key on user and step decides).
   */
  spendTotpStep(userId: string, step: number, expiresAt: number): Promise<boolean>;
  /** Replace a user's recovery codes with these hashes. */
  replaceRecoveryCodes(userId: string, hashes: readonly string[], now: number): Promise<void>;
  /**
   * Spend a recovery code once (compare-and-swap); `remaining` counts the unused codes left after
   * it. `spent: false` when the hash is unknown or already used.
   */
  spendRecoveryCode(
    userId: string,
    hash: string,
    now: number,
  ): Promise<{ readonly spent: boolean; readonly remaining: number }>;
  countRecoveryCodes(userId: string): Promise<number>;

  /** Store a new passkey; false (nothing written) when its credential id is already registered. */
  insertWebauthnCredential(row: WebauthnCredentialRow): Promise<boolean>;
  findWebauthnCredential(id: string): Promise<WebauthnCredentialRow | undefined>;
  listWebauthnCredentials(userId: string): Promise<WebauthnCredentialRow[]>;
  /**
   * Record a sign-in with a passkey: the new counter and backup state, only if the stored counter
   * is still `expectedCounter` (compare-and-swap: of two concurrent uses of one assertion, or of
   * a clone racing the original, one wins).
   */
  useWebauthnCredential(
    id: string,
    expectedCounter: number,
    next: { readonly counter: number; readonly backupState: boolean; readonly now: number },
  ): Promise<boolean>;
  /** Remove every passkey of a user; returns how many went. */
  deleteWebauthnCredentials(userId: string): Promise<number>;

  insertAuditEvent(row: AuditEventRow): Promise<void>;
  listAuditEvents(limit: number, type?: string): Promise<AuditEventRow[]>;
}
