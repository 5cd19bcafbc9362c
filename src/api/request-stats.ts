/**
 * Per-endpoint request counts and latency for /metrics, with each endpoint's series resolved
 * once: the hot path does a Map lookup and two increments, not a label-set key per call.
 */
import type { CounterCell, HistogramSeries, Metrics } from '../metrics.js';

interface EndpointStats {
  latency: HistogramSeries;
  byStatus: Map<number, CounterCell>;
}

export class RequestStats {
  private readonly endpoints = new Map<string, EndpointStats>();

  constructor(
    private readonly metrics: Metrics,
    /** Endpoint names with a route: the others share the label "unknown", so a scanner cannot blow up the series count. */
    private readonly known: ReadonlySet<string>,
  ) {}

  /** Counts one answered call of `endpoint` with its HTTP status and latency in ms. */
  record(endpoint: string, status: number, ms: number): void {
    const stats = this.endpoints.get(endpoint) ?? this.resolve(endpoint);
    let cell = stats.byStatus.get(status);
    if (!cell) stats.byStatus.set(status, (cell = this.metrics.requests.cell({ endpoint: this.label(endpoint), status: String(status) })));
    cell.value++;
    stats.latency.observe(ms / 1000);
  }

  private label(endpoint: string): string {
    return this.known.has(endpoint) ? endpoint : 'unknown';
  }

  /** A known endpoint's stats (kept); an unknown one's are the shared "unknown" entry (its name is not kept). */
  private resolve(endpoint: string): EndpointStats {
    const label = this.label(endpoint);
    let stats = this.endpoints.get(label);
    if (!stats) this.endpoints.set(label, (stats = { latency: this.metrics.latency.seriesOf({ endpoint: label }), byStatus: new Map() }));
    return stats;
  }
}
