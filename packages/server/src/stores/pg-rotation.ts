import type { HotSql } from './hot-sql.js';
import type { AuditEventRow, RefreshTokenRow } from './store.js';

const SPEND_AND_ADD = `with spent as (
      update refresh_tokens set state = 'rotated', rotated_at_ms = ?::bigint, successor = ?::text
      where hash = ?::text and state = 'active'
      returning hash
    ), added as (
      insert into refresh_tokens
      select (json_populate_record(null::refresh_tokens, ?::json)).* from spent
      returning hash
    )`;
const WITHOUT_AUDIT = `${SPEND_AND_ADD} select count(*)::int as won from added`;
const WITH_AUDIT = `${SPEND_AND_ADD}, logged as (
      insert into audit_events
      select (json_populate_record(null::audit_events, ?::json)).* from spent
      returning id
    ) select count(*)::int as won from added`;

/**
 * Refresh-token rotation on PostgreSQL as one statement (one round trip, one implicit
 * transaction, a named prepared statement): the compare-and-swap UPDATE, the successor's INSERT
 * and the audit INSERT as data-modifying CTEs; each row goes as one JSON parameter, written by
 * column name. The INSERTs select from the UPDATE's RETURNING, so they happen only when the
 * token was still active. A concurrent rotation of the same token waits on the row lock and
 * then re-checks `state = 'active'` against the committed row (READ COMMITTED), so exactly one
 * caller gets `true`. PostgreSQL runs every data-modifying CTE to completion whether or not the
 * outer query reads it (PostgreSQL manual, "WITH Queries", §7.8.4).
 */
export async function rotateInOneStatement(
  hot: HotSql,
  hash: string,
  rotatedAtMs: number,
  successor: string,
  next: RefreshTokenRow,
  audit: AuditEventRow | undefined,
): Promise<boolean> {
  const params: unknown[] = [rotatedAtMs, successor, hash, JSON.stringify(next)];
  if (audit !== undefined) params.push(JSON.stringify(audit));
  const [r] = await hot.all<{ won: number }>(
    audit === undefined ? WITHOUT_AUDIT : WITH_AUDIT,
    params,
  );
  return Number(r?.won ?? 0) === 1;
}
