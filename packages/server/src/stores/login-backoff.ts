import { sql, type RawBuilder } from 'kysely';

/** The back-off of one login key: free attempts, then a delay doubling up to a cap. */
export interface BackoffRule {
  /** Attempts allowed in a window before the back-off starts. */
  readonly threshold: number;
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
  /** A key quiet for this long starts counting from zero again. */
  readonly windowSeconds: number;
}

/** The outcome of reserving one login attempt. */
export type Reservation =
  | { readonly reserved: true; readonly count: number }
  | { readonly reserved: false; readonly retryAfter: number };

// 2^30 s is far past any cap; bounding the exponent keeps the SQL integer arithmetic in range.
const MAX_EXPONENT = 30;

/** `blocked_until` after the `count`-th attempt at `now` (0: not blocked). */
export function blockAfter(count: number, now: number, r: BackoffRule): number {
  if (count < r.threshold) return 0;
  const exp = Math.min(MAX_EXPONENT, count - r.threshold);
  return now + Math.min(r.maxDelaySeconds, r.baseDelaySeconds * 2 ** exp);
}

/** The same as {@link blockAfter}, as SQL over a count expression (SQLite and PostgreSQL). */
export function blockSql(
  count: RawBuilder<number>,
  now: number,
  r: BackoffRule,
): RawBuilder<number> {
  const exp = sql`(case when ${count} - ${r.threshold} > ${MAX_EXPONENT} then ${MAX_EXPONENT} else ${count} - ${r.threshold} end)`;
  const raw = sql`(cast(${r.baseDelaySeconds} as bigint) * (cast(1 as bigint) << cast(${exp} as integer)))`;
  return sql<number>`(case when ${count} < ${r.threshold} then 0 when ${raw} > ${r.maxDelaySeconds} then ${now + r.maxDelaySeconds} else ${now} + ${raw} end)`;
}
