/**
 * LISTEN/NOTIFY: every commit that appends to a log (events, sales, forgets, catalog changes
 * and merchandising rules, stores and keys) calls pg_notify inside its transaction, so the
 * notification goes out on COMMIT only and never for a rollback. Each instance holds one
 * dedicated connection LISTENing on the schema's channel and wakes its tails at once; their
 * polling stays the fallback. A dropped listen connection is re-opened with backoff (1 s … 30 s)
 * and, once back, every tail is woken (notifications sent meanwhile are lost).
 */
import pg from 'pg';
import type { LogTopic } from '../ports.js';
import { APPLICATION_NAME, type PostgresTarget } from './pool.js';
import type { PostgresHealth } from './retry.js';

const TOPICS: readonly LogTopic[] = ['events', 'catalog', 'keys'];
const MAX_IDENTIFIER = 63;

/** The channel of a schema's logs (database-wide, so schemas on one database stay apart). */
export function logChannel(schema: string | null): string {
  return `relevo_log${schema ? `_${schema}` : ''}`.slice(0, MAX_IDENTIFIER);
}

/** One LISTEN connection per open storage; listeners are called with each notified topic. */
export class LogListener {
  private client: pg.Client | null = null;
  private readonly listeners: Array<(topic: LogTopic) => void> = [];
  private closed = false;
  private retryMs = 1000;
  private timer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  private everConnected = false;

  constructor(
    private readonly target: PostgresTarget,
    private readonly channel: string,
    private readonly health: PostgresHealth,
  ) {}

  /** Adds a listener; the first one opens the connection. */
  on(listener: (topic: LogTopic) => void): void {
    this.listeners.push(listener);
    if (!this.client && !this.connecting && !this.timer) this.connecting = this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.connecting;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.target.connectionString, application_name: `${APPLICATION_NAME}-listen` });
    // Errors arrive as events on an idle connection; without a handler they would crash the process.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      if (n.channel === this.channel && TOPICS.includes(n.payload as LogTopic)) this.emit(n.payload as LogTopic);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      this.health.failed('listen', err);
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.connecting = null;
      this.scheduleReconnect();
      return;
    }
    this.connecting = null;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 1000;
    // Whatever was committed while nobody listened: every tail looks once.
    if (this.everConnected) for (const topic of TOPICS) this.emit(topic);
    this.everConnected = true;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.health.failed('listen', new Error('the LISTEN connection was lost'));
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
    this.health.retrying('listen');
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.connecting = this.connect();
    }, wait);
    this.timer.unref();
  }

  private emit(topic: LogTopic): void {
    for (const l of this.listeners) l(topic);
  }
}
