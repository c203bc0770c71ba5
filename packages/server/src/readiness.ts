import type { IssuerContext } from './context.js';

/** One readiness check: its name, whether it passes, and a short reason when it does not. */
export interface ReadinessCheck {
  readonly name: 'store' | 'migrations' | 'signingKey' | 'draining';
  readonly ok: boolean;
  readonly detail?: string;
}

/** What `/readyz` answers: ready only when every check passes. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

const PING_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * A readiness checker for one app: the store answers (within 2 s), no migration is pending, an
 * active signing key is loaded, and the node is not draining for shutdown. Migrations are
 * queried until they are found current once (they never go backwards under a running node).
 *
 * @example
 * const ready = createReadiness(ctx, () => false);
 * const report = await ready(); // { ready: true, checks: [...] }
 */
export function createReadiness(
  ctx: IssuerContext,
  isDraining: () => boolean,
): () => Promise<ReadinessReport> {
  let migrationsCurrent = false;
  return async () => {
    const checks: ReadinessCheck[] = [];
    let storeOk = true;
    try {
      await withTimeout(ctx.store.ping(), PING_TIMEOUT_MS);
      checks.push({ name: 'store', ok: true });
    } catch (e) {
      storeOk = false;
      checks.push({
        name: 'store',
        ok: false,
        detail: e instanceof Error && e.message === 'timed out' ? 'timed out' : 'unreachable',
      });
    }
    if (!migrationsCurrent && storeOk) {
      try {
        const { pending } = await withTimeout(ctx.store.migrationStatus(), PING_TIMEOUT_MS);
        migrationsCurrent = pending.length === 0;
        checks.push(
          migrationsCurrent
            ? { name: 'migrations', ok: true }
            : { name: 'migrations', ok: false, detail: `${pending.length} pending` },
        );
      } catch {
        checks.push({ name: 'migrations', ok: false, detail: 'unknown' });
      }
    } else {
      checks.push(
        migrationsCurrent
          ? { name: 'migrations', ok: true }
          : { name: 'migrations', ok: false, detail: 'unknown' },
      );
    }
    let kid: string | undefined;
    try {
      kid = ctx.keys.current.activeKid;
    } catch {
      kid = undefined;
    }
    checks.push(
      kid !== undefined
        ? { name: 'signingKey', ok: true }
        : { name: 'signingKey', ok: false, detail: 'no active key loaded' },
    );
    checks.push(
      isDraining()
        ? { name: 'draining', ok: false, detail: 'shutting down' }
        : { name: 'draining', ok: true },
    );
    return { ready: checks.every((c) => c.ok), checks };
  };
}
