/**
 * Per-product "shown" counts of impressions, summed in memory and written once a second.
 * An impression adds one to the daily row of each of its (up to hundreds of) products: written
 * with the impression, those rows were most of every result call's commit (one random B-tree
 * page per product, each copied to the WAL). Summed here, a product shown a hundred times in a
 * second costs one row update. Only committed impressions are added (after their commit).
 *
 * Readers that must see everything (analytics, privacy) flush first, through Ingest.settle().
 * The trade: a crash loses up to one interval of these counts while the impressions themselves
 * are stored; `relevo reattribute` recounts every rollup from the raw tables.
 */
import type { Logger } from 'pino';
import { rowKey } from '../storage/rollups-shared.js';
import type { AnalyticsStore, RollupDelta, RollupMetric } from '../storage/ports.js';

/** Rows per flush transaction. */
const CHUNK = 200;

export class DeferredRollups {
  private pending = new Map<string, RollupDelta>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly analytics: AnalyticsStore,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Rows waiting to be written. */
  get size(): number {
    return this.pending.size;
  }

  /** Adds committed deltas (no per-visitor uniques: those must commit with their event). */
  add(deltas: Iterable<RollupDelta>): void {
    for (const d of deltas) {
      if (d.unique || d.onlyIfNewSale !== undefined) throw new Error('deferred rollups take plain additive deltas only');
      const k = rowKey(d);
      const row = this.pending.get(k);
      if (!row) {
        this.pending.set(k, { ...d, metrics: { ...d.metrics } });
        continue;
      }
      const sum = row.metrics as Record<RollupMetric, number>;
      for (const [m, v] of Object.entries(d.metrics) as Array<[RollupMetric, number]>) sum[m] = (sum[m] ?? 0) + v;
    }
    if (this.pending.size > 0 && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * Writes what is pending, CHUNK rows per transaction (not flushed to disk: these counts may be
   * lost in a crash anyway) with a turn of the event loop between
   * them (a second of a busy shop is thousands of rows: one transaction would stall every
   * request for tens of milliseconds). Resolves when this and any earlier flush are done.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.flushing.then(async () => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        try {
          await this.analytics.applyRollups(chunk, { durable: false }); // lossy by design: no fsync
        } catch (err) {
          this.log.error({ err, rows: chunk.length }, 'writing product impression counts failed; retrying with the next flush');
          this.add(chunk);
        }
        if (i + CHUNK < rows.length) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    return this.flushing;
  }
}
