import pg from 'pg';

/** Reconnect delay of the listening connection after it is lost (ms). */
const RECONNECT_MS = 1000;

/**
 * Cross-node change signals over PostgreSQL LISTEN/NOTIFY: a node that adds a revocation
 * notifies the channel; every node listening on it hears it and refreshes its feed and its
 * push subscribers at once. One extra connection per node. Lost notifications (the listening
 * connection was down) are covered by the feed's periodic recheck, so NOTIFY only makes
 * propagation faster, never decides correctness.
 */
export class PgChangeChannel {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly url: string,
    readonly channel: string,
    private readonly clientOptions: pg.ClientConfig = {},
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error('invalid channel name');
  }

  on(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Open the listening connection (retried in the background when it fails). */
  async start(): Promise<void> {
    try {
      await this.listen();
    } catch {
      this.reconnect();
    }
  }

  private async listen(): Promise<void> {
    const c = new pg.Client({ connectionString: this.url, ...this.clientOptions });
    c.on('error', () => this.reconnect());
    c.on('end', () => this.reconnect());
    c.on('notification', (n) => {
      if (n.channel === this.channel) for (const l of this.listeners) l();
    });
    await c.connect();
    await c.query(`listen "${this.channel}"`);
    if (this.stopped) {
      await c.end().catch(() => {});
      return;
    }
    this.client = c;
    // Anything missed while disconnected: let listeners re-read.
    for (const l of this.listeners) l();
  }

  private reconnect(): void {
    const old = this.client;
    this.client = undefined;
    old?.removeAllListeners();
    old?.end().catch(() => {});
    if (this.stopped || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.listen().catch(() => this.reconnect());
    }, RECONNECT_MS);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    c?.removeAllListeners();
    await c?.end().catch(() => {});
  }
}
