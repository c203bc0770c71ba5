import type { Audit } from '../audit.js';
import { ConfigError, type ServerConfig } from '../config.js';
import type { Kek } from '../keys/kek.js';
import { createSigningKeyRow } from '../keys/lifecycle.js';
import { InputError } from '../users.js';
import type { KeyState, Store } from '../stores/store.js';

/** A signing key as an operator sees it: no key material. */
export interface SigningKeyInfo {
  readonly kid: string;
  readonly alg: string;
  readonly state: KeyState;
  readonly createdAt: number;
  readonly activatedAt: number | null;
  readonly retiringAt: number | null;
  readonly retiredAt: number | null;
}

export interface KeyAdminDeps {
  readonly store: Store;
  readonly audit: Audit;
  /** Current time in seconds. */
  readonly now: () => number;
}

const ORDER: Record<KeyState, number> = { active: 0, next: 1, retiring: 2, retired: 3 };

/** Every signing key, active first, then next, retiring and retired. */
export async function listSigningKeys(d: Pick<KeyAdminDeps, 'store'>): Promise<SigningKeyInfo[]> {
  const rows = await d.store.listSigningKeys();
  return rows
    .map((r) => ({
      kid: r.kid,
      alg: r.alg,
      state: r.state as KeyState,
      createdAt: r.created_at,
      activatedAt: r.activated_at,
      retiringAt: r.retiring_at,
      retiredAt: r.retired_at,
    }))
    .sort((a, b) => ORDER[a.state] - ORDER[b.state] || b.createdAt - a.createdAt);
}

/**
 * Rotate now: the oldest `next` key becomes active, the active one retiring, and a new `next`
 * key is published. Without `immediate`, the next key must have been published for at least
 * one JWKS cache period (verifiers holding a cached JWKS already know it); `immediate` skips
 * that wait (verifiers then refetch on the unknown `kid`, within their cooldown). Running nodes
 * pick the new key up at their next key check. Every transition is compare-and-swap and audited.
 *
 * @example
 * await rotateSigningKeys({ store, audit, now }, { kek, config }, { immediate: false });
 */
export async function rotateSigningKeys(
  d: KeyAdminDeps,
  k: { kek: Kek; config: Pick<ServerConfig, 'alg' | 'jwksMaxAge'> },
  { immediate = false }: { immediate?: boolean } = {},
): Promise<{ activated: string; retiring: string | undefined; next: string }> {
  const now = d.now();
  const rows = await d.store.listSigningKeys();
  const active = rows.find((r) => r.state === 'active');
  let next = rows.filter((r) => r.state === 'next').sort((a, b) => a.created_at - b.created_at)[0];
  if (next !== undefined && !immediate && next.created_at + k.config.jwksMaxAge > now) {
    throw new ConfigError(
      `the next key ${next.kid} has been published for ${now - next.created_at} s, less than the JWKS cache period (${k.config.jwksMaxAge} s): wait, or rotate with --now`,
    );
  }
  if (next === undefined) {
    if (!immediate)
      throw new ConfigError('no next key is published yet: wait for it, or rotate with --now');
    next = createSigningKeyRow(k.config.alg, k.kek, now, 'next');
    await d.store.insertSigningKey(next);
    await d.audit.record({
      type: 'key.created',
      detail: { kid: next.kid, alg: next.alg, state: 'next', by: 'admin' },
    });
  }
  if (active !== undefined) {
    if (!(await d.store.transitionSigningKey(active.kid, 'active', 'retiring', now)))
      throw new ConfigError(
        'the keys changed meanwhile (another node rotated): list them and retry',
      );
    await d.audit.record({ type: 'key.retiring', detail: { kid: active.kid, by: 'admin' } });
  }
  if (!(await d.store.transitionSigningKey(next.kid, 'next', 'active', now)))
    throw new ConfigError('the keys changed meanwhile (another node rotated): list them and retry');
  await d.audit.record({
    type: 'key.activated',
    detail: { kid: next.kid, by: 'admin', immediate },
  });
  const fresh = createSigningKeyRow(k.config.alg, k.kek, now, 'next');
  await d.store.insertSigningKey(fresh);
  await d.audit.record({
    type: 'key.created',
    detail: { kid: fresh.kid, alg: fresh.alg, state: 'next', by: 'admin' },
  });
  return { activated: next.kid, retiring: active?.kid, next: fresh.kid };
}

/**
 * Retire a key early: unpublished at once and its private half erased. Only a `retiring` or a
 * `next` key: the active key is rotated away first (`rotateSigningKeys`). Tokens it signed stop
 * verifying wherever the JWKS is refetched — the point, when the key is compromised.
 */
export async function retireSigningKey(d: KeyAdminDeps, kid: string): Promise<void> {
  const row = (await d.store.listSigningKeys()).find((r) => r.kid === kid);
  if (row === undefined) throw new InputError(`no signing key ${kid}`);
  if (row.state === 'retired') throw new InputError(`key ${kid} is already retired`);
  if (row.state === 'active')
    throw new InputError(
      `key ${kid} is active: rotate first (tessera keys rotate), then retire it`,
    );
  if (!(await d.store.transitionSigningKey(kid, row.state as KeyState, 'retired', d.now(), true)))
    throw new ConfigError('the keys changed meanwhile: list them and retry');
  await d.audit.record({ type: 'key.retired', detail: { kid, from: row.state, by: 'admin' } });
}
