import { randomUUID } from 'node:crypto';
import type { AuditEventRow, Store } from './stores/store.js';

/** Security-relevant event types (docs/security.md#audit-events). */
export type AuditType =
  | 'login.succeeded'
  | 'login.failed'
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
  | 'store.backed_up';

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
  /** Append to the audit table and the log. */
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
  const row = (e: AuditEvent): AuditEventRow => ({
    id: randomUUID(),
    at_ms: now(),
    type: e.type,
    subject: e.subject ?? null,
    client_id: e.clientId ?? null,
    ip: e.ip ?? null,
    detail: JSON.stringify(e.detail ?? {}),
  });
  return {
    log: line,
    row,
    async record(e) {
      line(e);
      await store.insertAuditEvent(row(e));
    },
  };
}
