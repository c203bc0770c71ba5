import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { AuditEventRow, RefreshTokenRow } from './store.js';

/**
 * Refresh-token rotation on PostgreSQL as one statement (one round trip, one implicit
 * transaction): the compare-and-swap UPDATE, the successor's INSERT and the audit INSERT as
 * data-modifying CTEs. The INSERTs select from the UPDATE's RETURNING, so they happen only when
 * the token was still active. A concurrent rotation of the same token waits on the row lock and
 * then re-checks `state = 'active'` against the committed row (READ COMMITTED), so exactly one
 * caller gets `true`. PostgreSQL runs every data-modifying CTE to completion whether or not the
 * outer query reads it (PostgreSQL manual, "WITH Queries", §7.8.4).
 */
export async function rotateInOneStatement(
  db: Kysely<Database>,
  hash: string,
  rotatedAtMs: number,
  successor: string,
  next: RefreshTokenRow,
  audit: AuditEventRow | undefined,
): Promise<boolean> {
  const logged =
    audit === undefined
      ? sql``
      : sql`, logged as (
          insert into audit_events (id, at_ms, type, subject, client_id, ip, detail)
          select ${audit.id}::text, ${audit.at_ms}::bigint, ${audit.type}::text,
            ${audit.subject}::text, ${audit.client_id}::text, ${audit.ip}::text, ${audit.detail}::text
          from spent)`;
  const r = await sql<{ won: number }>`
    with spent as (
      update refresh_tokens set state = 'rotated', rotated_at_ms = ${rotatedAtMs}, successor = ${successor}
      where hash = ${hash} and state = 'active'
      returning hash
    ), added as (
      insert into refresh_tokens (hash, session_id, parent_hash, state, client_id, user_id, scope,
        created_at, expires_at, rotated_at_ms, successor, dpop_jkt, access_jti, access_exp)
      select ${next.hash}::text, ${next.session_id}::text, ${next.parent_hash}::text,
        ${next.state}::text, ${next.client_id}::text, ${next.user_id}::text, ${next.scope}::text,
        ${next.created_at}::bigint, ${next.expires_at}::bigint, ${next.rotated_at_ms}::bigint,
        ${next.successor}::text, ${next.dpop_jkt}::text, ${next.access_jti}::text,
        ${next.access_exp}::bigint
      from spent
      returning hash
    )${logged}
    select count(*)::int as won from added`.execute(db);
  return Number(r.rows[0]?.won ?? 0) === 1;
}
