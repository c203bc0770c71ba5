import { createPrivateKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJwk, generateKeyPair, type Jwk } from '@tessera/jose';
import type { SigningAlg } from '../config.js';
import type { KeyState, SigningKeyRow } from '../stores/store.js';
import type { Kek } from './kek.js';

/**
 * Key lifecycle: `next` (published, not signing) → `active` (signing) → `retiring` (published,
 * not signing) → `retired` (unpublished, private half erased).
 *
 * A key is published at least one JWKS cache period before it signs (verifiers that cached the
 * JWKS before the switch already hold it) and stays published for the access-token lifetime +
 * clock skew + one cache period after it stops (every token it signed has expired everywhere).
 */
export interface LifecycleTiming {
  /** The configured algorithm: keys of another one are replaced (next at once, active by rotation). */
  readonly alg?: string;
  readonly keyRotationInterval: number;
  readonly jwksMaxAge: number;
  readonly keyRetention: number;
  /**
   * Seconds another node may take to reload keys (its check interval): added to the
   * pre-publication period, since a node with a stale ring serves a JWKS without the new key.
   */
  readonly reloadLag?: number;
}

export type KeyAction =
  | { readonly type: 'create'; readonly state: 'next' | 'active' }
  | {
      readonly type: 'transition';
      readonly kid: string;
      readonly from: KeyState;
      readonly to: KeyState;
    };

/** What a key signs: access tokens and the feed, or ID tokens (OIDC Core §2, RS256 by default). */
export type KeyPurpose = 'access' | 'id';

/** The private half is sealed with the purpose and kid as associated data. */
export const privateKeyContext = (kid: string): string => `signing-key:${kid}`;

/** Generate a key pair for `alg` and seal its private half into a store row. */
export function createSigningKeyRow(
  alg: SigningAlg,
  kek: Kek,
  now: number,
  state: 'next' | 'active',
  purpose: KeyPurpose = 'access',
): SigningKeyRow {
  const { privateKey, publicKey } = generateKeyPair(alg);
  const kid = calculateJwkThumbprint(publicKey);
  const jwk: Jwk = { ...exportJwk(publicKey), kid, alg, use: 'sig' };
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    kid,
    alg,
    state,
    public_jwk: JSON.stringify(jwk),
    private_enc: kek.seal(pkcs8, privateKeyContext(kid)),
    created_at: now,
    activated_at: state === 'active' ? now : null,
    retiring_at: null,
    retired_at: null,
    purpose,
  };
}

/** Open a row's sealed private key. */
export function openPrivateKey(row: SigningKeyRow, kek: Kek): KeyObject {
  return createPrivateKey({
    key: kek.open(row.private_enc, privateKeyContext(row.kid)),
    format: 'der',
    type: 'pkcs8',
  });
}

/**
 * What to do now, given the stored keys: a pure function of rows, time and timing, so every
 * transition is testable without waiting.
 */
export function planRotation(
  rows: readonly SigningKeyRow[],
  now: number,
  t: LifecycleTiming,
): KeyAction[] {
  const actions: KeyAction[] = [];
  const active = rows.filter((r) => r.state === 'active');
  const wrongAlg = (r: SigningKeyRow) => t.alg !== undefined && r.alg !== t.alg;
  // A next key of another algorithm never signed anything: unpublish it at once.
  for (const r of rows) {
    if (r.state === 'next' && wrongAlg(r))
      actions.push({ type: 'transition', kid: r.kid, from: 'next', to: 'retired' });
  }
  const next = rows
    .filter((r) => r.state === 'next' && !wrongAlg(r))
    .sort((a, b) => a.created_at - b.created_at);
  const current = active.sort((a, b) => (b.activated_at ?? 0) - (a.activated_at ?? 0))[0];
  // More than one active key (never expected): keep the newest, retire the others gracefully.
  for (const extra of active.slice(1))
    actions.push({ type: 'transition', kid: extra.kid, from: 'active', to: 'retiring' });
  const oldestNext = next[0];
  if (current === undefined) {
    // First boot (no token exists yet, nothing to pre-publish) or an operator removed the key.
    // On first boot the next key is stored before the active one: a node that loads the keys
    // between the two inserts then sees no active key and waits, instead of starting with a JWKS
    // that lacks the next key (the other node's would have it: two nodes, two key sets).
    if (oldestNext !== undefined) {
      actions.push({ type: 'transition', kid: oldestNext.kid, from: 'next', to: 'active' });
      actions.push({ type: 'create', state: 'next' });
    } else {
      actions.push({ type: 'create', state: 'next' });
      actions.push({ type: 'create', state: 'active' });
    }
  } else {
    // An algorithm change rotates early, still only once the new key has been published.
    const due =
      (current.activated_at ?? current.created_at) + t.keyRotationInterval <= now ||
      wrongAlg(current);
    const published =
      oldestNext !== undefined && oldestNext.created_at + t.jwksMaxAge + (t.reloadLag ?? 0) <= now;
    if (due && published) {
      actions.push({ type: 'transition', kid: current.kid, from: 'active', to: 'retiring' });
      actions.push({ type: 'transition', kid: oldestNext.kid, from: 'next', to: 'active' });
      actions.push({ type: 'create', state: 'next' });
    } else if (oldestNext === undefined) {
      actions.push({ type: 'create', state: 'next' });
    }
  }
  for (const r of rows) {
    if (r.state === 'retiring' && (r.retiring_at ?? 0) + t.keyRetention <= now) {
      actions.push({ type: 'transition', kid: r.kid, from: 'retiring', to: 'retired' });
    }
  }
  return actions;
}

/** The published keys: next, active and retiring (never retired, never private). */
export function publishedJwks(rows: readonly SigningKeyRow[]): { keys: Jwk[] } {
  const order: Record<string, number> = { active: 0, next: 1, retiring: 2 };
  return {
    keys: rows
      .filter((r) => r.state === 'active' || r.state === 'next' || r.state === 'retiring')
      .sort((a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9) || a.created_at - b.created_at)
      .map((r) => JSON.parse(r.public_jwk) as Jwk),
  };
}
