import {
  pick,
  REFRESH_TOKEN_COLUMNS,
  selectAs,
  SESSION_COLUMNS,
  USER_COLUMNS,
  type HotSql,
} from './hot-sql.js';
import type { RefreshTokenRow, SessionRow, UserRow } from './store.js';

/** A refresh token with its session and user, as one read returns them. */
export interface RefreshGrantRows {
  readonly token: RefreshTokenRow;
  readonly session: SessionRow | undefined;
  readonly user: UserRow | undefined;
}

const READ = `select ${REFRESH_TOKEN_COLUMNS.map((c) => `t.${c}`).join(', ')},
    ${selectAs('s', 's_', SESSION_COLUMNS)}, ${selectAs('u', 'u_', USER_COLUMNS)}
  from refresh_tokens t
  left join sessions s on s.id = t.session_id
  left join users u on u.id = t.user_id
  where t.hash = ?`;

/**
 * The refresh token, its session and its user in one query (two LEFT JOINs on primary keys):
 * one round trip instead of three before a rotation, a fixed statement (`hot-sql.ts`).
 */
export async function findRefreshGrant(
  hot: HotSql,
  hash: string,
): Promise<RefreshGrantRows | undefined> {
  const [r] = await hot.all<Record<string, unknown>>(READ, [hash]);
  if (r === undefined) return undefined;
  return {
    token: pick<RefreshTokenRow>(r, '', REFRESH_TOKEN_COLUMNS)!,
    session: pick<SessionRow>(r, 's_', SESSION_COLUMNS),
    user: pick<UserRow>(r, 'u_', USER_COLUMNS),
  };
}
