/**
 * Token correlation: tokens are linked across exchanges by fingerprint ("issued in #2,
 * presented in #3, #4") and summarised from their UNVERIFIED header and claims (alg, kid, exp,
 * lifetime). The summary is for drawing and for time checks, never for trust.
 */
import { decodeJwt, decodeProtectedHeader, verifyJwt } from '@tessera/jose';
import type { JwsAlg, KeyInput, KeySet } from '@tessera/jose';
import type { TokenKind, TokenSummary } from './model.js';
import { displayToken, fingerprint, isJwtShaped } from './redact.js';

function summarise(
  value: string,
): Pick<TokenSummary, 'kind' | 'alg' | 'kid' | 'typ' | 'iat' | 'exp' | 'lifetimeSec'> {
  if (!isJwtShaped(value)) return { kind: 'opaque' };
  const kind: TokenKind = value.split('.').length === 5 ? 'jwe' : 'jwt';
  const out: Pick<TokenSummary, 'kind' | 'alg' | 'kid' | 'typ' | 'iat' | 'exp' | 'lifetimeSec'> = {
    kind,
  };
  try {
    const h = decodeProtectedHeader(value) as Record<string, unknown>;
    if (typeof h.alg === 'string') out.alg = h.alg;
    if (typeof h.kid === 'string') out.kid = h.kid;
    if (typeof h.typ === 'string') out.typ = h.typ;
  } catch {
    return out;
  }
  if (kind === 'jwe') return out;
  try {
    const p = decodeJwt(value) as Record<string, unknown>;
    if (typeof p.iat === 'number' && Number.isFinite(p.iat)) out.iat = p.iat;
    if (typeof p.exp === 'number' && Number.isFinite(p.exp)) out.exp = p.exp;
    if (out.iat !== undefined && out.exp !== undefined) out.lifetimeSec = out.exp - out.iat;
  } catch {
    // A JWT-shaped value whose payload is not a JSON object: kept as a JWT without claims.
  }
  return out;
}

/** Keys to check token signatures with while capturing (never fetched: a local key or set). */
export interface TokenVerification {
  keys: KeySet | KeyInput;
  /** Allowed `alg` values (required, as for every verification). */
  algorithms: readonly JwsAlg[];
}

/** Collects the tokens seen in a capture, numbered in order of first appearance. */
export class TokenRegistry {
  private readonly byFingerprint = new Map<string, TokenSummary>();
  constructor(
    private readonly reveal: boolean,
    private readonly verification?: TokenVerification,
  ) {}

  /** Register (or find) a token and return its summary; `atSec` is when it was first seen. */
  note(value: string, atSec?: number): TokenSummary {
    const fp = fingerprint(value);
    let s = this.byFingerprint.get(fp);
    if (!s) {
      s = {
        n: this.byFingerprint.size + 1,
        fingerprint: fp,
        display: displayToken(value),
        ...summarise(value),
        presentedIn: [],
      };
      if (this.reveal) s.value = value;
      if (this.verification && s.kind === 'jwt') this.verify(s, value, atSec);
      this.byFingerprint.set(fp, s);
    }
    return s;
  }

  private verify(s: TokenSummary, value: string, atSec: number | undefined): void {
    try {
      // Checked at the moment it crossed the wire, so a trace verifies the same way later.
      const options: Parameters<typeof verifyJwt>[2] = {
        algorithms: this.verification!.algorithms,
      };
      if (atSec !== undefined) options.currentDate = new Date(atSec * 1000);
      verifyJwt(value, this.verification!.keys, options);
      s.verified = 'valid';
    } catch (err) {
      s.verified = 'invalid';
      const code = (err as { code?: unknown }).code;
      s.verifyError = typeof code === 'string' ? code : 'ERR_VERIFY_FAILED';
    }
  }

  issued(value: string, seq: number, as: string, atSec?: number): TokenSummary {
    const s = this.note(value, atSec);
    if (s.issuedIn === undefined) {
      s.issuedIn = seq;
      s.issuedAs = as;
    }
    return s;
  }

  presented(value: string, seq: number, atSec?: number): TokenSummary {
    const s = this.note(value, atSec);
    if (!s.presentedIn.includes(seq)) s.presentedIn.push(seq);
    return s;
  }

  /** True when this value was issued by an earlier exchange of the trace. */
  wasIssuedBefore(value: string, seq: number): boolean {
    const s = this.byFingerprint.get(fingerprint(value));
    return s?.issuedIn !== undefined && s.issuedIn < seq;
  }

  list(): TokenSummary[] {
    return [...this.byFingerprint.values()].sort((a, b) => a.n - b.n);
  }
}
