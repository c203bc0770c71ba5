/**
 * Every failure of @tessera/trace is a {@link TraceError} with a stable `code`; the subclasses
 * carry data: the member `path` of a bad input file, the `trace` recorded before a run failed.
 * Messages name the file member or the request, never a credential.
 */
import type { Trace } from './model.js';

/** All error codes, each with its one-line meaning (docs/errors.md lists them; a test keeps it so). */
export const TRACE_ERROR_CODES = {
  ERR_TRACE_JSON: 'a trace file is not JSON',
  ERR_TRACE_INVALID: 'a trace (or the key set given to check it) does not have the trace format',
  ERR_TRACE_VERSION: 'a trace file has a format version this release does not read',
  ERR_HAR_INVALID: 'a HAR file is not HAR 1.2 as browsers export it',
  ERR_SCENARIO_INVALID:
    'a scenario is not valid, names a ${NAME} with no value, or uses "$password" with no password',
  ERR_FILE_UNREADABLE:
    'a trace, HAR or scenario file cannot be read (missing, a folder, too large)',
  ERR_TRACE_NETWORK: 'a scenario run met a transport failure; the trace so far is on the error',
  ERR_TRACE_LOGIN: "a scenario's login got no token; the trace is on the error",
  ERR_VERIFY_FAILED:
    "a token in the trace did not verify, for a reason with no code (a token's `verifyError`, never thrown)",
  ERR_PROXY_TARGET_INVALID:
    'the proxy target is not an http:// URL (the proxy does not intercept TLS)',
} as const;

export type TraceErrorCode = keyof typeof TRACE_ERROR_CODES;

/** The error type of @tessera/trace. */
export class TraceError extends Error {
  readonly code: TraceErrorCode;
  constructor(code: TraceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TraceError';
    this.code = code;
  }
}

/** A trace, HAR or scenario file that cannot be used. `path` points at the offending member. */
export class TraceInputError extends TraceError {
  readonly path: string;
  constructor(code: TraceErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, path ? `${path}: ${message}` : message, options);
    this.name = 'TraceInputError';
    this.path = path;
  }
}

/** A scenario run that failed after it started: the trace recorded so far is on the error. */
class TraceRunError extends TraceError {
  readonly trace: Trace;
  constructor(code: 'ERR_TRACE_NETWORK' | 'ERR_TRACE_LOGIN', message: string, trace: Trace) {
    super(code, message);
    this.trace = trace;
  }
}

/** A transport failure while running a scenario (exit code 5). */
export class TraceNetworkError extends TraceRunError {
  declare readonly code: 'ERR_TRACE_NETWORK';
  constructor(message: string, trace: Trace) {
    super('ERR_TRACE_NETWORK', message, trace);
    this.name = 'TraceNetworkError';
  }
}

/**
 * The login step got no token: a non-2xx answer (`login failed: 400 invalid_grant`) or no token
 * where `tokenFrom` says (exit code 1). The calls still ran, so the trace shows what followed.
 */
export class TraceLoginError extends TraceRunError {
  declare readonly code: 'ERR_TRACE_LOGIN';
  constructor(message: string, trace: Trace) {
    super('ERR_TRACE_LOGIN', message, trace);
    this.name = 'TraceLoginError';
  }
}
