/**
 * Assertions turn the picture into a check: each reports pass or fail with the offending
 * exchange numbers. They read only the (redacted) trace, so `trace check` works on a file.
 */
import type { AssertionName, AssertionResult, Exchange, Trace } from './model.js';
import { DEFAULT_ASSERTIONS } from './model.js';

const STATIC_ASSET = /\.(css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|otf)$/i;
const STATIC_TYPE = /^(text\/css|image\/|font\/|application\/(javascript|font)|text\/javascript)/i;

/** A static asset (stylesheet, script, image, font) that authenticated-API rules ignore. */
export function isStaticAsset(e: Exchange): boolean {
  let path = '';
  try {
    path = new URL(e.url).pathname;
  } catch {
    path = e.url;
  }
  return STATIC_ASSET.test(path) || STATIC_TYPE.test(e.responseHeaders['content-type'] ?? '');
}

/** The exchange that logged in: marked by the driver, else the first credential exchange that issued a token. */
export function loginExchange(trace: Trace): Exchange | undefined {
  return (
    trace.exchanges.find((e) => e.role === 'login') ??
    trace.exchanges.find((e) => e.credentials.length > 0 && e.tokensIssued.length > 0) ??
    trace.exchanges.find((e) => e.tokensIssued.length > 0)
  );
}

const endpointOf = (e: Exchange): string => {
  try {
    const u = new URL(e.url);
    return `${u.host}${u.pathname}`;
  } catch {
    return e.url;
  }
};

const list = (seqs: number[]): string => seqs.map((s) => `#${s}`).join(', ');

const result = (
  name: AssertionName,
  failing: number[],
  pass: string,
  failMsg: string,
): AssertionResult => ({
  name,
  status: failing.length === 0 ? 'pass' : 'fail',
  message: failing.length === 0 ? pass : `${failMsg}: ${list(failing)}`,
  exchanges: failing,
});

function credentialsOnce(trace: Trace): AssertionResult {
  const carrying = trace.exchanges.filter((e) => e.credentials.length > 0).map((e) => e.seq);
  const login = loginExchange(trace);
  if (carrying.length === 0) {
    return {
      name: 'credentials-once',
      status: 'fail',
      message: 'no exchange carried credentials (no login recorded)',
      exchanges: [],
    };
  }
  if (carrying.length > 1) {
    // The first credential exchange is the login; every other one is the failure to show.
    const again = carrying.filter(
      (s) => s !== (login?.credentials.length ? login.seq : carrying[0]),
    );
    return result(
      'credentials-once',
      again,
      '',
      `credentials were sent ${carrying.length} times; again in`,
    );
  }
  const only = trace.exchanges.find((e) => e.seq === carrying[0])!;
  if (login && login.seq !== only.seq && endpointOf(login) !== endpointOf(only)) {
    return result(
      'credentials-once',
      [only.seq],
      '',
      'the only credential exchange is not the login endpoint',
    );
  }
  if (!login) {
    return result(
      'credentials-once',
      [only.seq],
      '',
      'credentials were sent once but no token was issued for them',
    );
  }
  return result(
    'credentials-once',
    [],
    `credentials were sent once, in #${only.seq} (${only.method} ${new URL(only.url).pathname})`,
    '',
  );
}

function tokenOnlyAfterLogin(trace: Trace): AssertionResult {
  const login = loginExchange(trace);
  if (!login) {
    return {
      name: 'token-only-after-login',
      status: 'fail',
      message: 'no login exchange (no token was issued)',
      exchanges: [],
    };
  }
  const issuedBefore = (fp: string, seq: number): boolean =>
    trace.tokens.some((t) => t.fingerprint === fp && t.issuedIn !== undefined && t.issuedIn < seq);
  const loginEndpoint = endpointOf(login);
  const failing = trace.exchanges
    .filter((e) => e.seq > login.seq && endpointOf(e) !== loginEndpoint && !isStaticAsset(e))
    .filter(
      (e) =>
        e.credentials.length > 0 ||
        !e.tokensPresented.some((tp) => issuedBefore(tp.fingerprint, e.seq)),
    )
    .map((e) => e.seq);
  return result(
    'token-only-after-login',
    failing,
    `every request after #${login.seq} carried an issued token and no credentials`,
    'requests after the login without an issued token, or with credentials',
  );
}

function noTokenInUrl(trace: Trace): AssertionResult {
  const failing = trace.exchanges
    .filter((e) => e.tokensPresented.some((t) => t.location === 'query'))
    .map((e) => e.seq);
  return result(
    'no-token-in-url',
    failing,
    'no token appeared in a URL',
    'a token was sent in the URL (it leaks to logs and Referer)',
  );
}

function tokenUsedBeforeExpiry(trace: Trace): AssertionResult {
  const start = Date.parse(trace.startedAt);
  const failing: number[] = [];
  for (const e of trace.exchanges) {
    const at = (start + e.t) / 1000;
    const expired = e.tokensPresented.some((tp) => {
      const s = trace.tokens.find((t) => t.fingerprint === tp.fingerprint);
      return s?.exp !== undefined && at >= s.exp;
    });
    if (expired) failing.push(e.seq);
  }
  return result(
    'token-used-before-expiry',
    failing,
    'every token was used before its exp',
    'a token was presented after its exp',
  );
}

function cookieFlags(trace: Trace): AssertionResult {
  const failing = trace.exchanges
    .filter((e) =>
      e.tokensIssued.some(
        (t) =>
          t.cookie &&
          (!t.cookie.httpOnly ||
            !t.cookie.secure ||
            !t.cookie.sameSite ||
            /^none$/i.test(t.cookie.sameSite)),
      ),
    )
    .map((e) => e.seq);
  return result(
    'cookie-flags',
    failing,
    'token cookies are HttpOnly, Secure and SameSite',
    'a token cookie lacks HttpOnly, Secure or SameSite',
  );
}

function httpsOnly(trace: Trace): AssertionResult {
  const failing = trace.exchanges
    .filter(
      (e) =>
        e.credentials.length + e.tokensPresented.length + e.tokensIssued.length > 0 &&
        !e.url.startsWith('https://'),
    )
    .map((e) => e.seq);
  return result(
    'https-only',
    failing,
    'credentials and tokens crossed only HTTPS',
    'credentials or tokens crossed plain HTTP',
  );
}

const CHECKS: Record<AssertionName, (t: Trace) => AssertionResult> = {
  'credentials-once': credentialsOnce,
  'token-only-after-login': tokenOnlyAfterLogin,
  'no-token-in-url': noTokenInUrl,
  'token-used-before-expiry': tokenUsedBeforeExpiry,
  'cookie-flags': cookieFlags,
  'https-only': httpsOnly,
};

/**
 * Evaluate assertions on a trace (default: the four core ones; `cookie-flags` and `https-only`
 * are opt-in).
 *
 * @example
 * const results = checkAssertions(trace, ['credentials-once']);
 * if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
 */
export function checkAssertions(
  trace: Trace,
  names: readonly AssertionName[] = DEFAULT_ASSERTIONS,
): AssertionResult[] {
  return names.map((n) => CHECKS[n](trace));
}
