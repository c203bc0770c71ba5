/**
 * `tessera trace import`: HAR 1.2 (browser developer tools, Playwright `recordHar`) → trace.
 * The HAR is validated strictly where the trace depends on it; other members are ignored.
 * @see http://www.softwareishard.com/blog/har-12-spec/
 */
import type { Trace } from '../model.js';
import { TraceInputError } from '../errors.js';
import { buildTrace, withCaptureOptions } from '../build-trace.js';
import type { CaptureOptions } from '../build-trace.js';
import type { HeaderList, RawExchange } from '../raw-exchange.js';

export interface ImportHarOptions extends CaptureOptions {
  /** Keep entries whose URL is not http(s) (data:, chrome-extension:). Default false. */
  includeNonHttp?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const bad = (path: string, msg: string): never => {
  throw new TraceInputError('ERR_HAR_INVALID', path, msg);
};

function headers(v: unknown, path: string): HeaderList {
  if (!Array.isArray(v)) return bad(path, 'must be an array');
  return v.map((h, i): [string, string] => {
    if (!isRecord(h) || typeof h.name !== 'string' || typeof h.value !== 'string')
      return bad(`${path}[${i}]`, 'must be { name, value }');
    return [h.name, h.value];
  });
}

function cookiePairs(v: unknown): [string, string][] {
  if (!Array.isArray(v)) return [];
  return v
    .filter(
      (c): c is { name: string; value: string } =>
        isRecord(c) && typeof c.name === 'string' && typeof c.value === 'string',
    )
    .map((c) => [c.name, c.value]);
}

function contentText(content: unknown, path: string): string | undefined {
  if (content === undefined) return undefined;
  if (!isRecord(content)) return bad(path, 'must be an object');
  if (content.text === undefined) return undefined;
  if (typeof content.text !== 'string') return bad(`${path}.text`, 'must be a string');
  if (content.encoding === 'base64') return Buffer.from(content.text, 'base64').toString('utf8');
  return content.text;
}

/**
 * Parse HAR JSON text into a trace.
 *
 * @example
 * const trace = importHar(readFileSync('session.har', 'utf8'));
 */
export function importHar(text: string, options: ImportHarOptions = {}): Trace {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new TraceInputError('ERR_HAR_INVALID', '', 'the HAR file is not valid JSON', { cause });
  }
  if (!isRecord(doc) || !isRecord(doc.log)) return bad('log', 'a HAR file has a "log" object');
  const log = doc.log;
  if (typeof log.version !== 'string' || !/^1\.\d+$/.test(log.version))
    bad('log.version', 'must be a HAR 1.x version string');
  if (!Array.isArray(log.entries)) return bad('log.entries', 'must be an array');

  type Timed = { at: number; raw: RawExchange };
  const timed: Timed[] = [];
  log.entries.forEach((entry: unknown, i: number) => {
    const p = `log.entries[${i}]`;
    if (!isRecord(entry)) bad(p, 'must be an object');
    const e = entry as Record<string, unknown>;
    if (typeof e.startedDateTime !== 'string' || Number.isNaN(Date.parse(e.startedDateTime)))
      bad(`${p}.startedDateTime`, 'must be an ISO 8601 date');
    const req = e.request;
    const res = e.response;
    if (!isRecord(req)) return bad(`${p}.request`, 'must be an object');
    if (!isRecord(res)) return bad(`${p}.response`, 'must be an object');
    if (typeof req.method !== 'string' || req.method === '')
      bad(`${p}.request.method`, 'must be a string');
    if (typeof req.url !== 'string') bad(`${p}.request.url`, 'must be a string');
    if (typeof res.status !== 'number' || !Number.isInteger(res.status) || res.status < 0)
      bad(`${p}.response.status`, 'must be an integer');
    const url = req.url as string;
    if (!options.includeNonHttp && !/^https?:\/\//i.test(url)) return;
    const requestHeaders = headers(req.headers, `${p}.request.headers`);
    // Some exporters leave Cookie out of the header list but fill request.cookies.
    if (!requestHeaders.some(([k]) => k.toLowerCase() === 'cookie')) {
      const cs = cookiePairs(req.cookies);
      if (cs.length) requestHeaders.push(['cookie', cs.map(([k, v]) => `${k}=${v}`).join('; ')]);
    }
    const responseHeaders = headers(res.headers, `${p}.response.headers`);
    const raw: RawExchange = {
      t: 0,
      method: req.method as string,
      url,
      requestHeaders,
      status: res.status as number,
      durationMs: typeof e.time === 'number' && e.time >= 0 ? Math.round(e.time) : 0,
      responseHeaders,
    };
    if (req.postData !== undefined) {
      if (!isRecord(req.postData)) bad(`${p}.request.postData`, 'must be an object');
      const pd = req.postData as Record<string, unknown>;
      if (typeof pd.text === 'string') raw.requestBody = pd.text;
      else if (Array.isArray(pd.params)) {
        raw.requestBody = new URLSearchParams(cookiePairs(pd.params)).toString();
      }
      if (
        typeof pd.mimeType === 'string' &&
        !requestHeaders.some(([k]) => k.toLowerCase() === 'content-type')
      ) {
        requestHeaders.push(['content-type', pd.mimeType]);
      }
    }
    const body = contentText(res.content, `${p}.response.content`);
    if (body !== undefined) raw.responseBody = body;
    if (res.status === 0 || (typeof res._failureText === 'string' && res._failureText !== ''))
      raw.error = typeof res._failureText === 'string' ? res._failureText : 'no response';
    timed.push({ at: Date.parse(e.startedDateTime as string), raw });
  });
  // HAR 1.2 §entries: sorted by startedDateTime; a stable sort keeps the file order for ties.
  timed.sort((a, b) => a.at - b.at);
  const first = timed[0]?.at ?? 0;
  for (const x of timed) x.raw.t = x.at - first;
  return buildTrace(
    timed.map((x) => x.raw),
    withCaptureOptions('har', new Date(first), options),
  );
}
