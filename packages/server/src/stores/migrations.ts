import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * The one migration set, run unchanged on SQLite and PostgreSQL. Append new migrations; never
 * edit one that has shipped.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('clients')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text')
        .addColumn('first_party', 'integer', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('ended_reason', 'text')
        .execute();
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('parent_hash', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('rotated_at_ms', 'bigint')
        .addColumn('successor', 'text')
        .execute();
      await db.schema
        .createIndex('refresh_tokens_session')
        .on('refresh_tokens')
        .column('session_id')
        .execute();
      await db.schema
        .createTable('revocations')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('revocations_pk', ['kind', 'value'])
        .execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_enc', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('activated_at', 'bigint')
        .addColumn('retiring_at', 'bigint')
        .addColumn('retired_at', 'bigint')
        .execute();
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('login_failures')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
        .addColumn('blocked_until', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('client_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at_ms').execute();
    },
  },
  // Browser sign-in (authorization code + PKCE, OpenID Connect): user profile, client
  // registration fields, key purpose, browser sessions, pending requests, codes, consents and
  // client-assertion replay.
  '0002-signin': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('email', 'text').execute();
      await db.schema
        .alterTable('users')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('users').addColumn('name', 'text').execute();
      for (const [col, dflt] of [
        ['redirect_uris', "'[]'"],
        ['post_logout_redirect_uris', "'[]'"],
      ] as const) {
        await db.schema
          .alterTable('clients')
          .addColumn(col, 'text', (c) => c.notNull().defaultTo(sql.raw(dflt)))
          .execute();
      }
      await db.schema
        .alterTable('clients')
        .addColumn('require_par', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      for (const col of [
        'token_endpoint_auth_method',
        'jwks',
        'jwks_uri',
        'backchannel_logout_uri',
        'id_token_signed_response_alg',
      ]) {
        await db.schema.alterTable('clients').addColumn(col, 'text').execute();
      }
      await db.schema
        .alterTable('signing_keys')
        .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('access'))
        .execute();
      await db.schema.alterTable('sessions').addColumn('browser_session_id', 'text').execute();
      await db.schema
        .createTable('browser_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('amr', 'text', (c) => c.notNull())
        .addColumn('acr', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .execute();
      await db.schema
        .createTable('authorization_requests')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('csrf_hash', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createTable('authorization_codes')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('browser_session_id', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text')
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('issued_session_id', 'text')
        .addColumn('issued_jti', 'text')
        .addColumn('issued_exp', 'bigint')
        .execute();
      await db.schema
        .createTable('consents')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id'])
        .execute();
      await db.schema
        .createTable('client_assertions')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  // RFC 9449: proof jti replay, the nonce secret, bound refresh tokens, per-client DPoP.
  '0003-dpop': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dpop_proofs')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('server_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('refresh_tokens').addColumn('dpop_jkt', 'text').execute();
      await db.schema
        .alterTable('clients')
        .addColumn('require_dpop', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  // Issue 12: resource-server clients may introspect tokens for their audiences (RFC 7662 §4).
  '0004-introspect-audiences': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('clients')
        .addColumn('introspect_audiences', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  },
  // RFC 9449 §10: an authorization code bound to a DPoP key with dpop_jkt.
  '0005-dpop-code': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('authorization_codes').addColumn('dpop_jkt', 'text').execute();
    },
  },
  // Issue 12: a client's client_credentials tokens share one random sid, revoked when it is disabled.
  '0006-credentials-sid': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('clients').addColumn('credentials_sid', 'text').execute();
      const d = db as unknown as Kysely<{
        clients: { id: string; credentials_sid: string | null };
      }>;
      for (const { id } of await d.selectFrom('clients').select('id').execute())
        await d
          .updateTable('clients')
          .set({ credentials_sid: randomUUID() })
          .where('id', '=', id)
          .execute();
    },
  },
  // Issue 12: repeated unauthenticated failures share one row per key and minute, with a count.
  '0007-audit-aggregation': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('audit_events')
        .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('audit_events').addColumn('last_at_ms', 'bigint').execute();
      await db.schema.alterTable('audit_events').addColumn('bucket', 'text').execute();
      await db.schema
        .createIndex('audit_events_bucket')
        .on('audit_events')
        .column('bucket')
        .unique()
        .execute();
    },
  },
  // Issue 16: second factors (TOTP), the spent time steps (one use per code, shared by every
  // node through the unique key) and recovery codes.
  '0008-mfa': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('mfa_factors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('confirmed_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addUniqueConstraint('mfa_factors_user_kind', ['user_id', 'kind'])
        .execute();
      await db.schema
        .createTable('totp_used_steps')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('totp_used_steps_pk', ['user_id', 'step'])
        .execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();
    },
  },
  // The access token issued beside each refresh token, so that disabling a client can put its
  // live code-flow access tokens (whose sid is the browser session's, shared) on the feed by jti.
  '0009-access-jti': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('refresh_tokens').addColumn('access_jti', 'text').execute();
      await db.schema.alterTable('refresh_tokens').addColumn('access_exp', 'bigint').execute();
    },
  },
  // Issue 16: a refresh family remembers how its login went, so refreshed access tokens carry the
  // same acr/amr/auth_time as the first one (a guard's requiredAcr accepts them).
  '0010-session-authentication': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('sessions').addColumn('acr', 'text').execute();
      await db.schema.alterTable('sessions').addColumn('amr', 'text').execute();
      await db.schema.alterTable('sessions').addColumn('auth_time', 'bigint').execute();
    },
  },
  // Issue 16: passkeys (WebAuthn Level 3 credentials). Ceremony challenges live in
  // authorization_requests (kind `webauthn`): single use and expiring like the other handles.
  '0011-passkeys': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('webauthn_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('backup_eligible', 'integer', (c) => c.notNull())
        .addColumn('backup_state', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('webauthn_credentials_user')
        .on('webauthn_credentials')
        .column('user_id')
        .execute();
    },
  },
  // Issue 16: a client may have its own second-factor policy (null: the issuer's).
  '0012-client-mfa': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('clients').addColumn('mfa', 'text').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
