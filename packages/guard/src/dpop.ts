/**
 * DPoP at the resource server (RFC 9449 §7): `Authorization: DPoP <token>` with a `DPoP` proof
 * checked against the request (method, URL, `ath`), its key against the token's `cnf.jkt`, its
 * `jti` against the replay window; a DPoP-bound token sent as `Bearer` is refused (§7.1).
 */
import * as core from '@tessera/jose';
import {
  isJoseError,
  normalizeHtu,
  parseDuration,
  type DpopNonces,
  type DpopVerifier,
  type Duration,
  type JwsAlg,
  type JwtPayload,
} from '@tessera/jose';
import { GuardError, type BearerInput } from './bearer.js';
import {
  LocalReplayWindow,
  createRedisReplayStore,
  type SharedReplayStore,
} from './dpop-replay.js';
import { optionsError } from './errors.js';

export interface GuardDpopOptions {
  /** Proof algorithms accepted (and listed in `algs`). Default `['EdDSA', 'Ed25519', 'ES256', 'ES384', 'PS256', 'RS256']`. */
  algorithms?: readonly JwsAlg[];
  /** Oldest accepted proof, from its `iat`: the replay window (default 60 s). */
  maxAge?: Duration;
  /** Clock skew allowed for a proof's `iat` (default: the guard's `clockTolerance`, 5 s). */
  clockTolerance?: Duration;
  /**
   * The origin clients address this server at (`https://api.example.com`), for `htu`. Set it
   * behind a proxy or load balancer: otherwise the guard uses the request's own scheme and
   * `Host` header, which a proxy may rewrite and a client may choose.
   */
  origin?: string;
  /** Largest number of proof ids the in-memory window holds (default 100 000). */
  maxReplayEntries?: number;
  /**
   * Share the replay window across instances through Redis: a URL, or `{ url, keyPrefix,
   * timeoutMs }`. When Redis is unreachable the guard keeps to its local window (logged once).
   */
  replayStore?: string | { url: string; keyPrefix?: string; timeoutMs?: number };
  /**
   * Resource-server nonces (RFC 9449 §9), stateless: every guard with the same secret issues and
   * accepts the same nonces. `period` is one time slot (default 5 min).
   */
  nonce?: { secret: Uint8Array; period?: Duration };
  /** Where the guard says that Redis went away (default `console.warn`). */
  log?: (message: string) => void;
}

export interface PreparedGuardDpop {
  readonly algorithms: readonly JwsAlg[];
  readonly maxAge: number;
  readonly clockTolerance: number;
  readonly origin: string | undefined;
  readonly maxReplayEntries: number;
  readonly replayStore:
    { readonly url: string; readonly keyPrefix?: string; readonly timeoutMs?: number } | undefined;
  readonly nonce: { readonly secret: Uint8Array; readonly period: number } | undefined;
  readonly log: (message: string) => void;
}

// The proof verifier lives in the Node.js core (node:crypto, synchronous). On the Web Crypto
// entry (Bun, Deno, workers, browsers) these are absent: DPoP is then off unless asked for, and
// asking for it is a configuration error. Read from the namespace so that loading the guard there
// does not fail on a missing export.
const { createDpopVerifier, createDpopNonces } = core as Partial<typeof core>;

const DEFAULT_DPOP_ALGORITHMS: readonly JwsAlg[] = [
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'PS256',
  'RS256',
];
const invalid = (message: string) => optionsError(message);

/** Validate the `dpop` option once (undefined: DPoP off). */
export function prepareDpopOptions(
  o: GuardDpopOptions | boolean | undefined,
  clockTolerance: Duration,
): PreparedGuardDpop | undefined {
  if (o === false) return undefined;
  if (createDpopVerifier === undefined || createDpopNonces === undefined) {
    if (o === undefined) return undefined;
    throw invalid('dpop needs the Node.js core of @tessera/jose (not available on this runtime)');
  }
  const d: GuardDpopOptions = o === undefined || o === true ? {} : o;
  if (typeof d !== 'object' || d === null) throw invalid('dpop must be a boolean or an object');
  const algorithms = d.algorithms ?? DEFAULT_DPOP_ALGORITHMS;
  if (
    !Array.isArray(algorithms) ||
    algorithms.some((a) => typeof a !== 'string' || /[\s"\\]/.test(a))
  )
    throw invalid('dpop.algorithms must list JWS algorithms');
  let origin: string | undefined;
  if (d.origin !== undefined) {
    let n: string;
    try {
      n = normalizeHtu(d.origin);
    } catch {
      throw invalid('dpop.origin must be an http(s) origin');
    }
    origin = n.slice(0, -1); // normalizeHtu gives an origin-only URI as `…/`
    if (`${origin}/` !== n) throw invalid('dpop.origin must be an origin (no path)');
  }
  const maxReplayEntries = d.maxReplayEntries ?? 100_000;
  if (!Number.isSafeInteger(maxReplayEntries) || maxReplayEntries < 1)
    throw invalid('dpop.maxReplayEntries must be a positive integer');
  let replayStore: PreparedGuardDpop['replayStore'];
  if (d.replayStore !== undefined) {
    const r = typeof d.replayStore === 'string' ? { url: d.replayStore } : d.replayStore;
    if (typeof r?.url !== 'string' || !/^rediss?:\/\//.test(r.url))
      throw invalid('dpop.replayStore must be a redis:// or rediss:// URL');
    if (r.timeoutMs !== undefined && !(Number.isSafeInteger(r.timeoutMs) && r.timeoutMs > 0))
      throw invalid('dpop.replayStore.timeoutMs must be a positive integer');
    replayStore = Object.freeze({ ...r });
  }
  let nonce: PreparedGuardDpop['nonce'];
  if (d.nonce !== undefined) {
    // createDpopNonces checks the secret and the period; done here so errors come at configuration.
    createDpopNonces({
      secret: d.nonce.secret,
      ...(d.nonce.period !== undefined ? { period: d.nonce.period } : {}),
    });
    nonce = Object.freeze({
      secret: Uint8Array.from(d.nonce.secret),
      period: parseDuration(d.nonce.period ?? 300, 'dpop.nonce.period'),
    });
  }
  const result: PreparedGuardDpop = {
    algorithms: Object.freeze([...algorithms]),
    maxAge: parseDuration(d.maxAge ?? 60, 'dpop.maxAge'),
    clockTolerance: parseDuration(d.clockTolerance ?? clockTolerance, 'dpop.clockTolerance'),
    origin,
    maxReplayEntries,
    replayStore,
    nonce,
    log: d.log ?? ((m: string) => console.warn(m)),
  };
  // Checked by the core at once: asymmetric algorithms only (RFC 9449 §4.3 step 5).
  createDpopVerifier({
    algorithms: result.algorithms,
    maxAge: result.maxAge,
    clockTolerance: result.clockTolerance,
  });
  return Object.freeze(result);
}

/** A 401 with a `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1). */
function dpopError(
  error: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce',
  description: string,
  reason: string,
  algs: readonly string[],
  extra?: { cause?: unknown; nonce?: string },
): GuardError {
  return new GuardError(401, error, description, reason, {
    ...(extra?.cause !== undefined ? { cause: extra.cause } : {}),
    dpop: { algs, ...(extra?.nonce !== undefined ? { nonce: extra.nonce } : {}) },
  });
}

/** The DPoP side of a guard, built once. */
export interface GuardDpop {
  /** The token of `Authorization: DPoP <token>`, or undefined for another scheme. */
  tokenOf(authorization: string | undefined): string | undefined;
  /** Refuse a DPoP-bound token that came as `Bearer` (RFC 9449 §7.1). */
  refuseBoundBearer(claims: Readonly<JwtPayload>): void;
  /** Check the proof of a DPoP request; a promise only when a shared replay store is asked. */
  checkProof(claims: Readonly<JwtPayload>, token: string, input: BearerInput): void | Promise<void>;
  close(): Promise<void>;
}

/** The `cnf.jkt` of verified claims, if any. */
function jktOf(claims: Readonly<JwtPayload>): string | undefined {
  const cnf = claims['cnf'];
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as Record<string, unknown>)['jkt'];
  return typeof jkt === 'string' ? jkt : undefined;
}

/** True when verified claims carry a `cnf.jkt` (the token is DPoP-bound). */
export function isDpopBound(claims: Readonly<JwtPayload>): boolean {
  return claims['cnf'] !== undefined && jktOf(claims) !== undefined;
}

// RFC 9110 §11.1: the scheme is case-insensitive; one space, then the token68.
function dpopTokenOf(h: string | undefined): string | undefined {
  if (h === undefined || h.length < 6) return undefined;
  const c0 = h.charCodeAt(0) | 0x20;
  if (c0 !== 0x64 /* d */) return undefined;
  if (h.slice(0, 5).toLowerCase() !== 'dpop ') return undefined;
  const token = h.slice(5).trim();
  return token.length === 0 ? undefined : token;
}

/** The absolute URI of the request as the client addressed it, for `htu`. */
function requestUri(p: PreparedGuardDpop, input: BearerInput): string | undefined {
  const target = input.url ?? '/';
  const origin = p.origin ?? input.origin;
  if (origin === undefined) return undefined;
  const q = target.indexOf('?');
  return `${origin}${q === -1 ? target : target.slice(0, q)}`;
}

/** The replay side of a guard's DPoP checks: this instance's window, and Redis's when asked. */
interface ReplayCheck {
  /** Record a proof id or refuse its replay; a promise only when a shared store is configured. */
  add(id: string, expiresAtMs: number, now: number): void | Promise<void>;
  close(): Promise<void>;
}

function createReplayCheck(p: PreparedGuardDpop, replayed: () => GuardError): ReplayCheck {
  const local = new LocalReplayWindow(p.maxReplayEntries);
  let shared: Promise<SharedReplayStore> | undefined;
  let sharedDown = false;
  const sharedStore = (): Promise<SharedReplayStore> | undefined => {
    if (p.replayStore === undefined) return undefined;
    shared ??= createRedisReplayStore(p.replayStore);
    return shared;
  };
  // Connect early: the first DPoP request should not be the one that waits for Redis.
  sharedStore()?.catch(() => undefined);
  const sharedAnswered = (fresh: boolean): void => {
    if (sharedDown) {
      sharedDown = false;
      p.log('@tessera/guard: the DPoP replay store (Redis) is reachable again');
    }
    if (!fresh) throw replayed();
  };
  const sharedFailed = (e: unknown): void => {
    // Redis is down: the local window decided. Say so once per outage.
    if (!sharedDown) {
      sharedDown = true;
      p.log(
        `@tessera/guard: the DPoP replay store (Redis) is unreachable; using this instance's replay window only (${e instanceof Error ? e.message : 'error'})`,
      );
    }
  };
  return {
    add(id, expiresAtMs, now) {
      if (!local.add(id, expiresAtMs, now)) throw replayed();
      const store = sharedStore();
      if (store === undefined) return;
      return store.then((s) => s.add(id, expiresAtMs - now)).then(sharedAnswered, sharedFailed);
    },
    async close() {
      if (shared !== undefined) await (await shared.catch(() => undefined))?.close();
    },
  };
}

/** What a DPoP request must bring before its proof is verified (RFC 9449 §4.3, §7.1). */
function proofRequest(
  p: PreparedGuardDpop,
  claims: Readonly<JwtPayload>,
  input: BearerInput,
): { jkt: string; proof: string; htu: string; htm: string } {
  const algs = p.algorithms;
  const jkt = jktOf(claims);
  if (jkt === undefined)
    throw dpopError('invalid_token', 'The access token is not DPoP-bound', 'dpop_unbound', algs);
  const proof = input.dpop;
  if (proof === undefined || proof.length === 0)
    throw dpopError('invalid_dpop_proof', 'A DPoP proof is required', 'dpop_missing', algs);
  // §4.3 step 1: one DPoP header; several are joined with commas, which a JWS never holds.
  if (proof.includes(','))
    throw dpopError('invalid_dpop_proof', 'More than one DPoP header', 'dpop_many', algs);
  const htu = requestUri(p, input);
  if (htu === undefined || input.method === undefined)
    throw dpopError('invalid_dpop_proof', 'The request URI is unknown', 'dpop_no_uri', algs);
  return { jkt, proof, htu, htm: input.method };
}

/** Verify the proof with the core; its JoseError becomes the 401 answer (a fresh nonce for §9). */
function verifyProofOrRefuse(
  verifyProof: DpopVerifier,
  nonces: DpopNonces | undefined,
  request: { proof: string; htu: string; htm: string },
  token: string,
  algs: readonly string[],
): ReturnType<DpopVerifier> {
  try {
    return verifyProof(request.proof, {
      htm: request.htm,
      htu: request.htu,
      accessToken: token,
      ...(nonces !== undefined ? { nonce: (n: string) => nonces.check(n) } : {}),
    });
  } catch (e) {
    if (isJoseError(e, 'ERR_DPOP_NONCE_INVALID') && nonces !== undefined)
      throw dpopError('use_dpop_nonce', 'A DPoP nonce is required', e.code, algs, {
        cause: e,
        nonce: nonces.current(),
      });
    if (isJoseError(e, 'ERR_OPTIONS_INVALID'))
      throw dpopError('invalid_dpop_proof', 'The request URI is unknown', e.code, algs, {
        cause: e,
      });
    if (isJoseError(e))
      throw dpopError('invalid_dpop_proof', 'The DPoP proof is invalid', e.code, algs, {
        cause: e,
      });
    throw e;
  }
}

/** Build the DPoP checks of a guard from prepared options. */
export function createGuardDpop(p: PreparedGuardDpop): GuardDpop {
  if (createDpopVerifier === undefined || createDpopNonces === undefined)
    throw invalid('dpop needs the Node.js core of @tessera/jose (not available on this runtime)');
  const verifyProof: DpopVerifier = createDpopVerifier({
    algorithms: p.algorithms,
    maxAge: p.maxAge,
    clockTolerance: p.clockTolerance,
  });
  const nonces: DpopNonces | undefined =
    p.nonce === undefined
      ? undefined
      : createDpopNonces({ secret: p.nonce.secret, period: p.nonce.period, purpose: 'resource' });
  const algs = p.algorithms;
  const replay = createReplayCheck(p, () =>
    dpopError('invalid_dpop_proof', 'The DPoP proof was already used', 'dpop_replay', algs),
  );

  return {
    tokenOf: dpopTokenOf,
    refuseBoundBearer(claims) {
      if (isDpopBound(claims))
        throw dpopError(
          'invalid_token',
          'The access token is DPoP-bound: send it with the DPoP scheme and a proof',
          'dpop_bound_as_bearer',
          algs,
        );
    },
    checkProof(claims, token, input) {
      const request = proofRequest(p, claims, input);
      const now = Date.now();
      const r = verifyProofOrRefuse(verifyProof, nonces, request, token, algs);
      if (r.jkt !== request.jkt)
        throw dpopError(
          'invalid_dpop_proof',
          'The DPoP proof key does not match the access token',
          'dpop_jkt_mismatch',
          algs,
        );
      // §11.1: a proof is good once within its window (iat + maxAge + tolerance).
      // The proof key and jti (at most 512 characters: the core's bound) identify the proof.
      const expiresAtMs = (r.iat + p.maxAge + p.clockTolerance) * 1000 + 1000;
      return replay.add(`${r.jkt}.${r.jti}`, expiresAtMs, now);
    },
    close: () => replay.close(),
  };
}
