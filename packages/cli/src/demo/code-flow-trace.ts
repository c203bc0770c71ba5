import {
  buildTrace,
  parseNameRule,
  type HeaderList,
  type RawExchange,
  type Trace,
} from '@tessera/trace';
import { demoError } from '../exit-codes.js';

/**
 * The live trace of the demo's browser sign-in, recorded from real requests on four lifelines:
 * a scripted browser (cookies, redirects, the issuer's login form), the demo web app, the issuer
 * and the resource server. The browser's requests are recorded here; the app's own requests
 * (token exchange, refresh, resource call) through {@link recordingFetch}, which the app is given
 * as its `fetch`. Raw exchanges hold secrets and stay in memory; `buildTrace` redacts them.
 */
export interface FlowRecorder {
  /** Raw exchanges of the current recording, or undefined between recordings. */
  raws: RawExchange[] | undefined;
  startedAt: number;
  /** Where the app's own requests come from (its URL, once it listens). */
  appUrl: string;
}

export function createFlowRecorder(): FlowRecorder {
  return { raws: undefined, startedAt: 0, appUrl: '' };
}

const headerList = (h: Headers): HeaderList => {
  const out: HeaderList = [];
  h.forEach((value, name) => out.push([name, value]));
  return out;
};

const bodyText = (body: unknown): string | undefined =>
  body === undefined || body === null
    ? undefined
    : typeof body === 'string'
      ? body
      : body instanceof URLSearchParams
        ? body.toString()
        : undefined;

/** A fetch that records each request (when a recording runs) as sent by `from()`. */
export function recordingFetch(rec: FlowRecorder, from?: () => string): typeof fetch {
  return async (input, init) => {
    const raws = rec.raws;
    const started = Date.now();
    const res = await fetch(input, init);
    if (raws !== undefined) {
      const url = input instanceof Request ? input.url : String(input);
      const raw: RawExchange = {
        t: started - rec.startedAt,
        method: init?.method ?? 'GET',
        url,
        requestHeaders: headerList(new Headers(init?.headers)),
        status: res.status,
        durationMs: Date.now() - started,
        responseHeaders: headerList(res.headers),
        responseBody: await res.clone().text(),
      };
      const body = bodyText(init?.body);
      if (body !== undefined) raw.requestBody = body;
      if (from !== undefined) raw.from = from();
      raws.push(raw);
    }
    return res;
  };
}

/** `<input name=… value=…>` of a page's first form, and its action. */
function formOf(html: string, base: string): { action: string; fields: Record<string, string> } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) throw demoError(`no form on ${base}`);
  const fields: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = m[1]!;
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1];
    const type = /\btype="([^"]*)"/.exec(attrs)?.[1];
    if (name !== undefined && type === 'hidden')
      fields[unescapeHtml(name)] = unescapeHtml(/\bvalue="([^"]*)"/.exec(attrs)?.[1] ?? '');
  }
  return { action: new URL(unescapeHtml(form[1]!), base).href, fields };
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Walk the demo as a browser would: Sign in → the issuer's login page → back to the app with
 * the code → Call the resource server → Refresh → Sign out. Returns the raw exchanges of both
 * the browser and the app, in time order. The password is sent once, to the issuer's form.
 */
export async function recordCodeFlow(
  rec: FlowRecorder,
  o: { appUrl: string; username: string; password: string },
): Promise<RawExchange[]> {
  const raws: RawExchange[] = [];
  rec.raws = raws;
  rec.startedAt = Date.now();
  const browserFetch = recordingFetch(rec);
  const jar = new Map<string, Map<string, string>>();
  const go = async (
    url: string,
    form?: Record<string, string>,
    role?: 'login',
  ): Promise<{ url: string; html: string }> => {
    let method = form !== undefined ? 'POST' : 'GET';
    let body = form !== undefined ? new URLSearchParams(form).toString() : undefined;
    for (let hops = 0; hops < 10; hops++) {
      const host = new URL(url).host;
      const cookies = jar.get(host) ?? new Map<string, string>();
      jar.set(host, cookies);
      const headers: Record<string, string> = {};
      if (cookies.size > 0)
        headers['cookie'] = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const before = raws.length;
      const res = await browserFetch(url, {
        method,
        headers,
        redirect: 'manual',
        ...(body !== undefined ? { body } : {}),
      });
      if (role !== undefined) {
        // The browser's own exchange is the last one it recorded (the app's come first in time).
        const mine = raws.slice(before).filter((r) => r.from === undefined);
        const last = mine[mine.length - 1];
        if (last !== undefined) last.role = role;
        role = undefined;
      }
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        if (eq > 0) cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location !== null) {
        await res.body?.cancel();
        url = new URL(location, url).href;
        method = 'GET';
        body = undefined;
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw demoError(`${method} ${new URL(url).pathname}: ${res.status}`);
      return { url, html };
    }
    throw demoError('too many redirects');
  };
  try {
    const app = `${o.appUrl}/`;
    let page = await go(app);
    const csrf = () => formOf(page.html, page.url).fields['csrf'] ?? '';
    const login = await go(`${o.appUrl}/login`, { csrf: csrf() });
    const f = formOf(login.html, login.url);
    page = await go(f.action, { ...f.fields, username: o.username, password: o.password }, 'login');
    if (!page.url.startsWith(o.appUrl)) throw demoError('sign-in did not return to the app');
    page = await go(`${o.appUrl}/call`, { csrf: csrf() });
    page = await go(`${o.appUrl}/refresh`, { csrf: csrf() });
    page = await go(`${o.appUrl}/logout`, { csrf: csrf() });
    // The app's logout page posts the ID token to the issuer's end_session_endpoint.
    const out = formOf(page.html, page.url);
    page = await go(out.action, out.fields);
    if (!page.url.startsWith(o.appUrl)) throw demoError('sign-out did not return to the app');
    return [...raws].sort((a, b) => a.t - b.t);
  } finally {
    rec.raws = undefined;
  }
}

/** The demo's sign-in as a trace: four named lifelines, checked for `credentials-once`. */
export async function traceCodeFlow(
  rec: FlowRecorder,
  demo: {
    appUrl: string;
    issuerUrl: string;
    resourceUrl: string;
    username: string;
    password: string;
  },
): Promise<Trace> {
  const startedAt = new Date();
  const raws = await recordCodeFlow(rec, demo);
  return buildTrace(raws, {
    source: 'run',
    startedAt,
    clientLabel: 'Browser',
    names: [
      `${new URL(demo.appUrl).host}=Demo web app`,
      `${new URL(demo.issuerUrl).host}=Issuer (tessera serve)`,
      `${new URL(demo.resourceUrl).host}=Resource server (guard)`,
    ].flatMap((rule) => parseNameRule(rule) ?? []),
    // RP-initiated logout posts the ID token, so no token appears in any URL.
    assertions: ['credentials-once', 'no-token-in-url'],
  });
}
