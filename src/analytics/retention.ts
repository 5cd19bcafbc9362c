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

/** One run: the monthly event partitions dropped (PostgreSQL), then each store's. */
export interface RetentionRun {
  partitions: string[];
  /** Events of every store the dropped partitions held. */
  partitionEvents: number;
  stores: StoreRetention[];
}

/**
 * Drops every store's raw records older than `days` days before `now` (unix s): first the whole
 * months of events that lie before it (where events are partitioned), then one store after
 * another, row by row, what is left before it.
 */
export async function runRetention(storage: Storage, days: number, now: number, stopped: () => boolean = () => false): Promise<RetentionRun> {
  const before = now - days * DAY;
  const dropped = (await storage.analytics.dropEventPartitions?.(before)) ?? { partitions: [], events: 0 };
  const run: RetentionRun = { partitions: dropped.partitions, partitionEvents: dropped.events, stores: [] };
  for (const store of await storage.stores.listStores()) {
    if (stopped()) break;
    const stats = await storage.analytics.dropRawBefore(store.id, before);
    run.stores.push({ storeId: store.id, name: store.name, ...stats });
  }
  return run;
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
    const run = await runRetention(this.storage, this.days, this.now(), () => !this.poller.started);
    if (run.partitions.length > 0) {
      this.metrics?.retentionDropped.inc({ kind: 'events' }, run.partitionEvents);
      this.log.info({ partitions: run.partitions, events: run.partitionEvents, ms: Date.now() - started }, 'retention: monthly event partitions dropped');
    }
    for (const r of run.stores) {
      this.metrics?.retentionRuns.inc({ result: r.skipped ? 'skipped' : 'done' });
      this.metrics?.retentionDropped.inc({ kind: 'events' }, r.events);
      this.metrics?.retentionDropped.inc({ kind: 'impressions' }, r.impressions);
      if (r.events + r.impressions > 0) this.log.info({ store: r.name, events: r.events, impressions: r.impressions, horizon: r.horizon, ms: Date.now() - started }, 'retention: raw records dropped');
    }
  }
}
