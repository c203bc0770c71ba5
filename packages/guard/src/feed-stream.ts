import type { IncomingMessage } from 'node:http';
import type { JwtVerifyResult } from '@tessera/jose';
import { checkFetchUrl } from '@tessera/jose/internal';
import type { RevocationList } from './revocation-list.js';
import { feedError } from './errors.js';

/** Options of {@link startFeedStream}. */
export interface FeedStreamOptions {
  /** The issuer's `revocation_stream_uri`. */
  url: string;
  allowHttpLoopback: boolean;
  /** Largest event accepted (bytes); a larger one drops the connection. */
  maxEventBytes: number;
  /** `Authorization` header for a stream behind credentials. */
  authorization?: string | undefined;
  /** Verifies each event's feed delta JWT exactly like a polled feed. */
  verify: (token: string) => Promise<JwtVerifyResult>;
  list: RevocationList;
  onError?: (error: unknown) => void;
  /** Reconnect back-off bounds (ms); each wait is jittered. Default 500 … 30 000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A running subscription; polling goes on beside it (the fallback whenever it is down). */
export interface FeedStream {
  readonly connected: boolean;
  /** Events applied since start. */
  readonly events: number;
  stop(): void;
}

const streamError = (message: string) => feedError('ERR_FEED_FETCH_FAILED', message);

/** One Server-Sent Events block: its `id` and its `data` lines joined (WHATWG HTML §9.2.6). */
function parseEventBlock(block: string): { id: string | undefined; data: string | undefined } {
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line.length === 0) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return { id, data: data.length === 0 ? undefined : data.join('\n').trim() };
}

/** GET the stream; a status other than 200 or a body that is not an event stream is refused. */
async function openStream(
  target: URL,
  headers: Record<string, string>,
  track: (r: { destroy(): void }) => void,
): Promise<IncomingMessage> {
  const mod = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = mod.request(target, { method: 'GET', headers }, resolve);
    req.on('error', reject);
    req.on('socket', (s) => s.unref());
    track(req);
    req.end();
  });
  track(res);
  if (res.statusCode !== 200) {
    res.resume();
    throw streamError(`the revocation stream answered ${res.statusCode}`);
  }
  if (!String(res.headers['content-type']).startsWith('text/event-stream')) {
    res.resume();
    throw streamError('the revocation stream is not text/event-stream');
  }
  return res;
}

/**
 * Hand each block of the stream to `onBlock`, one after the other, until the stream ends. A block
 * that fails, or a partial event over `maxEventBytes`, drops the connection and rejects.
 */
async function readEvents(
  res: IncomingMessage,
  maxEventBytes: number,
  onBlock: (block: string) => Promise<void>,
): Promise<void> {
  res.setEncoding('utf8');
  let buf = '';
  let chain = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    res.on('data', (chunk: string) => {
      buf += chunk.replace(/\r\n?/g, '\n');
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        chain = chain
          .then(() => onBlock(block))
          .catch((e: unknown) => {
            res.destroy();
            reject(e);
          });
      }
      if (buf.length > maxEventBytes) {
        res.destroy();
        reject(streamError('a revocation stream event is too large'));
      }
    });
    res.on('end', () => resolve());
    res.on('close', () => resolve());
    res.on('error', reject);
  });
  await chain;
}

/** The jittered wait before reconnect attempt `attempt` (1, 2, …): half to all of the ceiling. */
function backoffMs(attempt: number, minBackoff: number, maxBackoff: number): number {
  const ceiling = Math.min(maxBackoff, minBackoff * 2 ** Math.min(attempt - 1, 16));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}

/**
 * Subscribe to the issuer's revocation push (Server-Sent Events, WHATWG HTML §9.2): each event's
 * data is a signed feed delta, verified and applied like a polled feed; its `id` is sent back as
 * `Last-Event-ID` on reconnect so the issuer resumes from there. On any failure (connection lost,
 * bad status, an event that does not verify) the stream reconnects after a jittered back-off;
 * meanwhile the guard keeps polling. The socket is unref'd: an open subscription never keeps a
 * process alive. Node.js `http`/`https` only (where they are missing, the guard only polls).
 */
export function startFeedStream(o: FeedStreamOptions): FeedStream {
  const target = checkFetchUrl(o.url, o.allowHttpLoopback, 'revocation_stream_uri');
  const minBackoff = o.minBackoffMs ?? 500;
  const maxBackoff = o.maxBackoffMs ?? 30_000;
  let stopped = false;
  let connected = false;
  let events = 0;
  let lastId: string | undefined;
  let current: { destroy(): void } | undefined;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  async function handle(block: string): Promise<void> {
    const { id, data } = parseEventBlock(block);
    if (data === undefined) return;
    const { payload } = await o.verify(data);
    o.list.apply(payload, Date.now() / 1000);
    events++;
    // Only an applied event moves the resume point.
    if (id !== undefined && id.length <= 256) lastId = id;
  }

  async function connectOnce(): Promise<void> {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      ...(o.authorization !== undefined ? { authorization: o.authorization } : {}),
      ...(lastId !== undefined ? { 'last-event-id': lastId } : {}),
    };
    const res = await openStream(target, headers, (r) => (current = r));
    connected = true;
    attempt = 0;
    await readEvents(res, o.maxEventBytes, handle);
  }

  const loop = (): void => {
    if (stopped) return;
    connectOnce()
      .then(() => {
        if (!stopped) o.onError?.(streamError('the revocation stream ended'));
      })
      .catch((e: unknown) => {
        if (!stopped) o.onError?.(e);
      })
      .finally(() => {
        connected = false;
        current = undefined;
        if (stopped) return;
        attempt++;
        retry = setTimeout(loop, backoffMs(attempt, minBackoff, maxBackoff));
        (retry as { unref?: () => void }).unref?.();
      });
  };
  loop();
  return {
    get connected() {
      return connected;
    },
    get events() {
      return events;
    },
    stop() {
      stopped = true;
      clearTimeout(retry);
      current?.destroy();
    },
  };
}
