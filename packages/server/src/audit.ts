import { createHash, randomUUID } from 'node:crypto';
import type { AuditEventRow, Store } from './stores/store.js';

/** Security-relevant event types (docs/security.md#audit-events). */
export type AuditType =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.refused'
  | 'login.blocked'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.replayed'
  | 'refresh.reuse_detected'
  | 'token.revoked'
  | 'token.revocation_refused'
  | 'session.ended'
  | 'client.authentication_failed'
  | 'key.created'
  | 'key.activated'
  | 'key.retiring'
  | 'key.retired'
  | 'user.created'
  | 'user.updated'
  | 'client.created'
  | 'client.updated'
  | 'authorization.code_issued'
  | 'authorization.code_replayed'
  | 'consent.granted'
  | 'consent.denied'
  | 'consent.revoked'
  | 'logout.backchannel_failed'
  | 'store.migrated'
  | 'store.backed_up'
  | 'mfa.enrolled'
  | 'mfa.failed'
  | 'mfa.blocked'
  | 'mfa.recovery_code_used'
  | 'mfa.reset'
  | 'passkey.registered'
  | 'passkey.refused';

/**
 * Events anyone can cause without authenticating (or by repeating one refused request): their
 * repeats share one row per minute and key with a count, so a flood of wrong secrets or blocked
 * logins adds a bounded number of rows (docs/security.md#audit-bounds). The key is the type, the
 * subject, the client, the address and the detail fields listed here — the ones that name a
 * category (`why`, `kind`); a measurement such as `retryAfter` is not part of it, the row keeps
 * the first event's.
 */
export const AGGREGATED_AUDIT_TYPES: ReadonlyMap<string, readonly string[]> = new Map([
  ['client.authentication_failed', ['why']],
  ['login.failed', []],
  ['login.blocked', []],
  // A right password refused for the channel (the password grant for a user with a second
  // factor): repeatable by whoever holds the password.
  ['login.refused', ['why']],
  ['token.revocation_refused', ['kind', 'why']],
  // Second-factor guesses past the back-off (and the wrong ones): repeatable by whoever holds
  // the password, so bounded the same way.
  ['mfa.blocked', []],
  ['mfa.failed', ['method', 'replayed']],
  // A refused WebAuthn response: anyone holding a login page can post one.
  ['passkey.refused', ['ceremony', 'why']],
]);

/** The aggregation key of an event: its minute and a hash of what identifies its repeats. */
function bucketOf(e: AuditEvent, atMs: number): string | null {
  const fields = AGGREGATED_AUDIT_TYPES.get(e.type);
  if (fields === undefined) return null;
  const key = JSON.stringify([
    e.type,
    e.subject ?? null,
    e.clientId ?? null,
    e.ip ?? null,
    ...fields.map((f) => e.detail?.[f] ?? null),
  ]);
  return `${Math.floor(atMs / 60_000)}:${createHash('sha256').update(key).digest('base64url')}`;
}

export interface AuditEvent {
  type: AuditType | `key.${string}`;
  subject?: string | undefined;
  clientId?: string | undefined;
  ip?: string | undefined;
  detail?: Record<string, unknown>;
}

/** The log side of the audit sink: pino's `info(obj, msg)`. */
export interface AuditLogger {
  info(obj: object, msg: string): void;
}

export interface Audit {
  /**
   * Append to the audit table and the log. A repeat of an {@link AGGREGATED_AUDIT_TYPES} event
   * within its minute adds to the count of the first one's row instead of a new row.
   */
  record(event: AuditEvent): Promise<void>;
  /** The log only: for high-volume routine events (client_credentials issuance). */
  log(event: AuditEvent): void;
  /** The row for an event the caller stores itself (inside its own transaction); call `log` after commit. */
  row(event: AuditEvent): AuditEventRow;
}

/**
 * Append-only audit: one row in `audit_events` and one log line per event. Details never carry
 * a token, a secret or a password — only identifiers.
 *
 * @example
 * const audit = createAudit(store, app.log, Date.now); // optional 4th: observe each event (metrics)
 * await audit.record({ type: 'login.failed', subject: 'alice', ip });
 */
export function createAudit(
  store: Store,
  logger: AuditLogger | undefined,
  now: () => number,
  observe?: (event: AuditEvent) => void,
): Audit {
  const line = (e: AuditEvent) => {
    observe?.(e);
    logger?.info(
      {
        audit: {
          type: e.type,
          subject: e.subject ?? null,
          client_id: e.clientId ?? null,
          ip: e.ip ?? null,
          ...e.detail,
        },
      },
      `audit ${e.type}`,
    );
  };
  const row = (e: AuditEvent): AuditEventRow => {
    const at = now();
    return {
      id: randomUUID(),
      at_ms: at,
      type: e.type,
      subject: e.subject ?? null,
      client_id: e.clientId ?? null,
      ip: e.ip ?? null,
      detail: JSON.stringify(e.detail ?? {}),
      count: 1,
      last_at_ms: null,
      bucket: bucketOf(e, at),
    };
  };
  return {
    log: line,
    row,
    async record(e) {
      line(e);
      await store.insertAuditEvent(row(e));
    },
  };
}
