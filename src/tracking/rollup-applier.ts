/**
 * Adds queued rollup increments to the rollup rows. Each group commit queues its increments in
 * the same transaction as the records they count (EventStore.commitBatch), so the commit a
 * caller waits for writes a single queue row instead of a row per product, label and total;
 * here the queue is applied at most once per interval, many batches per transaction, where a
 * product clicked fifty times costs one row update instead of fifty. Counts stay exact through
 * a crash: a queue row is deleted in the transaction that applies it (see applyQueuedRollups),
 * and whatever a crash left queued is applied on start-up.
 *
 * Readers that must see everything (analytics, privacy) flush first, through Ingest.settle().
 */
import type { Logger } from 'pino';
import type { AnalyticsStore } from '../storage/ports.js';

/** Queue rows per transaction: a second of a busy shop is thousands of rows, and one transaction would stall every request. */
const ROWS_PER_TRANSACTION = 100;

export class RollupApplier {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly analytics: AnalyticsStore,
    private readonly log: Logger,
    /** How long increments may wait in the queue; 0 applies them right after each commit. */
    private readonly intervalMs: number,
  ) {}

  /** A commit queued increments: apply them within the interval. */
  queued(): void {
    if (this.timer) return;
    if (this.intervalMs === 0) {
      void this.flush();
      return;
    }
    this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Applies everything queued (by any process), a transaction per ROWS_PER_TRANSACTION rows
   * with a turn of the event loop between them. Resolves when this and every earlier flush are
   * done; a failure is logged and the rows stay queued for the next flush.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.running.then(async () => {
      try {
        while ((await this.analytics.applyQueuedRollups(ROWS_PER_TRANSACTION)) === ROWS_PER_TRANSACTION) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        this.log.error({ err }, 'applying queued rollups failed; they stay queued and are retried');
        this.timer ??= setTimeout(() => void this.flush(), Math.max(this.intervalMs, 1000));
        this.timer.unref();
      }
    });
    return this.running;
  }

  /** Stops the timer (shutdown); call flush() before to apply what is queued. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
