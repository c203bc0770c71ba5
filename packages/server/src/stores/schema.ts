/**
 * The database schema, written once for SQLite and PostgreSQL. Times are integer seconds since
 * the epoch (milliseconds where named `_ms`); flags are 0/1 integers; lists are JSON text.
 */
export interface UserTable {
  id: string;
  username: string;
  password_hash: string;
  roles: string;
  disabled: number;
  created_at: number;
  updated_at: number;
  email: string | null;
  email_verified: number;
  name: string | null;
}

export interface ClientTable {
  id: string;
  name: string;
  secret_hash: string | null;
  first_party: number;
  grant_types: string;
  scopes: string;
  audience: string;
  disabled: number;
  created_at: number;
  /** JSON list of exact redirect URIs (RFC 6749 §3.1.2). */
  redirect_uris: string;
  post_logout_redirect_uris: string;
  require_par: number;
  /** Registered token endpoint auth method; null = derived (secret → basic/post, none). */
  token_endpoint_auth_method: string | null;
  /** JSON JWKS for private_key_jwt. */
  jwks: string | null;
  jwks_uri: string | null;
  backchannel_logout_uri: string | null;
  id_token_signed_response_alg: string | null;
  /** 1: the token endpoint refuses this client's requests without a DPoP proof (RFC 9449 §5.2). */
  require_dpop: number;
  /** JSON list: audiences whose tokens this (resource-server) client may introspect. */
  introspect_audiences: string;
  /**
   * Random `sid` of this client's client_credentials access tokens; replaced when the client is
   * disabled, the old one going on the revocation feed (null only for a row not yet backfilled).
   */
  credentials_sid: string | null;
  /** This client's second-factor policy (`off | optional | required`); null: the issuer's. */
  mfa: string | null;
}

export interface SessionTable {
  id: string;
  user_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
  ended_reason: string | null;
  /** The browser session (its id is the tokens' `sid`) for code-flow logins. */
  browser_session_id: string | null;
  /**
   * How and when the user authenticated for this family (`acr`, `amr` as a JSON array,
   * `auth_time`), carried by every refreshed access token; null for families from before
   * migration 0010.
   */
  acr: string | null;
  amr: string | null;
  auth_time: number | null;
}

/** A signed-in browser (single sign-on); the cookie holds a secret whose hash is `token_hash`. */
export interface BrowserSessionTable {
  id: string;
  token_hash: string;
  user_id: string;
  auth_time: number;
  /** JSON list of RFC 8176 `amr` values. */
  amr: string;
  acr: string;
  last_seen_at: number;
  expires_at: number;
  ended_at: number | null;
}

/** A pending authorization request: pushed (RFC 9126, kind `par`) or waiting on the login page (`interaction`). */
export interface AuthorizationRequestTable {
  id_hash: string;
  kind: string;
  client_id: string;
  params: string;
  csrf_hash: string | null;
  expires_at: number;
  used_at: number | null;
}

/** An authorization code (stored hashed, single use), bound to what it was issued for. */
export interface AuthorizationCodeTable {
  hash: string;
  client_id: string;
  user_id: string;
  browser_session_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  nonce: string | null;
  /** RFC 9449 §10: the DPoP key the code is bound to (`dpop_jkt`), or none. */
  dpop_jkt: string | null;
  auth_time: number;
  expires_at: number;
  used_at: number | null;
  /** What the exchange issued, so a replay can revoke it (RFC 6749 §4.1.2). */
  issued_session_id: string | null;
  issued_jti: string | null;
  issued_exp: number | null;
}

export interface ConsentTable {
  user_id: string;
  client_id: string;
  scopes: string;
  created_at: number;
}

/** Seen `jti`s of client assertions (RFC 7523 §3), until they expire. */
export interface ClientAssertionTable {
  key: string;
  expires_at: number;
}

export interface RefreshTokenTable {
  hash: string;
  session_id: string;
  parent_hash: string | null;
  state: string;
  client_id: string;
  user_id: string;
  scope: string;
  created_at: number;
  expires_at: number;
  rotated_at_ms: number | null;
  successor: string | null;
  /** The DPoP key thumbprint a public client's refresh token is bound to (RFC 9449 §5). */
  dpop_jkt: string | null;
  /** The access token issued with this refresh token (its `jti`, `exp`), so a disable can revoke it. */
  access_jti: string | null;
  access_exp: number | null;
}

export interface RevocationTable {
  kind: string;
  value: string;
  expires_at: number;
  created_at: number;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  state: string;
  public_jwk: string;
  private_enc: string;
  created_at: number;
  activated_at: number | null;
  retiring_at: number | null;
  retired_at: number | null;
  /** `access` (access tokens, feed) or `id` (ID tokens, RS256 by default). */
  purpose: string;
}

export interface LeaseTable {
  name: string;
  holder: string;
  expires_at_ms: number;
}

export interface LoginFailureTable {
  key: string;
  failures: number;
  last_failure_at: number;
  blocked_until: number;
}

export interface AuditEventTable {
  id: string;
  /** When the event (for an aggregated row: the first of its minute) happened. */
  at_ms: number;
  type: string;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  /** The event's detail (for an aggregated row: the first event's). */
  detail: string;
  /** How many events the row stands for: 1, or the repeats of an aggregated event in its minute. */
  count: number;
  /** The last repeat of an aggregated row (null: a single event). */
  last_at_ms: number | null;
  /** Aggregation key (minute + hash of type, subject, client, address); null: never aggregated. */
  bucket: string | null;
}

/** DPoP proofs seen at the token endpoint, until they are too old to be accepted anyway. */
export interface DpopProofTable {
  /** SHA-256 of the key thumbprint and the proof's `jti`. */
  key: string;
  expires_at: number;
}

/** Secrets shared by every issuer node (sealed with the key-encryption key). */
export interface ServerSecretTable {
  name: string;
  sealed: string;
  created_at: number;
}

/** A user's second factor (issue 16): a TOTP secret sealed with the key-encryption key. */
export interface MfaFactorTable {
  id: string;
  user_id: string;
  /** `totp` (RFC 6238); one per user and kind. */
  kind: string;
  /** The secret, sealed with a KEK subkey bound to this row's id. */
  secret_sealed: string;
  created_at: number;
  /** When the first valid code confirmed it; an unconfirmed factor is never asked for. */
  confirmed_at: number | null;
  last_used_at: number | null;
}

/** A TOTP time step a user has spent: each code is accepted once (RFC 6238 §5.2). */
export interface TotpUsedStepTable {
  user_id: string;
  step: number;
  expires_at: number;
}

/** A single-use recovery code, stored as SHA-256 only. */
export interface RecoveryCodeTable {
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

/**
 * A passkey (WebAuthn Level 3 public key credential) registered by a user. The public key is not
 * secret; nothing here lets anyone sign in without the authenticator.
 */
export interface WebauthnCredentialTable {
  /** The credential id (base64url), unique across users (WebAuthn L3 §7.1 step 25). */
  id: string;
  user_id: string;
  /** The COSE public key (base64url) from the attested credential data. */
  public_key: string;
  /** The last signature counter seen (0: the authenticator keeps none). */
  counter: number;
  /** JSON array of the transports the client reported (`internal`, `usb`, `hybrid` …). */
  transports: string;
  /** Authenticator data flags BE and BS (§6.1): may be synced, and is backed up now. */
  backup_eligible: number;
  backup_state: number;
  created_at: number;
  last_used_at: number | null;
}

export interface Database {
  users: UserTable;
  clients: ClientTable;
  sessions: SessionTable;
  refresh_tokens: RefreshTokenTable;
  revocations: RevocationTable;
  signing_keys: SigningKeyTable;
  leases: LeaseTable;
  login_failures: LoginFailureTable;
  audit_events: AuditEventTable;
  browser_sessions: BrowserSessionTable;
  authorization_requests: AuthorizationRequestTable;
  authorization_codes: AuthorizationCodeTable;
  consents: ConsentTable;
  client_assertions: ClientAssertionTable;
  dpop_proofs: DpopProofTable;
  server_secrets: ServerSecretTable;
  mfa_factors: MfaFactorTable;
  totp_used_steps: TotpUsedStepTable;
  recovery_codes: RecoveryCodeTable;
  webauthn_credentials: WebauthnCredentialTable;
}
