/**
 * Retention (RELEVO_RETENTION_DAYS): raw events and impressions older than N days are dropped
 * once their rollup increments are applied. The rollups keep the analytics of every day; sales
 * are kept (they are orders, and carry their attribution). Rebuilds and re-attribution then work
 * from the horizon on (rebuild.ts). `serve` runs it at start-up and hourly; `relevo retention` once.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { RetentionStats, Storage } from '../storage/ports.js';

const DAY = 86400;

/** One store's run. */
export interface StoreRetention extends RetentionStats {
  storeId: number;
  name: string;
}

/** Drops every store's raw records older than `days` days before `now` (unix s); one store after another. */
export async function runRetention(storage: Storage, days: number, now: number, stopped: () => boolean = () => false): Promise<StoreRetention[]> {
  const out: StoreRetention[] = [];
  for (const store of await storage.stores.listStores()) {
    if (stopped()) break;
    const stats = await storage.analytics.dropRawBefore(store.id, now - days * DAY);
    out.push({ storeId: store.id, name: store.name, ...stats });
  }
  return out;
}

/** The server's retention: a run at start, then one per interval, never two at once; errors are logged. */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    private readonly days: number,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Runs now (in the background) and then every `intervalMs`; the timer does not keep the process alive. */
  start(intervalMs: number): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  /** One run for every store; while one is going on, that one (a tick never queues a second). */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.runOnce().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops the timer and waits for a run in progress (it ends after the store it is on). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async runOnce(): Promise<void> {
    const started = Date.now();
    try {
      const runs = await runRetention(this.storage, this.days, this.now(), () => this.stopped);
      for (const r of runs) {
        this.metrics?.retentionRuns.inc({ result: r.skipped ? 'skipped' : 'done' });
        this.metrics?.retentionDropped.inc({ kind: 'events' }, r.events);
        this.metrics?.retentionDropped.inc({ kind: 'impressions' }, r.impressions);
        if (r.events + r.impressions > 0) this.log.info({ store: r.name, events: r.events, impressions: r.impressions, horizon: r.horizon, ms: Date.now() - started }, 'retention: raw records dropped');
      }
    } catch (err) {
      // Nothing is lost by a failed run: the next one drops what this one left.
      this.metrics?.retentionRuns.inc({ result: 'failed' });
      this.log.error({ err }, 'retention run failed');
    }
  }
}
