import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IssuerContext } from './context.js';
import { FEED_LIFETIME_SECONDS, FEED_RECHECK_MS, type RevocationFeed } from './revocation-feed.js';

/** A comment line every so often keeps idle connections (and proxies) from timing out. */
const HEARTBEAT_MS = 15_000;
/** Most open streams per node; one more is answered 503 (the guard then polls). */
export const MAX_STREAM_SUBSCRIBERS = 10_000;

interface Entry {
  readonly jti?: string;
  readonly sid?: string;
  readonly exp: number;
}
const keyOf = (e: Entry) => (e.jti !== undefined ? `j:${e.jti}` : `s:${e.sid}`);

/**
 * GET /revocations/stream: Server-Sent Events (WHATWG HTML §9.2), one event per change of the
 * revocation list, each carrying a signed feed *delta*: a JWT exactly like the feed
 * (`typ: revocation+jwt`, `{ iss, iat, exp, revoked }`) whose `revoked` holds only the entries
 * new since the previous event. Since a feed never un-revokes, a subscriber applies a delta as it
 * applies a feed. Each event's `id` is the ETag of the full feed it brings the subscriber to: a
 * reconnect with that `Last-Event-ID` continues from there; with any other id (or none) the first
 * event is the full feed. Changes are seen at once for revocations made through this node, on
 * PostgreSQL at once for those of other nodes (LISTEN/NOTIFY), and within
 * {@link FEED_RECHECK_MS} otherwise. Deltas are signed once per change, not once per subscriber.
 */
export class RevocationStream {
  private readonly subscribers = new Set<ServerResponse>();
  private last: { etag: string; keys: Set<string> } | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: IssuerContext,
    private readonly feed: RevocationFeed,
  ) {
    ctx.store.onRevocationsChanged(() => void this.check());
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Start streaming to `res` (the hijacked reply). */
  async subscribe(res: ServerResponse, lastEventId: string | undefined): Promise<void> {
    const f = await this.feed.get();
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    if (lastEventId !== f.etag) res.write(event(f.etag, f.body));
    this.last ??= { etag: f.etag, keys: new Set(entries(f.listJson).map(keyOf)) };
    this.subscribers.add(res);
    res.on('close', () => {
      this.subscribers.delete(res);
      if (this.subscribers.size === 0) this.idle();
    });
    this.busy();
  }

  /** Close every stream (the app is closing). */
  close(): void {
    this.idle();
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
  }

  private busy(): void {
    // Other processes on the same database (and nodes without NOTIFY) are seen by this recheck:
    // one read per interval per node, whatever the number of subscribers.
    this.timer ??= setInterval(() => void this.check(), FEED_RECHECK_MS).unref();
    this.heartbeat ??= setInterval(() => {
      for (const res of this.subscribers) res.write(': ping\n\n');
    }, HEARTBEAT_MS).unref();
  }

  private idle(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }

  private check(): Promise<void> {
    if (this.subscribers.size === 0) return Promise.resolve();
    if (this.checking !== undefined) {
      this.again = true;
      return this.checking;
    }
    this.checking = this.push()
      .catch((e: unknown) => {
        // The database is unreachable: subscribers keep what they have; the next check retries.
        this.ctx.log.warn({ err: e }, 'revocation stream check failed');
      })
      .finally(() => {
        this.checking = undefined;
        if (this.again) {
          this.again = false;
          void this.check();
        }
      });
    return this.checking;
  }

  private async push(): Promise<void> {
    const f = await this.feed.get();
    const last = this.last;
    if (last !== undefined && last.etag === f.etag) return;
    const all = entries(f.listJson);
    const fresh = last === undefined ? all : all.filter((e) => !last.keys.has(keyOf(e)));
    this.last = { etag: f.etag, keys: new Set(all.map(keyOf)) };
    // A re-signed feed with the same list (key change, half-life) brings nothing new.
    if (fresh.length === 0) return;
    const now = this.ctx.nowSeconds();
    const delta = this.ctx.keys.current.signRevocationFeed({
      iat: now,
      exp: now + FEED_LIFETIME_SECONDS,
      revoked: fresh,
    });
    const text = event(f.etag, delta);
    for (const res of this.subscribers) res.write(text);
  }
}

function entries(listJson: string): Entry[] {
  return JSON.parse(listJson) as Entry[];
}

function event(id: string, data: string): string {
  return `id: ${id}\ndata: ${data}\n\n`;
}

/** Mount GET /revocations/stream over the shared feed; `authorize` refuses as on the feed. */
export function registerRevocationStream(
  app: FastifyInstance,
  ctx: IssuerContext,
  feed: RevocationFeed,
  authorize: (request: FastifyRequest) => Promise<void>,
): RevocationStream {
  const stream = new RevocationStream(ctx, feed);
  app.get('/revocations/stream', async (request, reply) => {
    await authorize(request);
    if (stream.size >= MAX_STREAM_SUBSCRIBERS) {
      reply.header('retry-after', '30');
      return reply.code(503).send({ error: 'temporarily_unavailable' });
    }
    const id = request.headers['last-event-id'];
    reply.hijack();
    await stream.subscribe(reply.raw, typeof id === 'string' ? id : undefined);
  });
  // Before the server stops accepting: an open stream would otherwise hold close() forever.
  app.addHook('preClose', async () => {
    stream.close();
  });
  return stream;
}
