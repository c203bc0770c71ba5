/**
 * The client side of DPoP (RFC 9449): a `fetch` that holds a DPoP key, signs a proof for every
 * request (with `ath` when it sends an access token), remembers the servers' nonces, and retries
 * once when a server asks for a nonce (§8 at the token endpoint, §9 at resource servers).
 */
import * as core from '@tessera/jose';
import type { JwsAlg } from '@tessera/jose';
import type { KeyObject } from 'node:crypto';
import { optionsError } from './errors.js';

export interface DpopFetchOptions {
  /** The DPoP private key (default: a new ES256 key, kept for the wrapper's lifetime). */
  privateKey?: KeyObject;
  /** The proof algorithm (default: the first the key fits, ES256 for P-256, EdDSA for Ed25519). */
  alg?: JwsAlg;
  /** The `fetch` to wrap (default: the global one). */
  fetch?: typeof fetch;
}

export interface DpopRequestInit extends RequestInit {
  /** An access token: sent as `Authorization: DPoP <token>`, with its hash as `ath`. */
  accessToken?: string;
}

/** A `fetch` that adds DPoP proofs. */
export interface DpopFetch {
  (url: string | URL, init?: DpopRequestInit): Promise<Response>;
  /** The RFC 7638 thumbprint of the key: what the issuer puts in `cnf.jkt`. */
  readonly jkt: string;
  /** A proof for one request, for callers that send requests themselves. */
  proof(method: string, url: string | URL, accessToken?: string): string;
}

/** True when a response asks for a (new) nonce: 400 `use_dpop_nonce` (§8) or a 401 challenge (§9). */
async function wantsNonce(res: Response): Promise<boolean> {
  if (res.headers.get('dpop-nonce') === null) return false;
  if (res.status === 401)
    return /(^|[\s,])error="use_dpop_nonce"/.test(res.headers.get('www-authenticate') ?? '');
  if (res.status !== 400) return false;
  try {
    const body = (await res.clone().json()) as { error?: unknown };
    return body.error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}

/**
 * Wrap `fetch` with DPoP: every request gets a fresh proof for its method and URL (query and
 * fragment left out, as RFC 9449 §4.2 says), `Authorization: DPoP <token>` and `ath` when an
 * `accessToken` is given, and the last nonce the origin sent. A request answered with a nonce
 * challenge is sent again once with the new nonce — so its body must be replayable (a string,
 * `URLSearchParams`, bytes; not a stream).
 *
 * @example
 * const dpopFetch = createDpopFetch();
 * const tokens = await (await dpopFetch('https://auth.example/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }), headers: { authorization } })).json();
 * const res = await dpopFetch('https://api.example/orders', { accessToken: tokens.access_token });
 */
export function createDpopFetch(options: DpopFetchOptions = {}): DpopFetch {
  // Node.js core only (see dpop.ts): read from the namespace, checked here.
  const { createDpopProof, calculateJwkThumbprint, generateKeyPair } = core as Partial<typeof core>;
  if (
    createDpopProof === undefined ||
    calculateJwkThumbprint === undefined ||
    generateKeyPair === undefined
  )
    throw optionsError('createDpopFetch needs the Node.js core of @tessera/jose');
  const privateKey = options.privateKey ?? generateKeyPair('ES256').privateKey;
  const alg = options.alg;
  const base = options.fetch ?? globalThis.fetch;
  const jkt = calculateJwkThumbprint(privateKey);
  const nonces = new Map<string, string>();

  const proof = (method: string, url: string | URL, accessToken?: string): string => {
    const u = new URL(url);
    const nonce = nonces.get(u.origin);
    return createDpopProof({
      key: privateKey,
      htm: method.toUpperCase(),
      htu: u.href,
      ...(alg !== undefined ? { alg } : {}),
      ...(accessToken !== undefined ? { accessToken } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
    });
  };

  const send = (url: string | URL, init: DpopRequestInit): Promise<Response> => {
    const { accessToken, ...rest } = init;
    const method = (rest.method ?? 'GET').toUpperCase();
    const headers = new Headers(rest.headers);
    headers.set('dpop', proof(method, url, accessToken));
    if (accessToken !== undefined) headers.set('authorization', `DPoP ${accessToken}`);
    return base(url, { ...rest, method, headers });
  };

  const dpopFetch = async (url: string | URL, init: DpopRequestInit = {}): Promise<Response> => {
    const origin = new URL(url).origin;
    let res = await send(url, init);
    const nonce = res.headers.get('dpop-nonce');
    const retry = await wantsNonce(res);
    if (nonce !== null) nonces.set(origin, nonce);
    if (retry) {
      await res.body?.cancel();
      res = await send(url, init);
      const next = res.headers.get('dpop-nonce');
      if (next !== null) nonces.set(origin, next);
    }
    return res;
  };
  return Object.assign(dpopFetch, { jkt, proof }) as DpopFetch;
}
