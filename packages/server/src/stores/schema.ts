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
}

export interface SessionTable {
  id: string;
  user_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
  ended_reason: string | null;
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
  at_ms: number;
  type: string;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  detail: string;
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
}
