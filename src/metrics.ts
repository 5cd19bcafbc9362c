/**
 * Prometheus text metrics: counters and histograms with labels, rendered by GET /metrics.
 * Small on purpose: the hot path does one Map lookup and an increment.
 */

type Labels = Record<string, string>;

const render = (labels: Labels) => Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');

// Rendered label sets, memoised by their values: the hot path asks for the same few sets over
// and over. Bounded, since label values (endpoint names, statuses) come from a small set.
const rendered = new Map<string, string>();
function key(labels: Labels): string {
  let memo = '';
  for (const name in labels) memo += `${name}\u0000${labels[name]}\u0001`;
  let k = rendered.get(memo);
  if (k === undefined) {
    k = render(labels);
    if (rendered.size < 10_000) rendered.set(memo, k);
  }
  return k;
}

/** One labelled series of a counter, resolved once and incremented directly on hot paths. */
export interface CounterCell {
  value: number;
}

class Counter {
  private readonly cells = new Map<string, CounterCell>();
  constructor(readonly name: string, readonly help: string) {}
  /** The series of these labels (created at 0). */
  cell(labels: Labels = {}): CounterCell {
    const k = key(labels);
    let c = this.cells.get(k);
    if (!c) this.cells.set(k, (c = { value: 0 }));
    return c;
  }
  inc(labels: Labels = {}, by = 1): void {
    this.cell(labels).value += by;
  }
  get(labels: Labels = {}): number {
    return this.cells.get(key(labels))?.value ?? 0;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, c] of this.cells) lines.push(`${this.name}${k ? `{${k}}` : ''} ${c.value}`);
    return lines;
  }
}

/** One labelled series of a histogram: a count per bucket (not cumulative; render sums them). */
export class HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(private readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    if (i < this.buckets.length) this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

class Histogram {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  /** The series of these labels (created empty). */
  seriesOf(labels: Labels = {}): HistogramSeries {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = new HistogramSeries(this.buckets)));
    return s;
  }
  observe(value: number, labels: Labels = {}): void {
    this.seriesOf(labels).observe(value);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      let cumulative = 0;
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${(cumulative += s.counts[i])}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`, `${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`, `${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines;
  }
}

/** Every metric Relevo exports. One instance per runtime. */
export class Metrics {
  readonly requests = new Counter('relevo_requests_total', 'Clerk API requests by endpoint and HTTP status.');
  readonly latency = new Histogram('relevo_request_duration_seconds', 'Clerk API request latency.', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
  readonly eventsAccepted = new Counter('relevo_events_accepted_total', 'Tracked events committed, by type.');
  readonly eventsDropped = new Counter('relevo_events_dropped_total', 'Tracked events answered but not recorded, by reason.');
  readonly writesRefused = new Counter('relevo_writes_refused_total', 'Tracking calls refused (503) because the write buffer held RELEVO_MAX_PENDING_EVENTS uncommitted events.');
  readonly batchSize = new Histogram('relevo_commit_batch_size', 'Rows per group commit.', [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000]);
  readonly commitSeconds = new Histogram('relevo_commit_duration_seconds', 'Group commit duration.', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5]);
  readonly dbErrors = new Counter('relevo_db_errors_total', 'Database connection errors met, by operation (commit, read, listen, catalog, import, identity, stores, rollups, forget, sales, retention, partitions).');
  readonly dbRetries = new Counter('relevo_db_retries_total', 'Database operations retried after a lost connection, by operation.');
  readonly retentionDropped = new Counter('relevo_retention_dropped_total', 'Raw records dropped by retention (RELEVO_RETENTION_DAYS), by kind (events, impressions).');
  readonly retentionRuns = new Counter('relevo_retention_runs_total', 'Retention runs of a store, by result (done, skipped: another process held it, failed).');

  /** The Prometheus text exposition. */
  render(): string {
    return [this.requests, this.latency, this.eventsAccepted, this.eventsDropped, this.writesRefused, this.batchSize, this.commitSeconds, this.dbErrors, this.dbRetries, this.retentionDropped, this.retentionRuns].flatMap((m) => m.render()).join('\n') + '\n';
  }
}
