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

class Counter {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines;
  }
}

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
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
  readonly batchSize = new Histogram('relevo_commit_batch_size', 'Rows per group commit.', [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000]);
  readonly commitSeconds = new Histogram('relevo_commit_duration_seconds', 'Group commit duration.', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5]);

  /** The Prometheus text exposition. */
  render(): string {
    return [this.requests, this.latency, this.eventsAccepted, this.eventsDropped, this.batchSize, this.commitSeconds].flatMap((m) => m.render()).join('\n') + '\n';
  }
}
