/**
 * Raw exchanges → redacted, classified, correlated trace. The only place where raw values
 * (secrets) meet the stored model; nothing secret leaves it unless `reveal` keeps a token.
 */
import type { AssertionName, Exchange, Finding, Trace, TraceSource } from './model.js';
import { DEFAULT_ASSERTIONS, TRACE_FORMAT, TRACE_VERSION } from './model.js';
import { classifyExchange } from './classify.js';
import { TokenRegistry } from './correlate.js';
import type { TokenVerification } from './correlate.js';
import { ParticipantRegistry } from './participants.js';
import type { NameRule } from './participants.js';
import {
  REQUEST_HEADER_ALLOWLIST,
  RESPONSE_HEADER_ALLOWLIST,
  fingerprint,
  redactHeaders,
  redactUrl,
} from './redact.js';
import type { RawExchange } from './raw-exchange.js';
import { checkAssertions } from './assertions.js';

/** Options every capture mode (driver, proxy, HAR) passes on to {@link buildTrace}. */
export interface CaptureOptions {
  /** Keep full tokens (never passwords). Default false. */
  reveal?: boolean;
  /** Participant relabelling rules (`--name`). */
  names?: readonly NameRule[];
  /** Label of the client lifeline (default by source: CLI, Client, Browser). */
  clientLabel?: string;
  /** A human `actor` lifeline left of the client (`--actor Alice`). */
  actor?: string;
  /** Assertions evaluated into `trace.assertions` (default: the core four). */
  assertions?: readonly AssertionName[];
  /** Check JWT signatures with these keys (`--jwks`); the result lands in `tokens[].verified`. */
  verify?: TokenVerification;
}

export interface BuildTraceOptions extends CaptureOptions {
  source: TraceSource;
  /** Time of `t = 0`. */
  startedAt: Date;
}

/** Copy the capture options that are set (exactOptionalPropertyTypes-friendly). */
export function withCaptureOptions(
  source: TraceSource,
  startedAt: Date,
  o: CaptureOptions,
): BuildTraceOptions {
  const out: BuildTraceOptions = { source, startedAt };
  if (o.reveal !== undefined) out.reveal = o.reveal;
  if (o.names !== undefined) out.names = o.names;
  if (o.clientLabel !== undefined) out.clientLabel = o.clientLabel;
  if (o.actor !== undefined) out.actor = o.actor;
  if (o.assertions !== undefined) out.assertions = o.assertions;
  if (o.verify !== undefined) out.verify = o.verify;
  return out;
}

const CLIENT_LABELS: Record<TraceSource, string> = { run: 'CLI', proxy: 'Client', har: 'Browser' };

/** One hour: longer-lived access tokens are reported (RFC 9068 §5 advises short lifetimes). */
const LONG_LIFETIME_SEC = 3600;

/**
 * Build a trace from raw exchanges: classify, redact, correlate tokens, add findings and
 * evaluate assertions.
 *
 * @example
 * const trace = buildTrace(raws, { source: 'run', startedAt: new Date() });
 */
export function buildTrace(raws: readonly RawExchange[], options: BuildTraceOptions): Trace {
  const reveal = options.reveal === true;
  const participants = new ParticipantRegistry(
    options.clientLabel ?? CLIENT_LABELS[options.source],
    options.names,
  );
  const tokens = new TokenRegistry(reveal, options.verify);
  const startMs = options.startedAt.getTime();
  const exchanges: Exchange[] = [];

  raws.forEach((raw, i) => {
    const seq = i + 1;
    const at = (startMs + raw.t) / 1000;
    const c = classifyExchange(raw);
    const e: Exchange = {
      seq,
      t: raw.t,
      from: raw.from !== undefined ? participants.idFor(raw.from) : 'client',
      to: participants.idFor(raw.url),
      method: raw.method.toUpperCase(),
      url: redactUrl(raw.url, reveal),
      requestHeaders: redactHeaders(raw.requestHeaders, REQUEST_HEADER_ALLOWLIST, reveal),
      status: raw.status,
      durationMs: raw.durationMs,
      responseHeaders: redactHeaders(raw.responseHeaders, RESPONSE_HEADER_ALLOWLIST, reveal),
      credentials: [...c.credentials],
      tokensPresented: [],
      tokensIssued: [],
    };
    if (c.requestBody) e.requestBody = c.requestBody;
    if (c.responseBody) e.responseBody = c.responseBody;
    if (raw.role) e.role = raw.role;
    if (raw.error !== undefined) e.error = raw.error;

    for (const tp of c.tokensPresented) {
      const s = tokens.presented(tp.value, seq, at);
      e.tokensPresented.push(
        tp.name === undefined
          ? { fingerprint: s.fingerprint, location: tp.location }
          : { fingerprint: s.fingerprint, location: tp.location, name: tp.name },
      );
    }
    if (c.opaqueBearer !== undefined) {
      // An opaque bearer value issued earlier in this trace is a token; otherwise it is a
      // long-lived key sent on every request — a credential.
      if (tokens.wasIssuedBefore(c.opaqueBearer, seq)) {
        const s = tokens.presented(c.opaqueBearer, seq, at);
        e.tokensPresented.push({ fingerprint: s.fingerprint, location: 'authorization' });
      } else {
        e.credentials.push({
          kind: 'opaque-bearer',
          location: 'authorization',
          fingerprint: fingerprint(c.opaqueBearer),
        });
      }
    }
    // An issued token is checked as of when the response arrived: the issuer stamps `iat` after
    // the request left, and a strict verifier refuses an `iat` in the future.
    const answeredAt = at + Math.max(0, raw.durationMs ?? 0) / 1000;
    for (const ti of c.tokensIssued) {
      const s = tokens.issued(ti.value, seq, ti.name, answeredAt);
      const issued: Exchange['tokensIssued'][number] = {
        fingerprint: s.fingerprint,
        location: ti.location,
        name: ti.name,
      };
      if (ti.cookie) issued.cookie = ti.cookie;
      e.tokensIssued.push(issued);
    }
    exchanges.push(e);
  });

  const trace: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    source: options.source,
    startedAt: options.startedAt.toISOString(),
    revealed: reveal,
    participants:
      options.actor !== undefined
        ? [{ id: 'actor', label: options.actor, kind: 'actor' }, ...participants.list]
        : participants.list,
    exchanges,
    tokens: tokens.list(),
    assertions: [],
    findings: [],
  };
  trace.findings = findingsOf(trace);
  trace.assertions = checkAssertions(trace, options.assertions ?? DEFAULT_ASSERTIONS);
  return trace;
}

/** Observations that are not assertions: worth a look, not a failure. */
export function findingsOf(trace: Trace): Finding[] {
  const out: Finding[] = [];
  const seqs = (pred: (e: Exchange) => boolean): number[] =>
    trace.exchanges.filter(pred).map((e) => e.seq);
  const inUrl = seqs((e) => e.tokensPresented.some((t) => t.location === 'query'));
  if (inUrl.length)
    out.push({
      code: 'token-in-url',
      severity: 'warning',
      message: 'a token travelled in a URL query',
      exchanges: inUrl,
    });
  const apiKey = seqs((e) => e.credentials.some((c) => c.kind === 'opaque-bearer'));
  if (apiKey.length) {
    out.push({
      code: 'opaque-bearer-key',
      severity: 'warning',
      message: 'an opaque bearer value not issued in this trace (an API key?) was sent',
      exchanges: apiKey,
    });
  }
  for (const t of trace.tokens) {
    const where = t.issuedIn !== undefined ? [t.issuedIn] : t.presentedIn.slice(0, 1);
    if (t.kind === 'jwt' && t.exp === undefined) {
      out.push({
        code: 'jwt-without-exp',
        severity: 'warning',
        message: `token #${t.n} (${t.fingerprint}) has no exp`,
        exchanges: where,
      });
    }
    if (t.alg !== undefined && /^none$/i.test(t.alg)) {
      out.push({
        code: 'alg-none',
        severity: 'warning',
        message: `token #${t.n} (${t.fingerprint}) is unsecured (alg none)`,
        exchanges: where,
      });
    }
    if (
      t.lifetimeSec !== undefined &&
      t.lifetimeSec > LONG_LIFETIME_SEC &&
      t.issuedAs !== 'refresh_token'
    ) {
      out.push({
        code: 'long-lifetime',
        severity: 'info',
        message: `token #${t.n} (${t.fingerprint}) lives ${t.lifetimeSec} s`,
        exchanges: where,
      });
    }
    if (t.verified === 'invalid') {
      out.push({
        code: 'token-not-verified',
        severity: 'warning',
        message: `token #${t.n} (${t.fingerprint}) failed verification: ${t.verifyError ?? 'invalid'}`,
        exchanges: where,
      });
    }
    if (t.issuedIn === undefined && t.presentedIn.length > 0) {
      out.push({
        code: 'token-not-issued-in-trace',
        severity: 'info',
        message: `token #${t.n} (${t.fingerprint}) was presented but not issued in this trace`,
        exchanges: t.presentedIn.slice(0, 1),
      });
    }
  }
  const failed = seqs((e) => e.error !== undefined || e.status === 0);
  if (failed.length)
    out.push({
      code: 'transport-error',
      severity: 'warning',
      message: 'no response arrived',
      exchanges: failed,
    });
  return out;
}
