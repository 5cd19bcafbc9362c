/**
 * Adds queued rollup increments to the rollup rows. Each group commit queues its increments in
 * the same transaction as the records they count (EventStore.commitBatch), so the commit a
 * caller waits for writes a single queue row instead of a row per product, label and total;
 * here the queue is applied at most once per interval, many batches per transaction, where a
 * product clicked fifty times within one transaction costs one row update instead of fifty. Counts stay exact through
 * a crash: a queue row is deleted in the transaction that applies it (see applyQueuedRollups),
 * and whatever a crash left queued is applied on start-up.
 *
 * Readers that must see everything (analytics, privacy) flush first, through Ingest.settle().
 */
import type { Logger } from 'pino';
import type { AnalyticsStore } from '../storage/ports.js';

/**
 * Queue rows per transaction adapt to keep each transaction near TARGET_MS: a queue row holds a
 * whole group commit (up to hundreds of events), and on SQLite a transaction blocks every
 * request while it runs, so a fixed count either stalls requests (p99) or merges too little.
 */
const TARGET_MS = 2;
const MIN_ROWS = 1;
const MAX_ROWS = 200;

export class RollupApplier {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  /** Queue rows the next transaction takes. */
  private rowsPerTransaction = 8;

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
   * Applies everything queued (by any process), in transactions of about TARGET_MS with a turn
   * of the event loop between them. Resolves when this and every earlier flush are done; a
   * failure is logged and the rows stay queued for a retry. With `wait` (readers that must see
   * everything) rows another process is applying are waited for rather than skipped, and the
   * queue is taken until empty: another instance's applier may hold rows a reader must count.
   */
  flush(wait = false): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.running.then(async () => {
      try {
        for (;;) {
          const asked = this.rowsPerTransaction;
          const started = performance.now();
          const taken = await this.analytics.applyQueuedRollups(asked, wait);
          // Waiting, a take can come back short because rows it waited for were applied by
          // their holder meanwhile; only an empty take says the queue is drained.
          if (wait ? taken === 0 : taken < asked) return;
          this.adapt(performance.now() - started);
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

  /** Queue rows per transaction for the next one, from how long a full one took. */
  private adapt(ms: number): void {
    if (ms > 2 * TARGET_MS) this.rowsPerTransaction = Math.max(MIN_ROWS, this.rowsPerTransaction >> 1);
    else if (ms < TARGET_MS / 2) this.rowsPerTransaction = Math.min(MAX_ROWS, this.rowsPerTransaction * 2);
  }

  /** Rows the next transaction takes (read by the tests). */
  get batchRows(): number {
    return this.rowsPerTransaction;
  }

  /** Stops the timer (shutdown); call flush() before to apply what is queued. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
