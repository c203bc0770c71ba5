/**
 * `tessera trace run`: perform a login and then calls with `fetch`, recording every request and
 * response (redirects included, each hop its own exchange).
 */
import type { Trace } from '../model.js';
import { TraceInputError, TraceLoginError, TraceNetworkError } from '../errors.js';
import { buildTrace, withCaptureOptions } from '../build-trace.js';
import type { CaptureOptions } from '../build-trace.js';
import type { HeaderList, RawExchange } from '../raw-exchange.js';
import { headerValue } from '../raw-exchange.js';
import { parseSetCookie } from '../classify.js';
import { isRecord, type Scenario, type ScenarioStep } from './scenario.js';

export interface RunScenarioOptions extends CaptureOptions {
  /** Replaces `"$password"`; also fills the login form/JSON field `passwordField` when absent. */
  password?: string;
  /** Login field that receives `password` (default `password`). */
  passwordField?: string;
  /** Fixed start time (`--now`): the clock is frozen, so `t` and durations are 0 and output is stable. */
  now?: Date;
  /** Millisecond clock (default `Date.now`); ignored when `now` is set. */
  clock?: () => number;
  timeoutMs?: number;
  maxRedirects?: number;
}

const MAX_BODY = 1 << 20;
const PASSWORD_PLACEHOLDER = '$password';

class CookieJar {
  private readonly jar = new Map<string, Map<string, string>>();
  store(host: string, setCookies: readonly string[]): void {
    for (const sc of setCookies) {
      const c = parseSetCookie(sc);
      if (c.name === '') continue;
      const m = this.jar.get(host) ?? new Map<string, string>();
      if (c.flags.maxAge !== undefined && c.flags.maxAge <= 0) m.delete(c.name);
      else m.set(c.name, c.value);
      this.jar.set(host, m);
    }
  }
  header(host: string): string | undefined {
    const m = this.jar.get(host);
    if (!m || m.size === 0) return undefined;
    return [...m].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }
}

function substitute(v: unknown, password: string | undefined): unknown {
  if (v === PASSWORD_PLACEHOLDER) {
    if (password === undefined)
      throw new TraceInputError(
        'ERR_SCENARIO_INVALID',
        '',
        '"$password" is used but no password was given (--password-stdin)',
      );
    return password;
  }
  if (isRecord(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, password)]));
  return v;
}

function readPath(obj: unknown, dotted: string): unknown {
  let cur = obj;
  for (const k of dotted.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/**
 * Run a scenario and return its trace. A transport failure stops the run; the trace is still
 * built (the failing exchange has `error`) and thrown inside a {@link TraceNetworkError}. A
 * login that gets no token is thrown, with the trace, as a {@link TraceLoginError}.
 *
 * @example
 * const trace = await runScenario(
 *   { login: { method: 'POST', url: 'http://127.0.0.1:3000/login', form: { username: 'alice' } },
 *     calls: [{ method: 'GET', url: '/me' }] },
 *   { password: 'correct horse' },
 * );
 */
export async function runScenario(
  scenario: Scenario,
  options: RunScenarioOptions = {},
): Promise<Trace> {
  const frozen = options.now?.getTime();
  const clock = frozen !== undefined ? () => frozen : (options.clock ?? Date.now);
  const start = clock();
  const jar = new CookieJar();
  const raws: RawExchange[] = [];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRedirects = options.maxRedirects ?? 10;
  const base = scenario.base ?? scenario.login?.url;
  let token: string | undefined;
  let failure: string | undefined;

  const send = async (
    step: ScenarioStep,
    role: 'login' | undefined,
    withToken: boolean,
  ): Promise<RawExchange | undefined> => {
    let url = new URL(step.url, base).href;
    let method = step.method.toUpperCase();
    const headers: HeaderList = [['accept', 'application/json, */*']];
    let body: string | undefined;
    if (step.form) {
      const form = substitute(step.form, options.password) as Record<string, string>;
      if (
        role === 'login' &&
        options.password !== undefined &&
        !((options.passwordField ?? 'password') in form)
      ) {
        form[options.passwordField ?? 'password'] = options.password;
      }
      body = new URLSearchParams(form).toString();
      headers.push(['content-type', 'application/x-www-form-urlencoded']);
    } else if (step.json) {
      const json = substitute(step.json, options.password) as Record<string, unknown>;
      if (
        role === 'login' &&
        options.password !== undefined &&
        !((options.passwordField ?? 'password') in json)
      ) {
        json[options.passwordField ?? 'password'] = options.password;
      }
      body = JSON.stringify(json);
      headers.push(['content-type', 'application/json']);
    }
    for (const [k, v] of Object.entries(step.headers ?? {})) headers.push([k.toLowerCase(), v]);
    if (step.basic) {
      const pw = substitute(step.basic.password, options.password) as string;
      headers.push([
        'authorization',
        `Basic ${Buffer.from(`${step.basic.username}:${pw}`, 'utf8').toString('base64')}`,
      ]);
    } else if (
      withToken &&
      token !== undefined &&
      scenario.login?.tokenFrom?.startsWith('cookie:') !== true
    ) {
      headers.push(['authorization', `Bearer ${token}`]);
    }
    let last: RawExchange | undefined;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const host = new URL(url).host;
      const reqHeaders: HeaderList = headers.filter(([k]) => k !== 'cookie');
      const cookie = jar.header(host);
      if (cookie !== undefined) reqHeaders.push(['cookie', cookie]);
      const t0 = clock();
      const raw: RawExchange = {
        t: t0 - start,
        method,
        url,
        requestHeaders: reqHeaders,
        status: 0,
        durationMs: 0,
        responseHeaders: [],
      };
      if (body !== undefined) raw.requestBody = body;
      if (role && hop === 0) raw.role = role;
      raws.push(raw);
      last = raw;
      let res: Response;
      try {
        const init: RequestInit = {
          method,
          headers: reqHeaders,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        };
        if (body !== undefined) init.body = body;
        res = await fetch(url, init);
      } catch (err) {
        const cause = (err as { cause?: { code?: unknown } }).cause;
        raw.error =
          typeof cause?.code === 'string'
            ? cause.code
            : (err as Error).name === 'TimeoutError'
              ? 'timeout'
              : 'fetch failed';
        raw.durationMs = clock() - t0;
        failure = `${method} ${url}: ${raw.error}`;
        return undefined;
      }
      const setCookies = res.headers.getSetCookie();
      const resHeaders: HeaderList = [];
      res.headers.forEach((v, k) => {
        if (k !== 'set-cookie') resHeaders.push([k, v]);
      });
      for (const sc of setCookies) resHeaders.push(['set-cookie', sc]);
      const text = await res.text();
      raw.status = res.status;
      raw.responseHeaders = resHeaders;
      raw.responseBody = text.length > MAX_BODY ? text.slice(0, MAX_BODY) : text;
      raw.durationMs = clock() - t0;
      jar.store(host, setCookies);
      const location = headerValue(resHeaders, 'location');
      if (![301, 302, 303, 307, 308].includes(res.status) || location === undefined) break;
      url = new URL(location, url).href;
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
    }
    return last;
  };

  let loginFailure: string | undefined;
  if (scenario.login) {
    const tokenFrom = scenario.login.tokenFrom ?? 'json:access_token';
    const raw = await send(scenario.login, 'login', false);
    if (raw) {
      token = extractToken(raw, tokenFrom, jar);
      if (raw.status < 200 || raw.status > 299) loginFailure = loginError(raw);
      else if (token === undefined)
        loginFailure = `login failed: the ${raw.status} answer has no token at ${tokenFrom}`;
    }
  }
  for (const call of scenario.calls ?? []) {
    if (failure !== undefined) break;
    await send(call, undefined, call.useToken !== false);
  }
  const trace = buildTrace(raws, withCaptureOptions('run', new Date(start), options));
  if (failure !== undefined) throw new TraceNetworkError(`network error: ${failure}`, trace);
  if (loginFailure !== undefined) throw new TraceLoginError(loginFailure, trace);
  return trace;
}

/**
 * `login failed: 400 invalid_grant`: the status and the RFC 6749 §5.2 `error` code of a JSON
 * answer (a registered code, never a description the server may fill with anything).
 */
function loginError(raw: RawExchange): string {
  let code: unknown;
  try {
    code = (JSON.parse(raw.responseBody ?? '') as { error?: unknown }).error;
  } catch {
    code = undefined;
  }
  const shown = typeof code === 'string' && /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(code);
  return `login failed: ${raw.status}${shown ? ` ${code}` : ''}`;
}

function extractToken(raw: RawExchange, from: string, jar: CookieJar): string | undefined {
  const colon = from.indexOf(':');
  const kind = from.slice(0, colon);
  const name = from.slice(colon + 1);
  if (kind === 'json') {
    try {
      const v = readPath(JSON.parse(raw.responseBody ?? ''), name);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  if (kind === 'header') return headerValue(raw.responseHeaders, name)?.replace(/^Bearer\s+/i, '');
  if (kind === 'cookie') return jar.get(new URL(raw.url).host, name);
  return undefined;
}
