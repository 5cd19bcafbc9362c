/**
 * Retention (RELEVO_RETENTION_DAYS): raw events and impressions older than N days are dropped
 * once their rollup increments are applied. The rollups keep the analytics of every day; sales
 * are kept (they are orders, and carry their attribution). Rebuilds and re-attribution then work
 * from the horizon on (rebuild.ts). `serve` runs it at start-up and hourly; `relevo retention` once.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { Poller } from '../poller.js';
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

/** The server's retention: a run at start, then one per interval, never two at once (a Poller); errors are logged. */
export class RetentionJob {
  private readonly poller: Poller;

  constructor(
    private readonly storage: Storage,
    private readonly days: number,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.poller = new Poller(() => this.runOnce(), (err) => {
      // Nothing is lost by a failed run: the next one drops what this one left.
      this.metrics?.retentionRuns.inc({ result: 'failed' });
      this.log.error({ err }, 'retention run failed');
    });
  }

  /** Runs now (in the background) and then every `intervalMs`; the timer does not keep the process alive. */
  start(intervalMs: number): void {
    this.poller.start(intervalMs);
    this.poller.wake();
  }

  /** A run now, or the one in progress (never a second queued behind it); resolves when it ends. */
  run(): Promise<void> {
    if (!this.poller.busy) this.poller.wake();
    return this.poller.settled();
  }

  /** Stops the timer and waits for a run in progress (it ends after the store it is on). */
  stop(): Promise<void> {
    return this.poller.stop();
  }

  private async runOnce(): Promise<void> {
    const started = Date.now();
    const runs = await runRetention(this.storage, this.days, this.now(), () => !this.poller.started);
    for (const r of runs) {
      this.metrics?.retentionRuns.inc({ result: r.skipped ? 'skipped' : 'done' });
      this.metrics?.retentionDropped.inc({ kind: 'events' }, r.events);
      this.metrics?.retentionDropped.inc({ kind: 'impressions' }, r.impressions);
      if (r.events + r.impressions > 0) this.log.info({ store: r.name, events: r.events, impressions: r.impressions, horizon: r.horizon, ms: Date.now() - started }, 'retention: raw records dropped');
    }
  }
}
